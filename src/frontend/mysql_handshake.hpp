// The MySQL handshake of a `mode mysql` session, borealis's side of it:
// borealis greets the client at once with its own scramble, reads its
// answer, and, once a server is connected, has the client authenticate to
// that server through an auth switch to the server's scramble and plugin
// (so every authentication plugin works, borealis never sees a password),
// relaying the exchange until the server's OK or ERR. Refusals are ERR
// packets with a server-range code and SQLSTATE, never a bare reset.
#pragma once

#include <asio/awaitable.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/ssl/stream.hpp>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "auth/account_table.hpp"
#include "mysql/packet_reader.hpp"
#include "mysql/response_tracker.hpp"
#include "mysql/server_handshake.hpp"
#include "tls/client_context.hpp"
#include "tls/server_context.hpp"

namespace borealis::frontend {

// The capabilities borealis offers a client at most: what a relay that
// does not rewrite commands or results can pass through. No compression;
// TLS where the bind has `ssl`. Of these, a client is offered only what the
// backend's server announced last (mysql::ServerIdentity).
std::uint32_t mysql_offered_capabilities();
// MariaDB's extensions borealis passes through (all but COM_MULTI, which
// no released server offers).
std::uint32_t mysql_offered_mariadb_capabilities();

// How a bind offers TLS (`ssl crt FILE [allow-plaintext]`).
struct MysqlTls {
  tls::ServerContext* context = nullptr;  // null: not offered
  bool required = false;
};

class MysqlHandshake {
 public:
  // busy: the server said "Too many connections" (1040) to a login
  // borealis makes for the client, and nothing reached the client: it may
  // be asked again on a new connection.
  enum class Login { ok, refused, busy, failed };

  // `server`: what the greeting announces (version, capabilities) on the
  // backend's behalf.
  MysqlHandshake(asio::ip::tcp::socket& client, mysql::ServerIdentity server,
                 std::uint32_t connection_id, MysqlTls tls = {});

  // Sends the greeting and reads the client's answer. False when the client
  // left, sent garbage or too much (answered with an ERR where it still
  // listens); failure() says why.
  asio::awaitable<bool> greet();

  // Judges the client's answer against the accounts of the database it is
  // for, as the server at `server_address` would (mysql_native_password
  // only; anything else is `undecided`). Once `verified`, log_in() logs in
  // itself with what it derived, without asking the client again.
  auth::Verdict::Kind verify(const auth::AccountTable& accounts, std::string_view server_address);
  // Answers a login verify() denied as MariaDB does (ERROR 1045).
  asio::awaitable<void> deny(std::string_view client_address);

  // Authenticates the client to `server`, a fresh connection. `ok`: the
  // server's OK reached the client and the session may be relayed;
  // `refused`: the server answered with an ERR (wrong password, ...), which
  // forward_refusal() passes on;
  // `failed`: a broken exchange, see failure().
  // With `server_tls`, TLS to the server starts inside its handshake first.
  asio::awaitable<Login> log_in(asio::ip::tcp::socket& server,
                                tls::ClientContext* server_tls = nullptr);

  // What goes to the server for the client's COM_CHANGE_USER `payload`
  // (see mysql/change_user.hpp): with the new account's password proved
  // against `accounts` (may be null), borealis's answer to the server's
  // scramble; otherwise a command that has the server ask the client
  // again. nullopt: pass it on as it is.
  std::optional<std::string> change_user_for_server(std::string_view payload,
                                                    const auth::AccountTable* accounts,
                                                    std::string_view server_address);

  // After change_user_for_server() proved the new account: the answer to
  // the server's scramble, for the client's answer to the server's auth
  // switch (which libmariadb computes from borealis's scramble).
  std::optional<std::string> answer_for_server() const;

  // Session continuity: logs in to `server`, a fresh connection, for the
  // client again, with what verify() derived (possible while
  // logged_in_for_client()), in `schema`, then runs `restore` (SQL that
  // gives the new connection the session's variables; may be empty).
  // Nothing reaches the client: `ok`, or `failed` with failure() saying why.
  asio::awaitable<Login> log_in_again(asio::ip::tcp::socket& server, tls::ClientContext* server_tls,
                                      std::string_view schema, std::string_view restore);

  // The response formats agreed with the server at the last login.
  mysql::ResponseFormat response_format() const;

  // Answers the client's command in flight with an ERR (sequence 1).
  asio::awaitable<void> fail_command(std::uint16_t code, std::string_view sql_state,
                                     std::string_view message);

  // Passes on the server's ERR that refused the login (after log_in()
  // returned `refused`).
  asio::awaitable<void> forward_refusal();

  // Sends an ERR packet as the next packet to the client (best effort):
  // a server-range `code`, its SQLSTATE, the message. (Arguments are views
  // of named values: g++ 12 mishandles class-type temporaries in co_await
  // operands.)
  asio::awaitable<void> refuse(std::uint16_t code, std::string_view sql_state,
                               std::string_view message);

