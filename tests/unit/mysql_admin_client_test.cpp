// AdminClient against a scripted fake server on loopback: the exchanges a
// real mariadbd does not easily produce on demand (a switch to
// mysql_native_password, out-of-order or oversized packets, silence).
#include <gtest/gtest.h>

#include <asio/co_spawn.hpp>
#include <asio/io_context.hpp>
#include <asio/read.hpp>
#include <asio/redirect_error.hpp>
#include <asio/use_awaitable.hpp>
#include <asio/write.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "mysql/admin_client.hpp"
#include "mysql/native_password.hpp"
#include "mysql/packet.hpp"
#include "mysql/protocol_codec.hpp"

using namespace borealis::mysql;
using namespace std::chrono_literals;
using asio::ip::tcp;

namespace {

std::string from_hex(std::string_view hex) {
  std::string out;
  for (std::size_t i = 0; i + 1 < hex.size(); i += 2)
    out.push_back(static_cast<char>(std::stoi(std::string(hex.substr(i, 2)), nullptr, 16)));
  return out;
}

// Greeting payload captured from mariadbd 10.11.19, and its scramble.
const std::string kGreeting = from_hex(
    "0a352e352e352d31302e31312e31392d4d6172696144422d302b6465623132753100040000003c5a307d4a3670"
    "5200fef7080200ff81150000000000001d0000002b7d59234057787358427d73006d7973716c5f6e617469766"
    "55f70617373776f726400");
const std::string kGreetingScramble = from_hex("3c5a307d4a3670522b7d59234057787358427d73");
// Whole packets (sequence 1..7): SHOW GLOBAL STATUS with two rows.
const std::string kShowStatusReply = from_hex(
    "01000001025e0000020364656612696e666f726d6174696f6e5f736368656d610e53455353494f4e5f53544154"
    "55530e53455353494f4e5f5354415455530d5661726961626c655f6e616d650d5641524941424c455f4e414d45"
    "0c2d0000010000fd0110000000570000030364656612696e666f726d6174696f6e5f736368656d610e5345535349"
    "4f4e5f5354415455530e53455353494f4e5f5354415455530556616c75650e5641524941424c455f56414c5545"
    "0c2d0000400000fd011000000005000004fe000022001400000511546872656164735f636f6e6e656374656401"
    "310a00000606557074696d6502313005000007fe00000200");
const std::string kOk("\x00\x00\x00\x02\x00\x00\x00", 7);

struct Received {
  std::uint8_t sequence = 0;
  std::string payload;
};

asio::awaitable<Received> receive(tcp::socket& socket) {
  std::uint8_t header[kHeaderSize];
  co_await asio::async_read(socket, asio::buffer(header), asio::use_awaitable);
  Received packet{header[3], std::string(decode_header(header)->payload_length, '\0')};
  co_await asio::async_read(socket, asio::buffer(packet.payload), asio::use_awaitable);
  co_return packet;
}

asio::awaitable<void> send(tcp::socket& socket, std::uint8_t sequence, std::string payload) {
  co_await asio::async_write(socket, asio::buffer(frame_packet(sequence, payload)),
                             asio::use_awaitable);
}

asio::awaitable<void> send_raw(tcp::socket& socket, std::string bytes) {
  co_await asio::async_write(socket, asio::buffer(bytes), asio::use_awaitable);
}

// The user name and auth response out of a HandshakeResponse41 payload.
std::pair<std::string, std::string> login_fields(const std::string& payload) {
  std::size_t user_end = payload.find('\0', 32);
  std::string user = payload.substr(32, user_end - 32);
  auto auth_length = static_cast<std::uint8_t>(payload[user_end + 1]);
  return {user, payload.substr(user_end + 2, auth_length)};
}

// The end of a script whose client is expected to leave: whatever it sends
// before closing must be a COM_QUIT at most (a read error other than the
// close itself fails the test).
asio::awaitable<void> until_hang_up(tcp::socket& socket) {
  std::string rest;
  char chunk[256];
  for (;;) {
    asio::error_code error;
    std::size_t n = co_await socket.async_read_some(
        asio::buffer(chunk), asio::redirect_error(asio::use_awaitable, error));
    rest.append(chunk, n);
    if (error) {
      EXPECT_TRUE(error == asio::error::eof || error == asio::error::connection_reset)
          << error.message();
      break;
    }
  }
  EXPECT_TRUE(rest.empty() || rest == std::string("\x01\x00\x00\x00\x01", 5))
      << "client sent " << rest.size() << " unexpected bytes before closing";
}

using Script = std::function<asio::awaitable<void>(tcp::socket&)>;
using ClientSteps = std::function<asio::awaitable<void>(AdminClient&, tcp::endpoint)>;

// Serves one connection with `script` while `steps` drive a client.
void run(Script script, ClientSteps steps) {
  asio::io_context context;
  tcp::acceptor acceptor(context, tcp::endpoint(asio::ip::address_v4::loopback(), 0));
  tcp::endpoint endpoint = acceptor.local_endpoint();
  tcp::socket server_socket(context);
  // The script must run to its end: an exception in it (a read the client
  // never answered, a check that threw) fails the test, never passes silently.
  bool served = false;
  std::exception_ptr script_failure;
  asio::co_spawn(
      context,
      [](tcp::acceptor& listener, tcp::socket& socket, Script& serve,
         bool& done) -> asio::awaitable<void> {
        socket = co_await listener.async_accept(asio::use_awaitable);
        co_await serve(socket);
        done = true;
      }(acceptor, server_socket, script, served),
      [&script_failure](std::exception_ptr error) { script_failure = error; });
  AdminClient client(context.get_executor());
  bool finished = false;
  asio::co_spawn(
      context,
      [](AdminClient& admin, tcp::endpoint target, ClientSteps& drive,
         bool& done) -> asio::awaitable<void> {
        co_await drive(admin, target);
        admin.close();  // lets the script's pending read end
        done = true;
      }(client, endpoint, steps, finished),
      [](std::exception_ptr error) {
        if (error) std::rethrow_exception(error);
      });
  context.run_for(10s);
  EXPECT_TRUE(finished);
  EXPECT_TRUE(served) << "the fake server's script did not run to its end";
  if (script_failure) {
    try {
      std::rethrow_exception(script_failure);
    } catch (const std::exception& error) {
      ADD_FAILURE() << "the fake server's script failed: " << error.what();
    }
  }
}

// Greeting, then a switch to mysql_native_password with a fresh scramble.
asio::awaitable<void> switching_server(tcp::socket& socket) {
  co_await send(socket, 0, kGreeting);
  Received login = co_await receive(socket);
  EXPECT_EQ(login.sequence, 1);
  auto [user, auth] = login_fields(login.payload);
  EXPECT_EQ(user, "adm");
  EXPECT_EQ(auth, native_password_scramble("pw", kGreetingScramble));
  std::string fresh(20, 'k');
  co_await send(socket, 2, std::string("\xfemysql_native_password\0", 23) + fresh + '\0');
  Received answer = co_await receive(socket);
  EXPECT_EQ(answer.sequence, 3);
  EXPECT_EQ(answer.payload, native_password_scramble("pw", fresh));
  co_await send(socket, 4, kOk);

  Received query = co_await receive(socket);
  EXPECT_EQ(query.sequence, 0);
  EXPECT_EQ(query.payload, "\x03SHOW GLOBAL STATUS");
  co_await send_raw(socket, kShowStatusReply);

  Received ping = co_await receive(socket);
  EXPECT_EQ(ping.sequence, 0);
  EXPECT_EQ(ping.payload, "\x0e");
  co_await send(socket, 1, kOk);

  Received quit = co_await receive(socket);
  EXPECT_EQ(quit.sequence, 0);
  EXPECT_EQ(quit.payload, "\x01");
}

// Greeting and login accepted, then `reply` to the first command.
Script after_login(std::string reply) {
  return [reply](tcp::socket& socket) -> asio::awaitable<void> {
    co_await send(socket, 0, kGreeting);
    co_await receive(socket);
    co_await send(socket, 2, kOk);
    co_await receive(socket);
    co_await send_raw(socket, reply);
    co_await until_hang_up(socket);
  };
}

}  // namespace

