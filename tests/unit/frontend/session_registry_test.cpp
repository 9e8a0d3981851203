// A worker's list of its sessions: entries live exactly as long as their
// session, are listed oldest first, and `shutdown sessions server` reaches
// the sessions on that server only.
#include "frontend/session_registry.hpp"

#include <gtest/gtest.h>

#include <optional>

#include "backend/backend_view.hpp"

namespace borealis::frontend {
namespace {

asio::ip::tcp::endpoint client(int port) {
  return {asio::ip::make_address("10.0.0.1"), static_cast<unsigned short>(port)};
}

config::Proxy backend_config(const char* name) {
  config::Proxy proxy;
  proxy.name = name;
  for (const char* server : {"s1", "s2"}) {
    proxy.servers.emplace_back();
    proxy.servers.back().name = server;
  }
  return proxy;
}

TEST(SessionRegistry, EntriesLiveAsLongAsTheirSession) {
  SessionRegistry registry(1);
  {
    SessionRegistry::Entry first(registry, "fe", client(5000), [] {});
    std::optional<SessionRegistry::Entry> second;
    second.emplace(registry, "fe", client(5001), [] {});
    EXPECT_EQ(registry.size(), 2u);
    const auto sessions = registry.list(core::SteadyClock::now());
    ASSERT_EQ(sessions.size(), 2u);
    EXPECT_EQ(sessions[0].client.port(), 5000);  // oldest first
    EXPECT_EQ(sessions[1].client.port(), 5001);
    EXPECT_NE(sessions[0].id, sessions[1].id);
    EXPECT_EQ(sessions[0].worker, 1);
    EXPECT_EQ(sessions[0].id & 0xff, 1u);  // the worker is in the id: unique across workers
    second.reset();
    EXPECT_EQ(registry.size(), 1u);
  }
  EXPECT_EQ(registry.size(), 0u);
}

TEST(SessionRegistry, ShutdownReachesTheSessionsOnThatServerOnly) {
  backend::Backend be(backend_config("be"), logging::Logger());
  backend::Backend other(backend_config("other"), logging::Logger());
  SessionRegistry registry(0);
  int shut_a = 0, shut_b = 0, shut_c = 0, shut_d = 0;
  SessionRegistry::Entry a(registry, "fe", client(1), [&] { ++shut_a; });
  SessionRegistry::Entry b(registry, "fe", client(2), [&] { ++shut_b; });
  SessionRegistry::Entry c(registry, "fe", client(3), [&] { ++shut_c; });
  SessionRegistry::Entry d(registry, "fe", client(4), [&] { ++shut_d; });
  a.set_server(&be, 0);
  b.set_server(&be, 1);
  c.set_server(&other, 0);
  d.set_server(&be, 0);
  d.clear_server();  // no longer relaying: not on s1 now
  EXPECT_EQ(registry.shut_down_server_sessions(&be, 0), 1);
  EXPECT_EQ(shut_a, 1);
  EXPECT_EQ(shut_b + shut_c + shut_d, 0);
  const auto sessions = registry.list(core::SteadyClock::now());
  EXPECT_EQ(sessions[0].backend, "be");
  EXPECT_EQ(sessions[0].server, "s1");
  EXPECT_EQ(sessions[3].server, "");
}

}  // namespace
}  // namespace borealis::frontend
