// Asynchronous DNS over c-ares, driven by an asio io_context: c-ares tells us
// which sockets it waits on, asio waits on them, and c-ares processes them.
// Each lookup asks for A and AAAA at once, so preferring one family never
// costs a second round trip.
#pragma once

#include <ares.h>

#include <asio/io_context.hpp>
#include <asio/posix/stream_descriptor.hpp>
#include <asio/steady_timer.hpp>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <string>

#include "config/model.hpp"
#include "dns/dns_answer.hpp"

namespace borealis::dns {

class DnsClient {
 public:
  using Callback = std::function<void(DnsAnswer)>;

  // Throws std::runtime_error when c-ares cannot be set up.
  DnsClient(asio::io_context& context, const config::Resolvers& resolvers);
  ~DnsClient();
  DnsClient(const DnsClient&) = delete;
  DnsClient& operator=(const DnsClient&) = delete;

  void resolve(const std::string& name, config::AddressFamily prefer, Callback done);
  // "resolvers-name/nameserver-name" for log lines.
  const std::string& description() const { return description_; }

 private:
  struct Watch;
  struct Lookup;
  struct Query;
  struct TryContext {
    DnsClient* client;
    std::unique_ptr<Query> query;
  };
  void send_try(std::unique_ptr<Query> query);
  static void on_try_answer(void* arg, int status, int timeouts, unsigned char* buffer, int length);
  void retry_later(std::unique_ptr<Query> query);
  void send_due_retries();
  static void on_socket_state(void* self, ares_socket_t fd, int readable, int writable);
  void update_watch(ares_socket_t fd, bool readable, bool writable);
  void arm_read(const std::shared_ptr<Watch>& watch);
  void arm_write(const std::shared_ptr<Watch>& watch);
  void arm_timer();

  asio::io_context& context_;
  ares_channel channel_ = nullptr;
  asio::steady_timer timer_;
  std::map<ares_socket_t, std::shared_ptr<Watch>> watches_;
  std::chrono::milliseconds timeout_retry_;
  int resolve_retries_;
  // Tries to send again, by the time they are due (see retry_later).
  std::multimap<std::chrono::steady_clock::time_point, std::unique_ptr<Query>> retries_;
  std::string description_;
};

}  // namespace borealis::dns
