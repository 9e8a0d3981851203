// Waiting inside a coroutine without blocking its event loop.
#pragma once

#include <asio/awaitable.hpp>
#include <chrono>

namespace borealis::core {

// Waits `duration` on the current coroutine's executor.
asio::awaitable<void> sleep_for(std::chrono::milliseconds duration);

}  // namespace borealis::core
