#include "admin/database_handover.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <asio/read_until.hpp>
#include <asio/redirect_error.hpp>
#include <asio/steady_timer.hpp>
#include <asio/use_awaitable.hpp>
#include <asio/write.hpp>

#include "logging/stderr_notice.hpp"
#include "reload/database_description.hpp"
#include "reload/descriptor_passing.hpp"
#include "serverless/database_runtime.hpp"

namespace borealis::admin {
namespace {

using logging::Severity;
using serverless::DatabaseRuntime;

// How long a database may stay inside a transition (a start, a freeze)
// before the reload is refused, and how long the new process may take to
// prepare before the databases are taken back.
constexpr std::chrono::milliseconds kHoldLimit{30000};
constexpr std::chrono::milliseconds kSendLimit{2000};
constexpr std::chrono::seconds kCommitLimit{60};
constexpr std::size_t kMaxAnswer = 64;

asio::awaitable<bool> write_text(asio::local::stream_protocol::socket& socket, std::string text) {
  asio::error_code error;
  co_await asio::async_write(socket, asio::buffer(text),
                             asio::redirect_error(asio::use_awaitable, error));
  co_return !error;
}

// The new process's word once it is ready: "commit", or nothing.
asio::awaitable<bool> committed(asio::local::stream_protocol::socket& socket) {
  asio::steady_timer limit(socket.get_executor(), kCommitLimit);
  limit.async_wait([&socket](const asio::error_code& error) {
    if (!error) socket.cancel();
  });
  std::string line;
  asio::error_code error;
  co_await asio::async_read_until(socket, asio::dynamic_buffer(line, kMaxAnswer), '\n',
                                  asio::redirect_error(asio::use_awaitable, error));
  limit.cancel();
  co_return !error && line == "commit\n";
}

void release(const std::vector<DatabaseRuntime*>& held) {
  for (DatabaseRuntime* database : held) database->release_hold();
}

}  // namespace

asio::awaitable<void> hand_over_databases(asio::local::stream_protocol::socket& socket,
                                          const std::vector<DatabaseRuntime*>& all,
                                          const std::vector<std::string>& names) {
  std::vector<DatabaseRuntime*> held;
  std::string description;
  std::vector<int> descriptors;
  for (DatabaseRuntime* database : all) {
    if (std::find(names.begin(), names.end(), database->name()) == names.end()) continue;
    auto handover = co_await database->hold(kHoldLimit);
    if (!handover) {
      release(held);
      co_await write_text(socket, fmt::format("Database '{}' cannot be handed over now (stopping, "
                                              "or busy for {} s).\n",
                                              database->name(), kHoldLimit.count() / 1000));
      co_return;
    }
    held.push_back(database);
    description += reload::describe_database(*handover) + "\n";
    descriptors.insert(descriptors.end(), handover->engine.descriptors.begin(),
                       handover->engine.descriptors.end());
  }
  std::string error;
  // (One co_await per statement: g++ 12 mishandles them inside && and ||.)
  bool taken = co_await write_text(socket, description + "\n");
  if (taken)
    taken = reload::send_descriptors(socket.native_handle(), descriptors, kSendLimit, error);
  if (taken) taken = co_await committed(socket);
  if (!taken) {
    release(held);
    if (!held.empty())
      logging::notice(Severity::warning,
                      fmt::format("runtime API: the new process did not take the databases over{}; "
                                  "this process supervises them again",
                                  error.empty() ? "" : " (" + error + ")"));
    co_return;
  }
  for (DatabaseRuntime* database : held) database->detach();
  co_await write_text(socket, "ok\n");
}

}  // namespace borealis::admin
