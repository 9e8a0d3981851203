#include "backend/server_resolver.hpp"

#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/redirect_error.hpp>
#include <asio/steady_timer.hpp>
#include <asio/use_awaitable.hpp>

#include "dns/address_assignment.hpp"
#include "dns/hold_policy.hpp"

namespace borealis::backend {

namespace {

asio::awaitable<dns::DnsAnswer> resolve(dns::DnsClient& client, const std::string& name,
                                        config::AddressFamily prefer) {
  // Bridge the callback API into the coroutine: a timer that the answer
  // cancels is the simplest awaitable event asio offers.
  asio::steady_timer ready(co_await asio::this_coro::executor,
                           std::chrono::steady_clock::time_point::max());
  auto answer = std::make_shared<std::optional<dns::DnsAnswer>>();
  client.resolve(name, prefer, [&ready, answer](dns::DnsAnswer result) {
    *answer = std::move(result);
    ready.cancel();
  });
  asio::error_code ignored;
  co_await ready.async_wait(asio::redirect_error(asio::use_awaitable, ignored));
  co_return answer->value_or(dns::DnsAnswer{});
}

// The maintenance reason in HAProxy's words (srv_adm_st_chg_cause_str):
// "DNS NX status", "DNS timeout status", "DNS refused status", and
// "unspecified DNS error" for any other failure.
std::string maintenance_reason(dns::AnswerStatus status) {
  if (status == dns::AnswerStatus::other) return "unspecified DNS error";
  return "DNS " + dns::status_name(status) + " status";
}

}  // namespace

ServerResolver::ServerResolver(asio::io_context& context, const config::Config& config)
    : context_(context), config_(config) {}

dns::DnsClient& ServerResolver::client_for(const config::Resolvers& resolvers) {
  auto& client = clients_[resolvers.name];
  if (!client) client = std::make_unique<dns::DnsClient>(context_, resolvers);
  return *client;
}

void ServerResolver::watch(BackendControl& control) {
  std::map<std::string, std::shared_ptr<NameGroup>> groups;
  for (std::size_t id = 0; id < control.servers().size(); ++id) {
    const config::Server& server = control.servers()[id].config;
    if (server.resolvers.empty()) continue;
    const config::Resolvers* resolvers = config_.find_resolvers(server.resolvers);
    if (!resolvers) continue;  // rejected by validation already
    // Templates share one group; plain servers each get their own.
    std::string key = server.template_index > 0 ? server.template_prefix + "\n" + server.host
                                                : "\n" + server.name;
    auto& group = groups[key];
    if (!group) {
      group = std::make_shared<NameGroup>();
      group->control = &control;
      group->host = server.host;
      group->port = server.port;
      group->prefer = server.resolve_prefer;
      group->resolvers = resolvers;
      group->client = &client_for(*resolvers);
      if (control.servers()[id].address) group->last_valid = core::SteadyClock::now();
    }
    group->server_ids.push_back(static_cast<int>(id));
  }
  for (auto& [key, group] : groups) asio::co_spawn(context_, poll(group), asio::detached);
}

asio::awaitable<void> ServerResolver::poll(std::shared_ptr<NameGroup> group) {
  asio::steady_timer pause(context_);
  for (;;) {
    dns::DnsAnswer answer = co_await resolve(*group->client, group->host, group->prefer);
    apply(*group, answer);
    pause.expires_after(group->resolvers->timeout_resolve);
    asio::error_code ignored;
    co_await pause.async_wait(asio::redirect_error(asio::use_awaitable, ignored));
  }
}

void ServerResolver::apply(NameGroup& group, const dns::DnsAnswer& answer) {
  BackendControl& control = *group.control;
  auto now = core::SteadyClock::now();
  if (answer.status != dns::AnswerStatus::valid) {
    if (dns::keep_last_address(*group.resolvers, answer.status, group.last_valid, now)) return;
    for (int id : group.server_ids)
      control.enter_dns_maintenance(id, maintenance_reason(answer.status));
    return;
  }
  group.last_valid = now;
  dns::Assignment current;
  for (int id : group.server_ids) {
    const auto& address = control.server(id).address;
    current.push_back(address ? std::optional(address->address()) : std::nullopt);
  }
  dns::Assignment next = dns::assign_addresses(current, answer.addresses);
  for (std::size_t i = 0; i < group.server_ids.size(); ++i) {
    std::optional<asio::ip::tcp::endpoint> endpoint;
    if (next[i]) endpoint = asio::ip::tcp::endpoint(*next[i], group.port);
    control.apply_address(group.server_ids[i], endpoint, group.client->description());
  }
}

}  // namespace borealis::backend