TEST(MysqlAdminClient, SwitchesToNativePasswordQueriesPingsAndQuits) {
  run(switching_server, [](AdminClient& client, tcp::endpoint endpoint) -> asio::awaitable<void> {
    AdminResult login = co_await client.connect(endpoint, "adm", "pw", 2000ms);
    EXPECT_TRUE(login.ok) << login.error;
    EXPECT_EQ(client.server_version(), "5.5.5-10.11.19-MariaDB-0+deb12u1");
    EXPECT_EQ(client.connection_id(), 4u);
    QueryResult status = co_await client.query("SHOW GLOBAL STATUS", 2000ms);
    EXPECT_TRUE(status.ok) << status.error;
    auto map = name_value_map(status);
    EXPECT_EQ(map["Threads_connected"], "1");
    EXPECT_EQ(map["Uptime"], "10");
    AdminResult ping = co_await client.ping(2000ms);
    EXPECT_TRUE(ping.ok) << ping.error;
    client.close();
    EXPECT_FALSE(client.is_open());
  });
}

TEST(MysqlAdminClient, OtherPluginsAreRefused) {
  run(
      [](tcp::socket& socket) -> asio::awaitable<void> {
        co_await send(socket, 0, kGreeting);
        co_await receive(socket);
        co_await send(socket, 2,
                      std::string("\xfe"
                                  "client_ed25519\0",
                                  16) +
                          std::string(32, 'e'));
        co_await until_hang_up(socket);
      },
      [](AdminClient& client, tcp::endpoint endpoint) -> asio::awaitable<void> {
        AdminResult login = co_await client.connect(endpoint, "adm", "pw", 2000ms);
        EXPECT_FALSE(login.ok);
        EXPECT_EQ(login.error,
                  "authentication plugin 'client_ed25519' is not supported (only "
                  "mysql_native_password)");
        EXPECT_FALSE(client.is_open());
      });
}

