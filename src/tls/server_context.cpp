#include "tls/server_context.hpp"

#include <fmt/format.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

namespace borealis::tls {
namespace {

constexpr const char* kTls12Ciphers =
    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"
    "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"
    "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305";

// OpenSSL's reason for the last failure, and the queue emptied.
std::string last_openssl_error() {
  unsigned long code = ERR_get_error();
  std::string reason =
      code ? ERR_reason_error_string(code) ? ERR_reason_error_string(code) : "unknown OpenSSL error"
           : "unknown OpenSSL error";
  ERR_clear_error();
  return reason;
}

}  // namespace

ServerContext::ServerContext() : context_(asio::ssl::context::tls_server) {}

std::unique_ptr<ServerContext> ServerContext::load(const std::string& crt, core::Status& status) {
  std::unique_ptr<ServerContext> result(new ServerContext());
  SSL_CTX* ctx = result->context_.native_handle();
  SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
  SSL_CTX_set_options(
      ctx, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION | SSL_OP_CIPHER_SERVER_PREFERENCE);
  if (SSL_CTX_set_cipher_list(ctx, kTls12Ciphers) != 1) {
    status = core::fail(fmt::format("TLS ciphers refused by OpenSSL: {}", last_openssl_error()));
    return nullptr;
  }
  ERR_clear_error();
  if (SSL_CTX_use_certificate_chain_file(ctx, crt.c_str()) != 1) {
    status = core::fail(
        fmt::format("crt '{}': no certificate could be read: {}", crt, last_openssl_error()));
    return nullptr;
  }
  if (SSL_CTX_use_PrivateKey_file(ctx, crt.c_str(), SSL_FILETYPE_PEM) != 1) {
    // OpenSSL compares the key with the certificate while loading it.
    const bool mismatch = ERR_GET_REASON(ERR_peek_last_error()) == X509_R_KEY_VALUES_MISMATCH;
    const std::string reason = last_openssl_error();
    status = core::fail(
        mismatch ? fmt::format("crt '{}': the private key does not match the "
                               "certificate",
                               crt)
                 : fmt::format("crt '{}': no private key could be read: {}", crt, reason));
    return nullptr;
  }
  if (SSL_CTX_check_private_key(ctx) != 1) {
    status =
        core::fail(fmt::format("crt '{}': the private key does not match the certificate", crt));
    ERR_clear_error();
    return nullptr;
  }
  status = core::Status();
  return result;
}

}  // namespace borealis::tls
