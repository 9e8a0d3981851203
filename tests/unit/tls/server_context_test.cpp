// The TLS server context: loads HAProxy-style `crt` files, says clearly what
// is wrong with a bad one, and completes real handshakes only with TLS 1.2+.
#include "tls/server_context.hpp"

#include <gtest/gtest.h>
#include <openssl/ssl.h>

#include <asio/connect.hpp>
#include <asio/io_context.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/ssl/stream.hpp>
#include <cstdlib>
#include <fstream>
#include <thread>

namespace borealis::tls {
namespace {

using asio::ip::tcp;

std::string temp_path(const std::string& name) { return ::testing::TempDir() + "/" + name; }

// A self-signed certificate and its key, concatenated as HAProxy's crt.
std::string make_crt(const std::string& name, const std::string& key_type = "ec") {
  const std::string key = temp_path(name + ".key"), cert = temp_path(name + ".crt"),
                    pem = temp_path(name + ".pem");
  const std::string newkey =
      key_type == "ec" ? "-newkey ec -pkeyopt ec_paramgen_curve:prime256v1" : "-newkey rsa:2048";
  const std::string command = "openssl req -x509 " + newkey + " -nodes -days 2 -subj /CN=borealis" +
                              " -keyout " + key + " -out " + cert + " 2>/dev/null && cat " + cert +
                              " " + key + " > " + pem;
  EXPECT_EQ(std::system(command.c_str()), 0) << command;
  return pem;
}

TEST(TlsServerContext, LoadsACertificateWithItsKey) {
  core::Status status = core::fail("not run");
  auto context = ServerContext::load(make_crt("good"), status);
  ASSERT_TRUE(status) << status.error();
  ASSERT_NE(context, nullptr);
  EXPECT_EQ(SSL_CTX_get_min_proto_version(context->context().native_handle()), TLS1_2_VERSION);
}

TEST(TlsServerContext, SaysWhatIsWrong) {
  core::Status status;
  EXPECT_EQ(ServerContext::load(temp_path("missing.pem"), status), nullptr);
  EXPECT_NE(status.error().find("no certificate could be read"), std::string::npos)
      << status.error();
  // A certificate without its key.
  const std::string only_cert = temp_path("only-cert.pem");
  make_crt("other");
  ASSERT_EQ(std::system(("cp " + temp_path("other.crt") + " " + only_cert).c_str()), 0);
  EXPECT_EQ(ServerContext::load(only_cert, status), nullptr);
  EXPECT_NE(status.error().find("no private key"), std::string::npos) << status.error();
  // A key that belongs to another certificate.
  make_crt("third");
  const std::string mismatched = temp_path("mismatched.pem");
  ASSERT_EQ(std::system(("cat " + temp_path("other.crt") + " " + temp_path("third.key") + " > " +
                         mismatched)
                            .c_str()),
            0);
  EXPECT_EQ(ServerContext::load(mismatched, status), nullptr);
  EXPECT_NE(status.error().find("does not match"), std::string::npos) << status.error();
  // Not PEM at all.
  const std::string garbage = temp_path("garbage.pem");
  std::ofstream(garbage) << "not a certificate\n";
  EXPECT_EQ(ServerContext::load(garbage, status), nullptr);
  EXPECT_FALSE(status);
}

// One handshake between the context and a client limited to [min, max].
std::string handshake(ServerContext& server, int client_min, int client_max) {
  asio::io_context io;
  tcp::acceptor acceptor(io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
  asio::ssl::context client_context(asio::ssl::context::tls_client);
  SSL_CTX_set_min_proto_version(client_context.native_handle(), client_min);
  SSL_CTX_set_max_proto_version(client_context.native_handle(), client_max);
  SSL_CTX_set_security_level(client_context.native_handle(), 0);
  client_context.set_verify_mode(asio::ssl::verify_none);
  asio::ssl::stream<tcp::socket> server_stream(io, server.context());
  asio::ssl::stream<tcp::socket> client_stream(io, client_context);
  asio::error_code server_error, client_error;
  acceptor.async_accept(server_stream.lowest_layer(), [&](const asio::error_code& error) {
    if (error) return;
    server_stream.async_handshake(asio::ssl::stream_base::server,
                                  [&](const asio::error_code& e) { server_error = e; });
  });
  client_stream.lowest_layer().async_connect(
      acceptor.local_endpoint(), [&](const asio::error_code& error) {
        if (error) return;
        client_stream.async_handshake(asio::ssl::stream_base::client,
                                      [&](const asio::error_code& e) { client_error = e; });
      });
  io.run_for(std::chrono::seconds(10));
  if (server_error || client_error) return "refused";
  return SSL_get_version(client_stream.native_handle());
}

TEST(TlsServerContext, HandshakesWithTls12AndTls13Only) {
  core::Status status;
  auto context = ServerContext::load(make_crt("handshake"), status);
  ASSERT_TRUE(status) << status.error();
  EXPECT_EQ(handshake(*context, TLS1_3_VERSION, TLS1_3_VERSION), "TLSv1.3");
  EXPECT_EQ(handshake(*context, TLS1_2_VERSION, TLS1_2_VERSION), "TLSv1.2");
  EXPECT_EQ(handshake(*context, TLS1_VERSION, TLS1_1_VERSION), "refused");
}

TEST(TlsServerContext, RsaCertificatesWork) {
  core::Status status;
  auto context = ServerContext::load(make_crt("rsa", "rsa"), status);
  ASSERT_TRUE(status) << status.error();
  EXPECT_EQ(handshake(*context, TLS1_2_VERSION, TLS1_2_VERSION), "TLSv1.2");
}

}  // namespace
}  // namespace borealis::tls
