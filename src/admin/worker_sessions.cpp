#include "admin/worker_sessions.hpp"

#include <fmt/format.h>

#include <asio/co_spawn.hpp>
#include <asio/use_awaitable.hpp>

namespace borealis::admin {
namespace {

// Run on a worker (plain coroutines: their arguments live in their frames).
asio::awaitable<std::vector<frontend::SessionSummary>> list_sessions(
    frontend::SessionRegistry* registry) {
  co_return registry->list(core::SteadyClock::now());
}

asio::awaitable<int> shut_down_sessions(frontend::SessionRegistry* registry,
                                        const backend::Backend* backend, int server_id) {
  co_return registry->shut_down_server_sessions(backend, server_id);
}

asio::awaitable<bool> shut_down_one(frontend::SessionRegistry* registry, std::uint64_t id) {
  co_return registry->shut_down_session(id);
}

std::string_view protocol(const asio::ip::tcp::endpoint& endpoint) {
  return endpoint.address().is_v6() ? "tcpv6" : "tcpv4";
}

std::string_view or_none(const std::string& name, std::string_view none) {
  return name.empty() ? none : std::string_view(name);
}

}  // namespace

std::string describe_session(const frontend::SessionSummary& session) {
  const std::string client =
      session.client.address().is_v6()
          ? fmt::format("[{}]:{}", session.client.address().to_string(), session.client.port())
          : fmt::format("{}:{}", session.client.address().to_string(), session.client.port());
  return fmt::format("0x{:x}: proto={} src={} fe={} be={} srv={} age={}s worker={}\n", session.id,
                     protocol(session.client), client, session.frontend,
                     or_none(session.backend, "<NONE>"), or_none(session.server, "<none>"),
                     session.age_ms / 1000, session.worker);
}

asio::awaitable<std::string> answer_on_workers(std::vector<WorkerSessions> workers,
                                               SessionRequest request) {
  std::string text;
  bool found = false;
  for (const WorkerSessions& worker : workers) {
    auto executor = worker.context->get_executor();
    if (request.kind == SessionRequest::Kind::list) {
      const auto sessions =
          co_await asio::co_spawn(executor, list_sessions(worker.registry), asio::use_awaitable);
      for (const auto& session : sessions) {
        if (request.session && session.id != *request.session) continue;
        text += describe_session(session);
        found = true;
      }
    } else if (request.kind == SessionRequest::Kind::shut_down_one) {
      const bool closed = co_await asio::co_spawn(
          executor, shut_down_one(worker.registry, *request.session), asio::use_awaitable);
      found = found || closed;
    } else {
      co_await asio::co_spawn(
          executor, shut_down_sessions(worker.registry, request.backend, request.server_id),
          asio::use_awaitable);
    }
  }
  // As HAProxy's: a named session that is not (or no longer) there.
  if (request.session && !found) text = "No such session (use 'show sess').\n";
  co_return text;
}

}  // namespace borealis::admin
