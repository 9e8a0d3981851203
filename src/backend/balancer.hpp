// Chooses a server for a new connection from a backend's current view.
#pragma once

#include <asio/ip/address.hpp>

#include "backend/backend_view.hpp"

namespace borealis::backend {

struct PickRequest {
  asio::ip::address client;  // for `balance source`
  int exclude_id = -1;       // a server that just failed (redispatch)
};

// Returns the chosen server or nullptr when none is usable. Active servers are
// preferred; backup servers are used only when no active server is usable
// (the first usable backup, as HAProxy does without `allbackups`).
const ServerView* pick_server(Backend& backend, const BackendView& view,
                              const PickRequest& request);

}  // namespace borealis::backend
