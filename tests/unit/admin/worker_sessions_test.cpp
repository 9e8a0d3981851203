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

// Runs one request on the control loop against one worker's loop.
std::string ask(asio::io_context& control, const std::vector<WorkerSessions>& workers,
                SessionRequest request) {
  std::string answer;
  control.restart();
  asio::co_spawn(control, answer_on_workers(workers, request),
                 [&](std::exception_ptr, std::string text) { answer = std::move(text); });
  control.run();
  return answer;
}

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
  const std::string listed = ask(control, workers, SessionRequest{});
  const std::string after_shutdown =
      ask(control, workers,
          SessionRequest{SessionRequest::Kind::shut_down_server, &backend, 0, std::nullopt});
  asio::post(worker_loop, [&] { entry.reset(); });
  guard.reset();
  const auto worker_id = worker_thread.get_id();
  worker_thread.join();
  EXPECT_EQ(listed, "0x103: proto=tcpv6 src=[::1]:4000 fe=fe be=be srv=app age=0s worker=3\n");
  EXPECT_EQ(after_shutdown, "");
  EXPECT_EQ(shut, 1);
  EXPECT_EQ(shut_on, worker_id);
}

TEST(WorkerSessions, OneSessionByItsIdIsListedOrClosedAndAnUnknownIdIsSaid) {
  asio::io_context control;
  asio::io_context worker_loop;
  auto guard = asio::make_work_guard(worker_loop);
  std::thread worker_thread([&] { worker_loop.run(); });
  frontend::SessionRegistry registry(2);
  std::optional<frontend::SessionRegistry::Entry> first, second;
  int first_shut = 0, second_shut = 0;
  const asio::ip::tcp::endpoint client(asio::ip::make_address("10.0.0.1"), 5000);
  asio::post(worker_loop, [&] {
    first.emplace(registry, "fe", client, [&] { ++first_shut; });
    second.emplace(registry, "fe", client, [&] { ++second_shut; });
  });
  std::vector<WorkerSessions> workers{{&worker_loop, &registry}};
  SessionRequest one;
  one.session = 0x202;
  const std::string listed = ask(control, workers, one);
  one.session = 0x999;
  const std::string unknown = ask(control, workers, one);
  SessionRequest shut;
  shut.kind = SessionRequest::Kind::shut_down_one;
  shut.session = 0x102;
  const std::string closed = ask(control, workers, shut);
  shut.session = 0x302;
  const std::string not_there = ask(control, workers, shut);
  asio::post(worker_loop, [&] {
    first.reset();
    second.reset();
  });
  guard.reset();
  worker_thread.join();
  EXPECT_EQ(listed,
            "0x202: proto=tcpv4 src=10.0.0.1:5000 fe=fe be=<NONE> srv=<none> age=0s worker=2\n");
  EXPECT_EQ(unknown, "No such session (use 'show sess').\n");
  EXPECT_EQ(closed, "");
  EXPECT_EQ(first_shut, 1);
  EXPECT_EQ(second_shut, 0);
  EXPECT_EQ(not_there, "No such session (use 'show sess').\n");
}

}  // namespace
}  // namespace borealis::admin
