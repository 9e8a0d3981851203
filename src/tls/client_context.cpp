#include "tls/client_context.hpp"

#include <fmt/format.h>
#include <openssl/err.h>
#include <openssl/ssl.h>

namespace borealis::tls {

ClientContext::ClientContext() : context_(asio::ssl::context::tls_client) {}

std::unique_ptr<ClientContext> ClientContext::load(const config::Server& server,
                                                   core::Status& status) {
  std::unique_ptr<ClientContext> result(new ClientContext());
  SSL_CTX* ctx = result->context_.native_handle();
  SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
  SSL_CTX_set_options(ctx, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION);
  if (server.verify) {
    ERR_clear_error();
    if (SSL_CTX_load_verify_locations(ctx, server.ca_file.c_str(), nullptr) != 1) {
      unsigned long code = ERR_get_error();
      const char* reason = code ? ERR_reason_error_string(code) : nullptr;
      ERR_clear_error();
      status = core::fail(fmt::format("ca-file '{}': no CA certificate could be read: {}",
                                      server.ca_file, reason ? reason : "unknown OpenSSL error"));
      return nullptr;
    }
    SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, nullptr);
  } else {
    SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, nullptr);
  }
  result->verifyhost_ = server.verifyhost;
  status = core::Status();
  return result;
}

void ClientContext::prepare(asio::ssl::stream<asio::ip::tcp::socket&>& stream) const {
  if (verifyhost_.empty()) return;
  SSL* ssl = stream.native_handle();
  SSL_set_tlsext_host_name(ssl, verifyhost_.c_str());
  SSL_set1_host(ssl, verifyhost_.c_str());
}

}  // namespace borealis::tls
