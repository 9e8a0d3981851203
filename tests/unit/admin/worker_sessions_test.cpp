// The runtime API asks each worker about its sessions through the worker's
// own loop (here a thread of its own) and gathers the answers on the
// control loop.
#include "admin/worker_sessions.hpp"

#include <gtest/gtest.h>

#include <asio/co_spawn.hpp>
#include <asio/executor_work_guard.hpp>
#include <optional>
#include <thread>

#include "backend/backend_view.hpp"

namespace borealis::admin {
namespace {

TEST(WorkerSessions, ShowSessListsEveryWorkersSessionsFromItsOwnThread) {
  asio::io_context control;
  asio::io_context worker_loop;
  auto guard = asio::make_work_guard(worker_loop);
  std::thread worker_thread([&] { worker_loop.run(); });
  frontend::SessionRegistry registry(3);
  config::Proxy proxy;
  proxy.name = "be";
  proxy.servers.emplace_back();
  proxy.servers.back().name = "app";
  backend::Backend backend(proxy, logging::Logger());
  std::optional<frontend::SessionRegistry::Entry> entry;
  int shut = 0;
  std::thread::id shut_on;
  // Entries are made on the worker's thread, as sessions are.
  asio::post(worker_loop, [&] {
    entry.emplace(registry, "fe", asio::ip::tcp::endpoint(asio::ip::make_address("::1"), 4000),
                  [&] {
                    ++shut;
                    shut_on = std::this_thread::get_id();
                  });
    entry->set_server(&backend, 0);
  });
  std::vector<WorkerSessions> workers{{&worker_loop, &registry}};
  std::string listed, after_shutdown;
  asio::co_spawn(control, answer_on_workers(workers, SessionRequest{}),
                 [&](std::exception_ptr, std::string text) { listed = std::move(text); });
  control.run();
  control.restart();
  asio::co_spawn(control,
                 answer_on_workers(
                     workers, SessionRequest{SessionRequest::Kind::shut_down_server, &backend, 0}),
                 [&](std::exception_ptr, std::string text) { after_shutdown = std::move(text); });
  control.run();
  asio::post(worker_loop, [&] { entry.reset(); });
  guard.reset();
  const auto worker_id = worker_thread.get_id();
  worker_thread.join();
  EXPECT_EQ(listed, "0x103: proto=tcpv6 src=[::1]:4000 fe=fe be=be srv=app age=0s worker=3\n");
  EXPECT_EQ(after_shutdown, "");
  EXPECT_EQ(shut, 1);
  EXPECT_EQ(shut_on, worker_id);
}

}  // namespace
}  // namespace borealis::admin