  const mysql::ClientHandshake& client() const { return hello_; }
  // The connection id borealis's greeting gave the client, and the one the
  // server's greeting gave borealis.
  std::uint32_t greeting_id() const { return connection_id_; }
  std::uint32_t server_thread_id() const { return server_thread_id_; }
  // borealis logged in for the client (verify() proved its password): the
  // client never saw the server's scramble.
  bool logged_in_for_client() const { return stage1_.has_value(); }
  // From now on, each login borealis makes for the client turns the
  // session trackers on for its session (a server borealis does not run).
  void track_sessions_on_login() { track_on_login_ = true; }
  // The server refused to turn the trackers on: no session continuity.
  bool trackers_refused() const { return trackers_refused_; }
  const std::string& failure() const { return failure_; }
  // The code of the server's ERR that refused the login (log_in() returned
  // `refused`), else 0.
  std::uint16_t server_refusal() const { return server_refusal_; }
  // The client sent something that is no MySQL handshake (not a mere
  // disconnect or silence): what `max-connect-errors` counts with failed
  // logins.
  bool bad_handshake() const { return bad_handshake_; }
  // What the server announced in its greeting (for the next greetings);
  // an empty version until log_in() read a greeting.
  const mysql::ServerIdentity& server_seen() const { return server_seen_; }
  // Called with each server greeting as soon as it is read, before the
  // client hears anything more: the next client's greeting can offer what
  // this server has.
  void on_server_greeting(std::function<void(const mysql::ServerIdentity&)> sink) {
    identity_sink_ = std::move(sink);
  }
  std::uint64_t bytes_to_client() const { return bytes_to_client_; }
  // The client's TLS stream once it upgraded (relay through it), else null.
  asio::ssl::stream<asio::ip::tcp::socket&>* tls_stream() {
    return tls_stream_ ? &*tls_stream_ : nullptr;
  }
  // The server's TLS stream once log_in() started it (relay through it).
  asio::ssl::stream<asio::ip::tcp::socket&>* server_tls_stream() {
    return server_tls_stream_ ? &*server_tls_stream_ : nullptr;
  }

 private:
  asio::awaitable<bool> send_to_client(std::string_view payload);
  asio::awaitable<bool> send_to_server(asio::ip::tcp::socket& server, std::string_view payload);
  asio::awaitable<std::optional<mysql::Packet>> read_from_client();
  asio::awaitable<std::optional<mysql::Packet>> read_from_server(asio::ip::tcp::socket& server);
  std::string response_for(const mysql::Greeting& greeting, const std::string& auth,
                           std::string_view plugin, std::string_view schema) const;
  asio::awaitable<std::optional<mysql::Greeting>> read_server_greeting(
      asio::ip::tcp::socket& server, tls::ClientContext* server_tls);
  asio::awaitable<bool> restore_session(asio::ip::tcp::socket& server, std::string_view restore);
  asio::awaitable<bool> turn_trackers_on(asio::ip::tcp::socket& server);
  asio::awaitable<bool> answer_for_client(asio::ip::tcp::socket& server,
                                          const mysql::Greeting& greeting);
  asio::awaitable<Login> relay_authentication(asio::ip::tcp::socket& server);
  asio::awaitable<bool> read_answer();
  asio::awaitable<bool> start_tls();
  asio::awaitable<bool> handshake_tls(
      std::optional<asio::ssl::stream<asio::ip::tcp::socket&>>& stream,
      asio::ssl::stream_base::handshake_type side, std::string_view who);
  asio::awaitable<bool> start_server_tls(asio::ip::tcp::socket& server,
                                         const mysql::Greeting& greeting,
                                         tls::ClientContext& context);
  std::string ok_for_client(const std::string& payload) const;
  std::uint32_t capabilities_for(const mysql::Greeting& greeting) const;
  bool server_frames_as_promised(const mysql::Greeting& greeting);
  std::uint32_t offered() const;
  std::uint32_t offered_mariadb() const;
  bool fail(std::string why);

  asio::ip::tcp::socket& client_;
  mysql::ServerIdentity server_;
  std::uint32_t connection_id_;
  MysqlTls tls_;
  std::optional<asio::ssl::stream<asio::ip::tcp::socket&>> tls_stream_;
  std::optional<asio::ssl::stream<asio::ip::tcp::socket&>> server_tls_stream_;
  mysql::Scramble scramble_{};
  mysql::ClientHandshake hello_;
  std::uint8_t client_sequence_ = 0;  // the next packet's, both ways
  std::uint8_t server_sequence_ = 0;
  std::string failure_;
  mysql::ServerIdentity server_seen_;
  std::function<void(const mysql::ServerIdentity&)> identity_sink_;
  std::uint64_t bytes_to_client_ = 0;
  std::uint16_t server_refusal_ = 0;
  // SHA1(password) once verify() proved it (empty: no password). Lives
  // only in this session's memory: it logs in for the client, and later
  // (session continuity) logs in again for it.
  std::optional<std::string> stage1_;
  bool track_on_login_ = false;
  bool trackers_refused_ = false;
  std::string server_scramble_;  // the server's greeting's, for COM_CHANGE_USER
  std::uint32_t server_thread_id_ = 0;
  mysql::ResponseFormat format_;  // what the last login agreed
  std::string refusal_payload_;
  bool bad_handshake_ = false;
};

}  // namespace borealis::frontend
