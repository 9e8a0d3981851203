// The TLS side borealis takes toward a server (`server ... ssl`, mode
// mysql): an OpenSSL client context built once at load per server, shared
// read-only by every worker. TLS 1.2 and later; with `verify required`
// (the default) the server's certificate must chain to `ca-file`, and
// name `verifyhost` when given (also sent as SNI).
#pragma once

#include <asio/ip/tcp.hpp>
#include <asio/ssl/context.hpp>
#include <asio/ssl/stream.hpp>
#include <memory>
#include <string>

#include "config/model.hpp"
#include "core/status.hpp"

namespace borealis::tls {

class ClientContext {
 public:
  // On failure, `status` names the file and why.
  static std::unique_ptr<ClientContext> load(const config::Server& server, core::Status& status);

  asio::ssl::context& context() { return context_; }
  // Sets what a new stream checks of the server (its name) and sends (SNI).
  void prepare(asio::ssl::stream<asio::ip::tcp::socket&>& stream) const;

 private:
  ClientContext();
  asio::ssl::context context_;
  std::string verifyhost_;
};

}  // namespace borealis::tls
