#include "dns/dns_client.hpp"

#include <arpa/inet.h>
#include <arpa/nameser.h>
#include <fmt/format.h>
#include <netinet/in.h>

#include <algorithm>
#include <cstring>
#include <optional>
#include <stdexcept>

namespace borealis::dns {

namespace {

constexpr int kMaxAddresses = 32;

AnswerStatus status_from_ares(int status) {
  switch (status) {
    case ARES_SUCCESS:
      return AnswerStatus::valid;
    case ARES_ENOTFOUND:
    case ARES_ENODATA:
      return AnswerStatus::nx;
    case ARES_ETIMEOUT:
    case ARES_ECONNREFUSED:  // nothing listens on the nameserver's port: no answer
      return AnswerStatus::timeout;
    case ARES_EREFUSED:
      return AnswerStatus::refused;
    default:
      return AnswerStatus::other;
  }
}

DnsAnswer parse_answer(bool ipv6, unsigned char* buffer, int length) {
  DnsAnswer answer;
  int count = kMaxAddresses;
  int status;
  if (ipv6) {
    ares_addr6ttl records[kMaxAddresses];
    status = ares_parse_aaaa_reply(buffer, length, nullptr, records, &count);
    for (int i = 0; status == ARES_SUCCESS && i < count; ++i) {
      asio::ip::address_v6::bytes_type bytes;
      std::memcpy(bytes.data(), &records[i].ip6addr, bytes.size());
      answer.addresses.emplace_back(asio::ip::address_v6(bytes));
    }
  } else {
    ares_addrttl records[kMaxAddresses];
    status = ares_parse_a_reply(buffer, length, nullptr, records, &count);
    for (int i = 0; status == ARES_SUCCESS && i < count; ++i)
      answer.addresses.emplace_back(asio::ip::address_v4(ntohl(records[i].ipaddr.s_addr)));
  }
  answer.status = answer.addresses.empty()
                      ? status_from_ares(status == ARES_SUCCESS ? ARES_ENODATA : status)
                      : AnswerStatus::valid;
  return answer;
}

// Both families answered: merge them, preferred family first. With no address
// at all, the more telling failure wins (a timeout says more than NODATA).
DnsAnswer merge(const DnsAnswer& ipv4, const DnsAnswer& ipv6, config::AddressFamily prefer) {
  bool v6_first = prefer == config::AddressFamily::ipv6;
  const DnsAnswer& first = v6_first ? ipv6 : ipv4;
  const DnsAnswer& second = v6_first ? ipv4 : ipv6;
  DnsAnswer merged;
  merged.addresses = first.addresses;
  merged.addresses.insert(merged.addresses.end(), second.addresses.begin(), second.addresses.end());
  if (!merged.addresses.empty()) {
    merged.status = AnswerStatus::valid;
    return merged;
  }
  merged.status = ipv4.status != AnswerStatus::nx ? ipv4.status : ipv6.status;
  return merged;
}

std::string nameserver_csv(const config::Resolvers& resolvers, ares_channel channel) {
  std::string csv;
  auto add = [&csv](const std::string& entry) {
    if (!csv.empty()) csv += ',';
    csv += entry;
  };
  if (resolvers.parse_resolv_conf) {
    ares_addr_port_node* servers = nullptr;
    if (ares_get_servers_ports(channel, &servers) == ARES_SUCCESS) {
      for (auto* node = servers; node; node = node->next) {
        char text[INET6_ADDRSTRLEN] = {};
        inet_ntop(node->family, &node->addr, text, sizeof(text));
        int port = node->udp_port ? node->udp_port : 53;
        add(node->family == AF_INET6 ? fmt::format("[{}]:{}", text, port)
                                     : fmt::format("{}:{}", text, port));
      }
      ares_free_data(servers);
    }
  }
  for (const auto& ns : resolvers.nameservers) {
    bool v6 = ns.host.find(':') != std::string::npos;
    add(v6 ? fmt::format("[{}]:{}", ns.host, ns.port) : fmt::format("{}:{}", ns.host, ns.port));
  }
  return csv;
}

}  // namespace

// One resolve(): its A and AAAA queries answer into it.
struct DnsClient::Lookup {
  Callback done;
  config::AddressFamily prefer;
  int pending = 2;
  DnsAnswer ipv4, ipv6;
};

// One record type (A or AAAA) of one lookup, across its tries.
struct DnsClient::Query {
  std::shared_ptr<Lookup> lookup;
  bool ipv6 = false;
  std::string name;
  int tries_left = 1;
  std::chrono::steady_clock::time_point sent_at;
};

struct DnsClient::Watch {
  Watch(asio::io_context& context, ares_socket_t socket_fd)
      : descriptor(context, socket_fd), fd(socket_fd) {}
  asio::posix::stream_descriptor descriptor;
  ares_socket_t fd;
  bool want_read = false, want_write = false;
  bool reading = false, writing = false, closed = false;
};

DnsClient::DnsClient(asio::io_context& context, const config::Resolvers& resolvers)
    : context_(context),
      timer_(context),
      timeout_retry_(resolvers.timeout_retry),
      resolve_retries_(std::max(1, resolvers.resolve_retries)) {
  static const int library_ready = ares_library_init(ARES_LIB_INIT_ALL);
  if (library_ready != ARES_SUCCESS) throw std::runtime_error("c-ares library init failed");

  ares_options options{};
  int mask = ARES_OPT_SOCK_STATE_CB | ARES_OPT_TIMEOUTMS | ARES_OPT_TRIES | ARES_OPT_FLAGS;
  options.sock_state_cb = &DnsClient::on_socket_state;
  options.sock_state_cb_data = this;
  // One try per c-ares query: c-ares 1.18 doubles the timeout of each
  // further try, where `timeout retry` means the same spacing for every try.
  // borealis sends the tries itself (send_try, on_try_failed).
  options.timeout = static_cast<int>(resolvers.timeout_retry.count());
  options.tries = 1;
  // Report REFUSED/SERVFAIL as such instead of silently trying elsewhere.
  options.flags = ARES_FLAG_NOCHECKRESP | ARES_FLAG_NOSEARCH;
  if (resolvers.accepted_payload_size > 512) {
    options.flags |= ARES_FLAG_EDNS;
    options.ednspsz = resolvers.accepted_payload_size;
    mask |= ARES_OPT_EDNSPSZ;
  }
  int status = ares_init_options(&channel_, &options, mask);
  if (status != ARES_SUCCESS)
    throw std::runtime_error(
        fmt::format("resolvers {}: {}", resolvers.name, ares_strerror(status)));
  std::string csv = nameserver_csv(resolvers, channel_);
  status = ares_set_servers_ports_csv(channel_, csv.c_str());
  if (status != ARES_SUCCESS)
    throw std::runtime_error(fmt::format("resolvers {}: bad nameserver list '{}': {}",
                                         resolvers.name, csv, ares_strerror(status)));
  description_ = resolvers.nameservers.empty()
                     ? resolvers.name
                     : fmt::format("{}/{}", resolvers.name, resolvers.nameservers.front().name);
}

DnsClient::~DnsClient() {
  timer_.cancel();
  if (channel_) ares_destroy(channel_);
}

void DnsClient::resolve(const std::string& name, config::AddressFamily prefer, Callback done) {
  auto lookup = std::make_shared<Lookup>();
  lookup->done = std::move(done);
  lookup->prefer = prefer;
  for (bool ipv6 : {false, true})
    send_try(std::make_unique<Query>(Query{lookup, ipv6, name, resolve_retries_, {}}));
  arm_timer();
}

void DnsClient::send_try(std::unique_ptr<Query> query) {
  query->sent_at = std::chrono::steady_clock::now();
  --query->tries_left;
  const std::string& name = query->name;
  int type = query->ipv6 ? ns_t_aaaa : ns_t_a;
  ares_query(channel_, name.c_str(), ns_c_in, type, &DnsClient::on_try_answer,
             new TryContext{this, std::move(query)});
}

void DnsClient::on_try_answer(void* arg, int status, int /*timeouts*/, unsigned char* buffer,
                              int length) {
  std::unique_ptr<TryContext> context(static_cast<TryContext*>(arg));
  if (status == ARES_EDESTRUCTION || status == ARES_ECANCELLED) return;
  std::unique_ptr<Query> query = std::move(context->query);
  bool no_answer = status == ARES_ETIMEOUT || status == ARES_ECONNREFUSED;
  if (no_answer && query->tries_left > 0) {
    context->client->retry_later(std::move(query));
    return;
  }
  DnsAnswer answer = status == ARES_SUCCESS ? parse_answer(query->ipv6, buffer, length)
                                            : DnsAnswer{status_from_ares(status), {}};
  Lookup& lookup = *query->lookup;
  (query->ipv6 ? lookup.ipv6 : lookup.ipv4) = std::move(answer);
  if (--lookup.pending == 0) lookup.done(merge(lookup.ipv4, lookup.ipv6, lookup.prefer));
}

// The next try goes out `timeout retry` after the previous one was sent: at
// once after a timeout, later after a refusal that came back early.
void DnsClient::retry_later(std::unique_ptr<Query> query) {
  auto due = query->sent_at + timeout_retry_;
  retries_.emplace(due, std::move(query));
}

void DnsClient::send_due_retries() {
  auto now = std::chrono::steady_clock::now();
  while (!retries_.empty() && retries_.begin()->first <= now) {
    std::unique_ptr<Query> query = std::move(retries_.begin()->second);
    retries_.erase(retries_.begin());
    send_try(std::move(query));
  }
}

void DnsClient::on_socket_state(void* self, ares_socket_t fd, int readable, int writable) {
  static_cast<DnsClient*>(self)->update_watch(fd, readable != 0, writable != 0);
}

void DnsClient::update_watch(ares_socket_t fd, bool readable, bool writable) {
  auto found = watches_.find(fd);
  if (!readable && !writable) {
    if (found == watches_.end()) return;
    // c-ares closes the socket itself: give the descriptor back untouched.
    found->second->closed = true;
    found->second->descriptor.release();
    watches_.erase(found);
    return;
  }
  if (found == watches_.end())
    found = watches_.emplace(fd, std::make_shared<Watch>(context_, fd)).first;
  auto watch = found->second;
  watch->want_read = readable;
  watch->want_write = writable;
  arm_read(watch);
  arm_write(watch);
}

void DnsClient::arm_read(const std::shared_ptr<Watch>& watch) {
  if (!watch->want_read || watch->reading || watch->closed) return;
  watch->reading = true;
  watch->descriptor.async_wait(asio::posix::stream_descriptor::wait_read,
                               [this, watch](const asio::error_code& error) {
                                 watch->reading = false;
                                 if (error || watch->closed) return;
                                 ares_process_fd(channel_, watch->fd, ARES_SOCKET_BAD);
                                 arm_read(watch);
                                 arm_timer();
                               });
}

void DnsClient::arm_write(const std::shared_ptr<Watch>& watch) {
  if (!watch->want_write || watch->writing || watch->closed) return;
  watch->writing = true;
  watch->descriptor.async_wait(asio::posix::stream_descriptor::wait_write,
                               [this, watch](const asio::error_code& error) {
                                 watch->writing = false;
                                 if (error || watch->closed) return;
                                 ares_process_fd(channel_, ARES_SOCKET_BAD, watch->fd);
                                 arm_write(watch);
                                 arm_timer();
                               });
}

// One timer serves c-ares's timeouts and the tries waiting to be sent.
void DnsClient::arm_timer() {
  send_due_retries();
  auto now = std::chrono::steady_clock::now();
  std::optional<std::chrono::steady_clock::time_point> wake;
  timeval limit{};
  if (ares_timeout(channel_, nullptr, &limit))
    wake = now + std::chrono::seconds(limit.tv_sec) + std::chrono::microseconds(limit.tv_usec);
  if (!retries_.empty() && (!wake || retries_.begin()->first < *wake))
    wake = retries_.begin()->first;
  if (!wake) return;
  timer_.expires_at(*wake);
  timer_.async_wait([this](const asio::error_code& error) {
    if (error) return;
    ares_process_fd(channel_, ARES_SOCKET_BAD, ARES_SOCKET_BAD);
    arm_timer();
  });
}

}  // namespace borealis::dns
