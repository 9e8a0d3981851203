// The server side of the handshake (`mode mysql`): what borealis writes
// decodes with the client-side decoders, what clients write decodes here,
// and everything a client may send first is bounded.
#include <gtest/gtest.h>

#include <set>

#include "mysql/scramble.hpp"
#include "mysql/server_handshake.hpp"

namespace borealis::mysql {
namespace {

std::span<const std::uint8_t> bytes(const std::string& text) {
  return {reinterpret_cast<const std::uint8_t*>(text.data()), text.size()};
}

constexpr std::uint32_t kOffered =
    capability::kLongPassword | capability::kFoundRows | capability::kConnectWithDb |
    capability::kProtocol41 | capability::kSsl | capability::kTransactions |
    capability::kSecureConnection | capability::kMultiStatements | capability::kMultiResults |
    capability::kPluginAuth | capability::kConnectAttrs | capability::kPluginAuthLenencData;
// What MariaDB 10.11 offers: progress, bulk, extended and cached metadata.
constexpr std::uint32_t kMariadbOffered = 0x1d;

void append_le(std::string& out, std::uint64_t value, int count) {
  for (int i = 0; i < count; ++i) out.push_back(static_cast<char>(value >> (8 * i)));
}

// A HandshakeResponse41 as libmariadb writes it: lenenc auth data, database,
// plugin name, connection attributes.
std::string mariadb_client_response(std::uint32_t capabilities, const std::string& user,
                                    const std::string& auth, const std::string& database,
                                    const std::string& attributes) {
  std::string payload;
  append_le(payload, capabilities, 4);
  append_le(payload, 16 << 20, 4);
  payload.push_back(45);
  payload.append(19, '\0');
  append_le(payload, 0x0000001d, 4);  // MariaDB extended capabilities (bit 0 cleared above)
  payload += user + '\0';
  append_lenenc_string(payload, auth);
  payload += database + '\0';
  payload += std::string(kNativePasswordPlugin) + '\0';
  append_lenenc_string(payload, attributes);
  return payload;
}

TEST(ServerGreeting, DecodesAsTheClientSeesIt) {
  ServerGreeting greeting;
  greeting.server_version = "10.11.6-MariaDB-borealis";
  greeting.connection_id = 0x01020304;
  greeting.scramble = make_scramble();
  greeting.capabilities = kOffered;
  auto encoded = encode_server_greeting(greeting);
  auto decoded = decode_greeting(bytes(encoded));
  ASSERT_TRUE(decoded) << decoded.error().message;
  EXPECT_EQ(decoded->protocol_version, 10);
  EXPECT_EQ(decoded->server_version, greeting.server_version);
  EXPECT_EQ(decoded->connection_id, greeting.connection_id);
  EXPECT_EQ(decoded->capabilities, kOffered);
  EXPECT_EQ(decoded->status_flags, server_status::kAutocommit);
  EXPECT_EQ(decoded->scramble, std::string(greeting.scramble.begin(), greeting.scramble.end()));
  EXPECT_EQ(decoded->auth_plugin_name, kNativePasswordPlugin);
}

TEST(ClientHandshake, ResponseFromBorealisOwnClientEncoder) {
  HandshakeResponse response;
  response.user = "app";
  response.auth_response = std::string(20, 'x');
  response.database = "shop";
  auto decoded = decode_client_handshake(bytes(encode_handshake_response(response)), kOffered,
                                         kMariadbOffered);
  ASSERT_TRUE(decoded) << decoded.error().message;
  EXPECT_FALSE(decoded->ssl_request);
  EXPECT_EQ(decoded->user, "app");
  EXPECT_EQ(decoded->auth_response, std::string(20, 'x'));
  EXPECT_EQ(decoded->database, "shop");
  EXPECT_EQ(decoded->auth_plugin_name, kNativePasswordPlugin);
  EXPECT_TRUE(decoded->capabilities & capability::kConnectWithDb);
}

TEST(ClientHandshake, AttributesBorealisPassesOnDecodeAsSent) {
  HandshakeResponse response;
  response.capabilities |= capability::kConnectAttrs;
  response.attributes = {{"_client_name", "libmariadb"}, {"program_name", "billing"}, {"", ""}};
  auto decoded = decode_client_handshake(bytes(encode_handshake_response(response)), kOffered,
                                         kMariadbOffered);
  ASSERT_TRUE(decoded) << decoded.error().message;
  EXPECT_EQ(decoded->attributes, response.attributes);
}

TEST(ServerGreeting, MariadbExtensionsClearBitZero) {
  ServerGreeting greeting;
  greeting.server_version = "5.5.5-10.11.6-MariaDB";
  greeting.scramble = make_scramble();
  greeting.capabilities = kOffered;
  greeting.mariadb_capabilities =
      mariadb_capability::kProgress | mariadb_capability::kCacheMetadata;
  auto decoded = decode_greeting(bytes(encode_server_greeting(greeting)));
  ASSERT_TRUE(decoded) << decoded.error().message;
  EXPECT_EQ(decoded->capabilities, kOffered & ~capability::kLongPassword);
  EXPECT_EQ(decoded->mariadb_capabilities, greeting.mariadb_capabilities);
  EXPECT_EQ(std::string(decoded->scramble),
            std::string(greeting.scramble.begin(), greeting.scramble.end()));
}

TEST(ServerGreeting, WithoutExtensionsItIsAMysqlGreeting) {
  ServerGreeting greeting;
  greeting.server_version = "8.0.36";
  greeting.scramble = make_scramble();
  greeting.capabilities = kOffered;
  auto decoded = decode_greeting(bytes(encode_server_greeting(greeting)));
  ASSERT_TRUE(decoded) << decoded.error().message;
  EXPECT_TRUE(decoded->capabilities & capability::kLongPassword);
  EXPECT_EQ(decoded->mariadb_capabilities, 0u);
}

TEST(ClientHandshake, MariadbExtensionsCountOnlyAsFarAsOffered) {
  const std::uint32_t sent = kOffered & ~capability::kLongPassword;
  auto payload = mariadb_client_response(sent, "app", "", "", "");
  auto decoded = decode_client_handshake(bytes(payload), kOffered, mariadb_capability::kProgress);
  ASSERT_TRUE(decoded) << decoded.error().message;
  EXPECT_EQ(decoded->mariadb_capabilities, mariadb_capability::kProgress);
}

TEST(HandshakeResponse, CarriesMariadbExtensionsInTheFiller) {
  HandshakeResponse response;
  response.capabilities = kOffered;
  response.user = "app";
  response.mariadb_capabilities = mariadb_capability::kExtendedMetadata;
  auto decoded = decode_client_handshake(bytes(encode_handshake_response(response)), kOffered,
                                         kMariadbOffered);
  ASSERT_TRUE(decoded) << decoded.error().message;
  EXPECT_FALSE(decoded->capabilities & capability::kLongPassword);
  EXPECT_EQ(decoded->mariadb_capabilities, mariadb_capability::kExtendedMetadata);
  response.mariadb_capabilities = 0;
  decoded = decode_client_handshake(bytes(encode_handshake_response(response)), kOffered,
                                    kMariadbOffered);
  ASSERT_TRUE(decoded);
  EXPECT_TRUE(decoded->capabilities & capability::kLongPassword);
  EXPECT_EQ(decoded->mariadb_capabilities, 0u);
}

TEST(ClientHandshake, MariadbClientWithLenencAuthAndAttributes) {
  std::string attributes;
  append_lenenc_string(attributes, "_client_name");
  append_lenenc_string(attributes, "libmariadb");
  append_lenenc_string(attributes, "_pid");
  append_lenenc_string(attributes, "4242");
  const std::uint32_t sent = (kOffered & ~capability::kLongPassword) | capability::kConnectAttrs;
  auto payload = mariadb_client_response(sent, "app", std::string(20, '\x01'), "", attributes);
  auto decoded = decode_client_handshake(bytes(payload), kOffered, kMariadbOffered);
  ASSERT_TRUE(decoded) << decoded.error().message;
  EXPECT_EQ(decoded->mariadb_capabilities, 0x1du);
  EXPECT_EQ(decoded->auth_response.size(), 20u);
  ASSERT_EQ(decoded->attributes.size(), 2u);
  EXPECT_EQ(decoded->attributes[0],
            std::make_pair(std::string("_client_name"), std::string("libmariadb")));
  EXPECT_EQ(decoded->attributes[1].second, "4242");
}

TEST(ClientHandshake, SslRequestIsTheFirst32Bytes) {
  HandshakeResponse response;
  response.capabilities |= capability::kSsl;
  auto full = encode_handshake_response(response);
  auto decoded = decode_client_handshake(bytes(full.substr(0, 32)), kOffered, kMariadbOffered);
  ASSERT_TRUE(decoded) << decoded.error().message;
  EXPECT_TRUE(decoded->ssl_request);
  EXPECT_TRUE(decoded->capabilities & capability::kSsl);
  // Without CLIENT_SSL, 32 bytes are a truncated response.
  response.capabilities &= ~capability::kSsl;
  EXPECT_FALSE(decode_client_handshake(bytes(encode_handshake_response(response).substr(0, 32)),
                                       kOffered, kMariadbOffered));
}

TEST(ClientHandshake, OnlyOfferedCapabilitiesCount) {
  HandshakeResponse response;
  response.capabilities |= capability::kCompress | capability::kMultiStatements;
  auto decoded = decode_client_handshake(bytes(encode_handshake_response(response)), kOffered,
                                         kMariadbOffered);
  ASSERT_TRUE(decoded);
  EXPECT_FALSE(decoded->capabilities & capability::kCompress);  // never offered
  EXPECT_TRUE(decoded->capabilities & capability::kMultiStatements);
}

TEST(ClientHandshake, PreProtocol41ClientsAreRefused) {
  std::string payload;
  append_le(payload, capability::kLongPassword, 2);
  append_le(payload, 0xffffff, 3);
  payload += "app";
  payload.push_back('\0');
  auto decoded = decode_client_handshake(bytes(payload), kOffered, kMariadbOffered);
  ASSERT_FALSE(decoded);
  EXPECT_NE(decoded.error().message.find("4.1"), std::string::npos);
}

TEST(ClientHandshake, BoundsOnEveryField) {
  const std::uint32_t sent = kOffered | capability::kConnectAttrs;
  // User name too long (no NUL within the limit).
  EXPECT_FALSE(decode_client_handshake(
      bytes(mariadb_client_response(sent, std::string(kMaxUserLength + 1, 'u'), "", "", "")),
      kOffered, kMariadbOffered));
  // Auth data longer than the limit, announced by a lenenc length.
  EXPECT_FALSE(decode_client_handshake(
      bytes(mariadb_client_response(sent, "app", std::string(kMaxAuthResponseLength + 1, 'a'), "",
                                    "")),
      kOffered, kMariadbOffered));
  // Database name too long.
  EXPECT_FALSE(decode_client_handshake(
      bytes(mariadb_client_response(sent, "app", "", std::string(kMaxDatabaseLength + 1, 'd'), "")),
      kOffered, kMariadbOffered));
  // Attributes: a key longer than what is left.
  std::string bad;
  append_lenenc_int(bad, 1000);
  bad += "short";
  EXPECT_FALSE(decode_client_handshake(bytes(mariadb_client_response(sent, "app", "", "", bad)),
                                       kOffered, kMariadbOffered));
  // More than the limit of pairs.
  std::string many;
  for (std::size_t i = 0; i <= kMaxAttributes; ++i) {
    append_lenenc_string(many, "k");
    append_lenenc_string(many, "v");
  }
  EXPECT_FALSE(decode_client_handshake(bytes(mariadb_client_response(sent, "app", "", "", many)),
                                       kOffered, kMariadbOffered));
}

TEST(ClientHandshake, EveryTruncationIsAnErrorOrAShorterAnswerNeverACrash) {
  std::string attributes;
  append_lenenc_string(attributes, "_os");
  append_lenenc_string(attributes, "Linux");
  auto payload = mariadb_client_response(kOffered | capability::kConnectAttrs, "app",
                                         std::string(20, 'z'), "db", attributes);
  for (std::size_t n = 0; n < payload.size(); ++n) {
    auto decoded = decode_client_handshake(bytes(payload.substr(0, n)), kOffered, kMariadbOffered);
    if (n < 32) {
      EXPECT_FALSE(decoded) << n;
    }
    if (decoded) {
      EXPECT_LE(decoded->user.size(), 3u) << n;
    }
  }
}

TEST(ServerPackets, ErrOkAndAuthSwitchDecodeAsClientsRead) {
  auto err = decode_err(bytes(encode_err(1045, "28000", "Access denied for user 'app'")));
  ASSERT_TRUE(err);
  EXPECT_EQ(err->code, 1045);
  EXPECT_EQ(err->sql_state, "28000");
  EXPECT_EQ(err->message, "Access denied for user 'app'");
  auto early = decode_err(bytes(encode_err(1040, "08004", "Too many connections", false)));
  ASSERT_TRUE(early);
  EXPECT_EQ(early->sql_state, "");
  EXPECT_EQ(early->message, "Too many connections");
  auto ok = decode_ok(bytes(encode_ok(3, 7, server_status::kAutocommit, 1)));
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->affected_rows, 3u);
  EXPECT_EQ(ok->last_insert_id, 7u);
  EXPECT_EQ(ok->warnings, 1);
  auto scramble = make_scramble();
  auto switched = decode_auth_switch(bytes(encode_auth_switch(kNativePasswordPlugin, scramble)));
  ASSERT_TRUE(switched);
  EXPECT_EQ(switched->plugin_name, kNativePasswordPlugin);
  EXPECT_EQ(switched->plugin_data.substr(0, 20), std::string(scramble.begin(), scramble.end()));
}

TEST(Scramble, PrintableNeverNulAndFresh) {
  std::set<std::string> seen;
  for (int i = 0; i < 100; ++i) {
    auto scramble = make_scramble();
    for (auto byte : scramble) {
      EXPECT_GE(byte, 0x21);
      EXPECT_LE(byte, 0x7e);
    }
    seen.insert(std::string(scramble.begin(), scramble.end()));
  }
  EXPECT_EQ(seen.size(), 100u);
}

}  // namespace
}  // namespace borealis::mysql