TEST(MysqlAdminClient, ServerErrorInsteadOfGreeting) {
  run(
      [](tcp::socket& socket) -> asio::awaitable<void> {
        co_await send(socket, 0, std::string("\xff\x10\x04Too many connections"));
        co_await until_hang_up(socket);
      },
      [](AdminClient& client, tcp::endpoint endpoint) -> asio::awaitable<void> {
        AdminResult login = co_await client.connect(endpoint, "adm", "pw", 2000ms);
        EXPECT_FALSE(login.ok);
        EXPECT_EQ(login.error_code, 1040);
        EXPECT_EQ(login.error, "ERROR 1040 (HY000): Too many connections");
      });
}

TEST(MysqlAdminClient, OutOfOrderSequenceClosesTheConnection) {
  run(
      [](tcp::socket& socket) -> asio::awaitable<void> {
        co_await send(socket, 0, kGreeting);
        co_await receive(socket);
        co_await send(socket, 5, kOk);
        co_await until_hang_up(socket);
      },
      [](AdminClient& client, tcp::endpoint endpoint) -> asio::awaitable<void> {
        AdminResult login = co_await client.connect(endpoint, "adm", "pw", 2000ms);
        EXPECT_FALSE(login.ok);
        EXPECT_EQ(login.error, "packet out of order (sequence 5, expected 2)");
        EXPECT_FALSE(client.is_open());
      });
}

TEST(MysqlAdminClient, OversizedPacketClosesTheConnection) {
  run(after_login(std::string("\xff\xff\xff\x01", 4) + std::string(64, 'x')),
      [](AdminClient& client, tcp::endpoint endpoint) -> asio::awaitable<void> {
        EXPECT_TRUE((co_await client.connect(endpoint, "adm", "", 2000ms)).ok);
        QueryResult result = co_await client.query("SELECT 1", 2000ms);
        EXPECT_FALSE(result.ok);
        EXPECT_EQ(result.error, "packet of 16 MiB or more is not supported");
        EXPECT_FALSE(client.is_open());
        QueryResult after = co_await client.query("SELECT 1", 2000ms);
        EXPECT_EQ(after.error, "not connected");
      });
}

TEST(MysqlAdminClient, MalformedReplyClosesTheConnection) {
  run(after_login(frame_packet(1, std::string("\x01\x01", 2))),
      [](AdminClient& client, tcp::endpoint endpoint) -> asio::awaitable<void> {
        EXPECT_TRUE((co_await client.connect(endpoint, "adm", "", 2000ms)).ok);
        QueryResult result = co_await client.query("SELECT 1", 2000ms);
        EXPECT_FALSE(result.ok);
        EXPECT_EQ(result.error.rfind("malformed reply: ", 0), 0u) << result.error;
        EXPECT_FALSE(client.is_open());
      });
}

TEST(MysqlAdminClient, ServerErrorKeepsTheConnection) {
  run(after_login(frame_packet(1, std::string("\xff\x7c\x05#HY000Operation CREATE USER failed"))),
      [](AdminClient& client, tcp::endpoint endpoint) -> asio::awaitable<void> {
        EXPECT_TRUE((co_await client.connect(endpoint, "adm", "", 2000ms)).ok);
        QueryResult result = co_await client.query("CREATE USER x", 2000ms);
        EXPECT_FALSE(result.ok);
        EXPECT_EQ(result.error_code, 1404);
        EXPECT_EQ(result.error, "ERROR 1404 (HY000): Operation CREATE USER failed");
        EXPECT_TRUE(client.is_open());
      });
}

TEST(MysqlAdminClient, SilentServerTimesOut) {
  run(after_login(""), [](AdminClient& client, tcp::endpoint endpoint) -> asio::awaitable<void> {
    EXPECT_TRUE((co_await client.connect(endpoint, "adm", "", 2000ms)).ok);
    auto started = std::chrono::steady_clock::now();
    AdminResult ping = co_await client.ping(100ms);
    EXPECT_FALSE(ping.ok);
    EXPECT_EQ(ping.error, "ping timed out after 100 ms");
    EXPECT_LT(std::chrono::steady_clock::now() - started, 2s);
    EXPECT_FALSE(client.is_open());
  });
}

TEST(MysqlAdminClient, SilentGreetingTimesOut) {
  run([](tcp::socket& socket) -> asio::awaitable<void> { co_await until_hang_up(socket); },
      [](AdminClient& client, tcp::endpoint endpoint) -> asio::awaitable<void> {
        AdminResult login = co_await client.connect(endpoint, "adm", "", 100ms);
        EXPECT_FALSE(login.ok);
        EXPECT_NE(login.error.find("timed out after 100 ms"), std::string::npos) << login.error;
      });
}
