#include "frontend/mysql_handshake.hpp"

#include <fmt/format.h>

#include <asio/redirect_error.hpp>
#include <asio/use_awaitable.hpp>
#include <asio/write.hpp>

#include "mysql/change_user.hpp"
#include "mysql/native_password.hpp"
#include "mysql/ok_packet.hpp"
#include "mysql/packet.hpp"
#include "mysql/scramble.hpp"

namespace borealis::frontend {
namespace {

namespace capability = mysql::capability;

// Handshake packets are small; anything larger before authentication is
// refused (ER_NET_PACKET_TOO_LARGE) rather than buffered.
constexpr std::uint32_t kMaxHandshakePacket = 64 * 1024;
// Round trips an authentication plugin may take (caching_sha2_password's
// full authentication with a public key request takes three).
constexpr int kMaxAuthRoundTrips = 8;
// ER_CON_COUNT_ERROR, "Too many connections".
constexpr std::uint16_t kTooManyConnections = 1040;

// What borealis's databases are started with (see the engine), for the
// sessions it follows on other servers.
constexpr std::string_view kTrackersOn =
    "SET SESSION session_track_schema = ON, session_track_system_variables = '*', "
    "session_track_state_change = ON, session_track_transaction_info = 'CHARACTERISTICS'";

constexpr std::uint32_t kNeverPassed = capability::kSsl | capability::kCompress;

// Flags that change how results are framed: a client promised one that the
// server it reaches lacks would misread every result.
constexpr std::uint32_t kFraming = capability::kDeprecateEof;
constexpr std::uint32_t kMariadbFraming =
    mysql::mariadb_capability::kExtendedMetadata | mysql::mariadb_capability::kCacheMetadata;

}  // namespace

std::uint32_t mysql_offered_capabilities() {
  return capability::kLongPassword | capability::kFoundRows | capability::kLongFlag |
         capability::kConnectWithDb | capability::kNoSchema | capability::kOdbc |
         capability::kLocalFiles | capability::kIgnoreSpace | capability::kProtocol41 |
         capability::kInteractive | capability::kIgnoreSigpipe | capability::kTransactions |
         capability::kSecureConnection | capability::kMultiStatements | capability::kMultiResults |
         capability::kPsMultiResults | capability::kPluginAuth | capability::kConnectAttrs |
         capability::kPluginAuthLenencData | capability::kCanHandleExpiredPasswords |
         capability::kSessionTrack | capability::kDeprecateEof;
}

std::uint32_t mysql_offered_mariadb_capabilities() {
  namespace mariadb = mysql::mariadb_capability;
  return mariadb::kProgress | mariadb::kStmtBulkOperations | mariadb::kExtendedMetadata |
         mariadb::kCacheMetadata;
}

MysqlHandshake::MysqlHandshake(asio::ip::tcp::socket& client, mysql::ServerIdentity server,
                               std::uint32_t connection_id, MysqlTls tls)
    : client_(client), server_(std::move(server)), connection_id_(connection_id), tls_(tls) {}

// Before any server was seen, everything borealis passes; after, only what
// that server has (bit 0, "a MySQL client or server", stays: MariaDB's
// extensions are announced apart).
std::uint32_t MysqlHandshake::offered() const {
  std::uint32_t passed = mysql_offered_capabilities();
  if (server_.capabilities) passed &= server_.capabilities | capability::kLongPassword;
  return passed | (tls_.context ? capability::kSsl : 0);
}

std::uint32_t MysqlHandshake::offered_mariadb() const {
  return server_.mariadb_capabilities & mysql_offered_mariadb_capabilities();
}

bool MysqlHandshake::fail(std::string why) {
  failure_ = std::move(why);
  return false;
}

asio::awaitable<bool> MysqlHandshake::send_to_client(std::string_view payload) {
  const std::string packet = mysql::frame_packet(client_sequence_++, payload);
  asio::error_code error;
  if (tls_stream_)
    co_await asio::async_write(*tls_stream_, asio::buffer(packet),
                               asio::redirect_error(asio::use_awaitable, error));
  else
    co_await asio::async_write(client_, asio::buffer(packet),
                               asio::redirect_error(asio::use_awaitable, error));
  if (error) co_return fail("client: " + error.message());
  bytes_to_client_ += packet.size();
  co_return true;
}

asio::awaitable<bool> MysqlHandshake::send_to_server(asio::ip::tcp::socket& server,
                                                     std::string_view payload) {
  const std::string packet = mysql::frame_packet(server_sequence_++, payload);
  asio::error_code error;
  if (server_tls_stream_)
    co_await asio::async_write(*server_tls_stream_, asio::buffer(packet),
                               asio::redirect_error(asio::use_awaitable, error));
  else
    co_await asio::async_write(server, asio::buffer(packet),
                               asio::redirect_error(asio::use_awaitable, error));
  if (error) co_return fail("server: " + error.message());
  co_return true;
}

asio::awaitable<std::optional<mysql::Packet>> MysqlHandshake::read_from_client() {
  const mysql::PacketLimits limits{kMaxHandshakePacket, std::nullopt};
  // (No co_await inside ?: : g++ 12 miscompiles it.)
  std::optional<mysql::PacketRead> read;
  if (tls_stream_)
    read.emplace(co_await mysql::read_packet(*tls_stream_, limits));
  else
    read.emplace(co_await mysql::read_packet(client_, limits));
  if (!*read) {
    const auto& failure = read->error();
    if (failure.kind == mysql::PacketError::oversized)
      co_await refuse(1153, "08S01", "Got a packet bigger than 'max_allowed_packet' bytes");
    fail(fmt::format("client: {}", mysql::to_string(failure.kind)));
    co_return std::nullopt;
  }
  // A client answers with the next sequence number; anything else is not
  // a client speaking the protocol.
  if ((*read)->sequence != client_sequence_) {
    fail("client: packet out of sequence");
    co_return std::nullopt;
  }
  ++client_sequence_;
  co_return std::move(read->value());
}

asio::awaitable<std::optional<mysql::Packet>> MysqlHandshake::read_from_server(
    asio::ip::tcp::socket& server) {
  const mysql::PacketLimits limits{kMaxHandshakePacket, server_sequence_};
  std::optional<mysql::PacketRead> read;
  if (server_tls_stream_)
    read.emplace(co_await mysql::read_packet(*server_tls_stream_, limits));
  else
    read.emplace(co_await mysql::read_packet(server, limits));
  if (!*read) {
    fail(fmt::format("server: {}", mysql::to_string(read->error().kind)));
    co_return std::nullopt;
  }
  ++server_sequence_;
  co_return std::move(read->value());
}

asio::awaitable<bool> MysqlHandshake::greet() {
  scramble_ = mysql::make_scramble();
  mysql::ServerGreeting greeting;
  greeting.server_version = server_.version;
  greeting.connection_id = connection_id_;
  greeting.scramble = scramble_;
  greeting.capabilities = offered();
  greeting.mariadb_capabilities = offered_mariadb();
  if (!co_await send_to_client(mysql::encode_server_greeting(greeting))) co_return false;
  if (!co_await read_answer()) co_return false;
  if (hello_.ssl_request) {
    // The full answer follows, over TLS.
    if (!co_await start_tls() || !co_await read_answer()) co_return false;
    if (hello_.ssl_request) {
      fail("client: asked for TLS twice");
      co_await refuse(1043, "08S01", "Bad handshake");
      co_return false;
    }
  }
  if (tls_.required && !tls_stream_) {
    fail("client: did not start TLS on a bind that requires it");
    co_await refuse(3159, "HY000",
                    "Connections using insecure transport are prohibited while "
                    "--require_secure_transport=ON.");
    co_return false;
  }
  co_return true;
}

// Reads and decodes the client's answer to the greeting into hello_.
asio::awaitable<bool> MysqlHandshake::read_answer() {
  auto answer = co_await read_from_client();
  if (!answer) co_return false;
  auto decoded = mysql::decode_client_handshake(answer->payload, offered(), offered_mariadb());
  if (!decoded) {
    fail("client: " + decoded.error().message);
    bad_handshake_ = true;
    co_await refuse(1043, "08S01", "Bad handshake");
    co_return false;
  }
  hello_ = std::move(decoded.value());
  if (hello_.ssl_request && !tls_.context) {
    // Not offered: an answer, not a reset.
    fail("client: TLS requested, not offered");
    co_await refuse(1043, "08S01", "Bad handshake (TLS is not offered on this bind)");
    co_return false;
  }
  co_return true;
}

// A TLS handshake on `stream` (just made), as `side`; on failure the
// stream is dropped and failure() names `who`.
asio::awaitable<bool> MysqlHandshake::handshake_tls(
    std::optional<asio::ssl::stream<asio::ip::tcp::socket&>>& stream,
    asio::ssl::stream_base::handshake_type side, std::string_view who) {
  asio::error_code error;
  co_await stream->async_handshake(side, asio::redirect_error(asio::use_awaitable, error));
  if (!error) co_return true;
  stream.reset();
  co_return fail(fmt::format("{}: TLS handshake failed: {}", who, error.message()));
}

asio::awaitable<bool> MysqlHandshake::start_tls() {
  tls_stream_.emplace(client_, tls_.context->context());
  co_return co_await handshake_tls(tls_stream_, asio::ssl::stream_base::server, "client");
}

// The server's answer to borealis's HandshakeResponse, for the client's
// account: its capabilities, the client's, all borealis passes on.
std::string MysqlHandshake::response_for(const mysql::Greeting& greeting, const std::string& auth,
                                         std::string_view plugin, std::string_view schema) const {
  mysql::HandshakeResponse response;
  response.capabilities = capabilities_for(greeting);
  response.mariadb_capabilities = hello_.mariadb_capabilities & greeting.mariadb_capabilities;
  response.max_packet_size = hello_.max_packet_size;
  response.character_set = hello_.character_set;
  response.user = hello_.user;
  response.auth_response = auth;
  response.database = std::string(schema);
  response.auth_plugin_name = std::string(plugin);
  response.attributes = hello_.attributes;
  return mysql::encode_handshake_response(response);
}

// A login borealis makes for the client (it proved the password) asks for
// CLIENT_SESSION_TRACK whatever the client asked: session continuity reads
// the trackers, and the client's OKs are given back without them
// (hides_session_track()).
std::uint32_t MysqlHandshake::capabilities_for(const mysql::Greeting& greeting) const {
  const std::uint32_t tracking = stage1_ ? capability::kSessionTrack : 0;
  return ((hello_.capabilities | tracking) & greeting.capabilities & mysql_offered_capabilities() &
          ~kNeverPassed) |
         capability::kProtocol41 | capability::kSecureConnection | capability::kPluginAuth |
         (server_tls_stream_ ? capability::kSsl : 0);
}

// TLS to the server, the MySQL way: an SSLRequest, the TLS handshake, and
// the rest of the login inside TLS.
asio::awaitable<bool> MysqlHandshake::start_server_tls(asio::ip::tcp::socket& server,
                                                       const mysql::Greeting& greeting,
                                                       tls::ClientContext& context) {
  if (!(greeting.capabilities & capability::kSsl))
    co_return fail("server: does not offer TLS (server has 'ssl')");
  const std::uint32_t capabilities = capabilities_for(greeting) | capability::kSsl;
  if (!co_await send_to_server(
          server,
          mysql::encode_ssl_request(capabilities, hello_.max_packet_size, hello_.character_set)))
    co_return false;
  server_tls_stream_.emplace(server, context.context());
  context.prepare(*server_tls_stream_);
  co_return co_await handshake_tls(server_tls_stream_, asio::ssl::stream_base::client, "server");
}

// The client was greeted with what the backend's server announced last; a
// server of another version may lack a result format the client now
// expects. Refused rather than misread: the next greeting offers what this
// server has (server_seen()).
bool MysqlHandshake::server_frames_as_promised(const mysql::Greeting& greeting) {
  const std::uint32_t missing = hello_.capabilities & kFraming & ~greeting.capabilities;
  const std::uint32_t missing_mariadb =
      hello_.mariadb_capabilities & kMariadbFraming & ~greeting.mariadb_capabilities;
  if (!missing && !missing_mariadb) return true;
  return fail(fmt::format(
      "server '{}' lacks result formats the client was offered (capabilities {:#x}, MariaDB "
      "extensions {:#x}); a new connection is offered what it has",
      greeting.server_version, missing, missing_mariadb));
}

auth::Verdict::Kind MysqlHandshake::verify(const auth::AccountTable& accounts,
                                           std::string_view server_address) {
  const bool native =
      hello_.auth_plugin_name.empty() || hello_.auth_plugin_name == mysql::kNativePasswordPlugin;
  if (!native) return auth::Verdict::Kind::undecided;
  const std::string_view scramble(reinterpret_cast<const char*>(scramble_.data()),
                                  scramble_.size());
  auth::Verdict verdict =
      accounts.verify(hello_.user, server_address, hello_.auth_response, scramble);
  if (verdict.kind == auth::Verdict::Kind::verified) stage1_ = std::move(verdict.stage1);
  return verdict.kind;
}

asio::awaitable<void> MysqlHandshake::deny(std::string_view client_address) {
  const std::string message =
      fmt::format("Access denied for user '{}'@'{}' (using password: {})", hello_.user,
                  client_address, hello_.auth_response.empty() ? "NO" : "YES");
  server_refusal_ = 1045;
  co_await refuse(1045, "28000", message);
}

// What the server needs first from the client: with the password proved
// to borealis, borealis's own answer to the server's scramble; otherwise
// the client redoes its authentication for the server's scramble and
// default plugin (an auth switch), and its answer goes on.
asio::awaitable<bool> MysqlHandshake::answer_for_client(asio::ip::tcp::socket& server,
                                                        const mysql::Greeting& greeting) {
  if (stage1_) {
    const std::string answer = mysql::native_password_answer(*stage1_, greeting.scramble);
    co_return co_await send_to_server(
        server, response_for(greeting, answer, mysql::kNativePasswordPlugin, hello_.database));
  }
  const std::string& scramble = greeting.scramble;
  if (!co_await send_to_client(mysql::encode_auth_switch(
          greeting.auth_plugin_name,
          std::span(reinterpret_cast<const std::uint8_t*>(scramble.data()), scramble.size()))))
    co_return false;
  auto auth = co_await read_from_client();
  if (!auth) co_return false;
  const std::string auth_data(auth->payload.begin(), auth->payload.end());
  if (auth_data.size() > 255) co_return fail("client: authentication data longer than 255 bytes");
  co_return co_await send_to_server(
      server, response_for(greeting, auth_data, greeting.auth_plugin_name, hello_.database));
}

// Reads and judges the server's greeting on a fresh connection, and starts
// TLS to the server when configured. nullopt: failure() says why, or
// the server refused with an ERR, kept in refusal_payload_ (server_refusal()).
asio::awaitable<std::optional<mysql::Greeting>> MysqlHandshake::read_server_greeting(
    asio::ip::tcp::socket& server, tls::ClientContext* server_tls) {
  server_sequence_ = 0;
  server_refusal_ = 0;
  server_tls_stream_.reset();
  auto greeting_packet = co_await read_from_server(server);
  if (!greeting_packet) co_return std::nullopt;
  const auto& first = greeting_packet->payload;
  if (mysql::is_err_packet(first)) {
    // "Too many connections", "Host ... is blocked".
    auto err = mysql::decode_err(first);
    server_refusal_ = err ? err->code : std::uint16_t{1105};
    refusal_payload_.assign(first.begin(), first.end());
    fail(fmt::format("server: refused the connection: {}",
                     err ? mysql::format_error(*err) : std::string("a malformed ERR")));
    co_return std::nullopt;
  }
  auto greeting = mysql::decode_greeting(first);
  if (!greeting) {
    fail("server: " + greeting.error().message);
    co_return std::nullopt;
  }
  server_seen_ = {greeting->server_version, greeting->capabilities, greeting->mariadb_capabilities};
  if (identity_sink_) identity_sink_(server_seen_);
  if (!server_frames_as_promised(*greeting)) co_return std::nullopt;
  server_scramble_ = greeting->scramble;
  server_thread_id_ = greeting->connection_id;
  const std::uint32_t agreed = capabilities_for(*greeting);
  format_ = {
      (agreed & capability::kDeprecateEof) != 0,
      (agreed & capability::kSessionTrack) != 0,
      (hello_.mariadb_capabilities & greeting->mariadb_capabilities &
       mysql::mariadb_capability::kCacheMetadata) != 0,
      (agreed & capability::kSessionTrack) && !(hello_.capabilities & capability::kSessionTrack),
  };
  if (server_tls && !co_await start_server_tls(server, *greeting, *server_tls))
    co_return std::nullopt;
  co_return std::move(*greeting);
}

asio::awaitable<MysqlHandshake::Login> MysqlHandshake::log_in(asio::ip::tcp::socket& server,
                                                              tls::ClientContext* server_tls) {
  auto greeting = co_await read_server_greeting(server, server_tls);
  if (!greeting) {
    if (refusal_payload_.empty()) co_return Login::failed;
    if (stage1_ && server_refusal_ == kTooManyConnections) {
      refusal_payload_.clear();
      co_return Login::busy;
    }
    // The client gets the server's refusal as it is, with its own code.
    auto err = mysql::decode_err(std::span(
        reinterpret_cast<const std::uint8_t*>(refusal_payload_.data()), refusal_payload_.size()));
    refusal_payload_.clear();
    const std::uint16_t code = err ? err->code : std::uint16_t{1105};
    const std::string state = err && err->sql_state.size() == 5 ? err->sql_state : "HY000";
    const std::string message = err ? err->message : "the server refused the connection";
    co_await refuse(code, state, message);
    co_return Login::refused;
  }
  if (!co_await answer_for_client(server, *greeting)) co_return Login::failed;
  const std::uint64_t client_heard = bytes_to_client();
  const Login login = co_await relay_authentication(server);
  // (MariaDB says it after the login, too.)
  if (login == Login::refused && stage1_ && server_refusal_ == kTooManyConnections &&
      bytes_to_client() == client_heard) {
    refusal_payload_.clear();
    co_return Login::busy;
  }
  if (login != Login::ok || !track_on_login_ || !stage1_) co_return login;
  if (!co_await turn_trackers_on(server)) co_return Login::failed;
  co_return Login::ok;
}

// The session trackers on for this session, on a server borealis does not
// run. A server that refuses (another version, a restricted account)
// leaves the session without continuity (trackers_refused()), not without
// its login. False: the connection failed.
asio::awaitable<bool> MysqlHandshake::turn_trackers_on(asio::ip::tcp::socket& server) {
  server_sequence_ = 0;
  if (!co_await send_to_server(server, mysql::encode_com_query(kTrackersOn))) co_return false;
  auto reply = co_await read_from_server(server);
  if (!reply) co_return false;
  trackers_refused_ = !mysql::is_ok_packet(reply->payload);
  co_return true;
}

asio::awaitable<MysqlHandshake::Login> MysqlHandshake::log_in_again(asio::ip::tcp::socket& server,
                                                                    tls::ClientContext* server_tls,
                                                                    std::string_view schema,
                                                                    std::string_view restore) {
  if (!stage1_) {
    fail("the client's login is not one borealis can make");
    co_return Login::failed;
  }
  auto greeting = co_await read_server_greeting(server, server_tls);
  refusal_payload_.clear();
  if (!greeting) co_return server_refusal_ == kTooManyConnections ? Login::busy : Login::failed;
  const std::string answer = mysql::native_password_answer(*stage1_, greeting->scramble);
  if (!co_await send_to_server(
          server, response_for(*greeting, answer, mysql::kNativePasswordPlugin, schema)))
    co_return Login::failed;
  // The server's OK, or first a switch to mysql_native_password with a new
  // scramble, which borealis answers too.
  for (int round = 0; round < 2; ++round) {
    auto reply = co_await read_from_server(server);
    if (!reply) co_return Login::failed;
    if (mysql::is_ok_packet(reply->payload)) {
      // (A session continued without its trackers could not be followed.)
      if (track_on_login_) {
        const bool connected = co_await turn_trackers_on(server);
        if (!connected || trackers_refused_) co_return Login::failed;
      }
      if (!co_await restore_session(server, restore)) co_return Login::failed;
      co_return Login::ok;
    }
    auto to = mysql::decode_auth_switch(reply->payload);
    if (round > 0 || !to || to->plugin_name != mysql::kNativePasswordPlugin) {
      auto err = mysql::decode_err(reply->payload);
      if (err) server_refusal_ = err->code;  // 1040 comes after the login too
      fail(err ? "server: " + mysql::format_error(*err)
               : std::string("server: an unexpected answer to the login"));
      co_return server_refusal_ == kTooManyConnections ? Login::busy : Login::failed;
    }
    if (!co_await send_to_server(server, mysql::native_password_answer(*stage1_, to->plugin_data)))
      co_return Login::failed;
  }
  co_return Login::failed;
}

// Runs `restore` (one statement) on the new connection; its OK stays with
// borealis.
asio::awaitable<bool> MysqlHandshake::restore_session(asio::ip::tcp::socket& server,
                                                      std::string_view restore) {
  if (restore.empty()) co_return true;
  server_sequence_ = 0;
  if (!co_await send_to_server(server, mysql::encode_com_query(restore))) co_return false;
  auto reply = co_await read_from_server(server);
  if (!reply) co_return false;
  if (mysql::is_ok_packet(reply->payload)) co_return true;
  auto err = mysql::decode_err(reply->payload);
  co_return fail(fmt::format("restoring the session's variables failed: {}",
                             err ? mysql::format_error(*err) : std::string("no OK")));
}

mysql::ResponseFormat MysqlHandshake::response_format() const { return format_; }

asio::awaitable<void> MysqlHandshake::fail_command(std::uint16_t code, std::string_view sql_state,
                                                   std::string_view message) {
  client_sequence_ = 1;
  const std::string payload = mysql::encode_err(code, sql_state, message, true);
  co_await send_to_client(payload);
}

// Relays the plugin's exchange until the server decides. A server that
// switches a login borealis made itself to mysql_native_password with a
// new scramble is answered by borealis; any other switch goes to the
// client, who still holds its password.
asio::awaitable<MysqlHandshake::Login> MysqlHandshake::relay_authentication(
    asio::ip::tcp::socket& server) {
  for (int round = 0; round < kMaxAuthRoundTrips; ++round) {
    auto reply = co_await read_from_server(server);
    if (!reply) co_return Login::failed;
    const std::string payload(reply->payload.begin(), reply->payload.end());
    if (mysql::is_err_packet(reply->payload)) {
      // Kept for forward_refusal(): the session counts a failed login
      // before the client can hear of it and try again.
      auto err = mysql::decode_err(reply->payload);
      server_refusal_ = err ? err->code : 0;
      refusal_payload_ = payload;
      co_return Login::refused;
    }
    if (stage1_ && round == 0) {
      auto to = mysql::decode_auth_switch(reply->payload);
      if (to && to->plugin_name == mysql::kNativePasswordPlugin) {
        const std::string answer = mysql::native_password_answer(*stage1_, to->plugin_data);
        if (!co_await send_to_server(server, answer)) co_return Login::failed;
        continue;
      }
    }
    const bool ok = mysql::is_ok_packet(reply->payload);
    // (A named value: g++ 12 miscompiles a temporary from ?: in co_await.)
    std::string to_client = payload;
    if (ok) to_client = ok_for_client(payload);
    if (!co_await send_to_client(to_client)) co_return Login::failed;
    if (ok) co_return Login::ok;
    auto more = co_await read_from_client();
    if (!more) co_return Login::failed;
    if (!co_await send_to_server(server, std::string(more->payload.begin(), more->payload.end())))
      co_return Login::failed;
  }
  fail("authentication took more than 8 round trips");
  co_return Login::failed;
}

// The server's OK as the client asked for it: without session state when
// borealis asked for it alone.
std::string MysqlHandshake::ok_for_client(const std::string& payload) const {
  if (!format_.hide_session_track) return payload;
  auto plain = mysql::without_session_state(
      std::span(reinterpret_cast<const std::uint8_t*>(payload.data()), payload.size()));
  return plain ? std::move(*plain) : payload;
}

std::optional<std::string> MysqlHandshake::answer_for_server() const {
  if (!stage1_ || stage1_->empty()) return std::nullopt;
  return mysql::native_password_answer(*stage1_, server_scramble_);
}

std::optional<std::string> MysqlHandshake::change_user_for_server(
    std::string_view payload, const auth::AccountTable* accounts, std::string_view server_address) {
  auto command = mysql::decode_change_user(payload, hello_.capabilities);
  if (!command) return std::nullopt;
  const bool native = command->plugin.empty() || command->plugin == mysql::kNativePasswordPlugin;
  if (accounts && native && server_scramble_.size() == mysql::kScrambleLength) {
    const std::string_view scramble(reinterpret_cast<const char*>(scramble_.data()),
                                    scramble_.size());
    auth::Verdict verdict =
        accounts->verify(command->user, server_address, command->auth_response, scramble);
    if (verdict.kind == auth::Verdict::Kind::verified) {
      command->auth_response = mysql::native_password_answer(verdict.stage1, server_scramble_);
      command->plugin = mysql::kNativePasswordPlugin;
      stage1_ = std::move(verdict.stage1);
      // The login borealis makes again from now on (session continuity).
      hello_.user = command->user;
      hello_.database = command->database;
      if (command->character_set) hello_.character_set = command->character_set;
      return mysql::encode_change_user(*command);
    }
  }
  // The session's login is no longer one borealis can make.
  stage1_.reset();
  command->auth_response.clear();
  command->plugin = mysql::kRescramblePlugin;
  return mysql::encode_change_user(*command);
}

asio::awaitable<void> MysqlHandshake::forward_refusal() {
  if (refusal_payload_.empty()) co_return;
  const std::string payload = std::move(refusal_payload_);
  refusal_payload_.clear();
  co_await send_to_client(payload);
}

asio::awaitable<void> MysqlHandshake::refuse(std::uint16_t code, std::string_view sql_state,
                                             std::string_view message) {
  // Before the client has answered the greeting, MariaDB sends no SQLSTATE.
  const bool protocol41 = client_sequence_ > 1;
  const std::string payload = mysql::encode_err(code, sql_state, message, protocol41);
  co_await send_to_client(payload);
}

}  // namespace borealis::frontend
