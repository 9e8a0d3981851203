// The TLS side borealis offers MySQL clients (`bind ... ssl crt FILE`):
// an OpenSSL server context built once at load, shared read-only by every
// worker. TLS 1.2 and later only, forward-secret AEAD ciphers (Mozilla's
// "intermediate" profile), no compression, no renegotiation.
#pragma once

#include <asio/ssl/context.hpp>
#include <memory>
#include <string>

#include "core/status.hpp"

namespace borealis::tls {

class ServerContext {
 public:
  // `crt` is HAProxy's: one PEM file holding the certificate, its chain and
  // the private key. On failure, `status` says which file and why.
  static std::unique_ptr<ServerContext> load(const std::string& crt, core::Status& status);

  asio::ssl::context& context() { return context_; }

 private:
  ServerContext();
  asio::ssl::context context_;
};

}  // namespace borealis::tls
