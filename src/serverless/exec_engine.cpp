#include "serverless/exec_engine.hpp"

#include <fmt/format.h>

#include <asio/experimental/awaitable_operators.hpp>
#include <asio/read.hpp>
#include <asio/redirect_error.hpp>
#include <asio/steady_timer.hpp>
#include <asio/use_awaitable.hpp>
#include <cstdlib>

#include "core/sleep.hpp"
#include "mysql/health_check_protocol.hpp"
#include "mysql/packet.hpp"
#include "mysql/packet_reader.hpp"
#include "serverless/command_runner.hpp"

namespace borealis::serverless {

namespace {

using namespace asio::experimental::awaitable_operators;
constexpr auto kPollInterval = std::chrono::milliseconds(20);
constexpr auto kGreetingTimeout = std::chrono::milliseconds(1000);
constexpr auto kProbeInterval = std::chrono::seconds(2);
constexpr int kProbesBeforeDead = 3;

// Connects and reads one MySQL greeting; true when it is a real one.
asio::awaitable<bool> greets(asio::ip::tcp::endpoint target) {
  asio::ip::tcp::socket socket(co_await asio::this_coro::executor);
  asio::error_code error;
  co_await socket.async_connect(target, asio::redirect_error(asio::use_awaitable, error));
  if (error) co_return false;
  mysql::PacketRead greeting = co_await mysql::read_packet(socket, 4096);
  if (!greeting) co_return false;
  co_return mysql::parse_greeting(greeting->payload).kind == mysql::CheckReply::Kind::ok;
}

}  // namespace

ExecEngine::ExecEngine(asio::io_context& context, const config::Database& database)
    : context_(context), config_(database) {}

core::Status ExecEngine::adopt(EngineHandover handover, double capacity) {
  (void)capacity;
  if (!handover.descriptors.empty()) return core::fail("this engine takes no descriptors");
  core::Status prepared = prepare();
  running_ = prepared && handover.running;
  next_probe_ = std::chrono::steady_clock::now() + kProbeInterval;
  return prepared;
}

core::Status ExecEngine::prepare() {
  asio::error_code error;
  auto address = asio::ip::make_address(config_.address, error);
  if (error)
    return core::fail(fmt::format("database {}: address '{}' is not an IP address", config_.name,
                                  config_.address));
  endpoint_ = {address, config_.port};
  const char* temporary = std::getenv("TMPDIR");
  scratch_directory_ = temporary ? temporary : "/tmp";
  return {};
}

std::vector<std::string> ExecEngine::environment(double capacity) const {
  CapacityLimits limits = limits_for(config_.acu, capacity);
  return {fmt::format("BOREALIS_DATABASE={}", config_.name),
          fmt::format("BOREALIS_ACU={}", format_acu(capacity)),
          fmt::format("BOREALIS_MEMORY_BYTES={}", limits.buffer_pool_bytes),
          fmt::format("BOREALIS_MAX_CONNECTIONS={}", limits.max_connections),
          fmt::format("BOREALIS_CPU={}", limits.cpu_cores)};
}

asio::awaitable<core::Status> ExecEngine::run(const std::string& what, const std::string& command,
                                              double capacity) {
  // Built outside the co_await: g++ 12 rejects a braced list inside one.
  std::vector<std::string> argv(1, command);
  CommandResult result = co_await run_command(std::move(argv), config_.timeout_command,
                                              scratch_directory_, environment(capacity));
  if (result.ok) co_return core::Status();
  co_return core::fail(fmt::format("{} '{}' failed ({}); output: {}", what, command, result.error,
                                   result.output.empty() ? std::string("(none)") : result.output));
}

asio::awaitable<core::Status> ExecEngine::start(double capacity) {
  abandoned_ = false;
  reported_dead_ = false;
  failed_probes_ = 0;
  core::Status status = co_await run("start-command", config_.start_command, capacity);
  if (status) status = co_await wait_for_greeting();
  running_ = status.ok();
  next_probe_ = std::chrono::steady_clock::now() + kProbeInterval;
  co_return status;
}

std::optional<ExitStatus> ExecEngine::unexpected_exit() {
  if (!running_ || failed_probes_ < kProbesBeforeDead || reported_dead_) return std::nullopt;
  reported_dead_ = true;
  running_ = false;
  return ExitStatus{0, 0, "it stopped answering (no MySQL greeting in three probes)"};
}

asio::awaitable<core::Status> ExecEngine::wait_for_greeting() {
  auto deadline = std::chrono::steady_clock::now() + config_.timeout_command;
  while (std::chrono::steady_clock::now() < deadline) {
    if (abandoned_) co_return core::fail("start abandoned: borealis is stopping");
    asio::steady_timer limit(context_, kGreetingTimeout);
    auto outcome = co_await (greets(endpoint_) || limit.async_wait(asio::use_awaitable));
    if (outcome.index() == 0 && std::get<0>(outcome)) co_return core::Status();
    co_await core::sleep_for(kPollInterval);
  }
  std::string where = endpoint_.address().to_string() + ":" + std::to_string(endpoint_.port());
  co_return core::fail(fmt::format("no MySQL greeting at {} within {} ms of start-command", where,
                                   config_.timeout_command.count()));
}

asio::awaitable<core::Status> ExecEngine::stop() {
  running_ = false;
  co_return co_await run("stop-command", config_.stop_command, 0);
}

asio::awaitable<core::Status> ExecEngine::resize(double capacity) {
  if (config_.scale_command.empty()) co_return core::Status();
  co_return co_await run("scale-command", config_.scale_command, capacity);
}

asio::awaitable<std::optional<LoadSample>> ExecEngine::sample(double, double) {
  // The liveness probe rides on the runtime's sampling tick.
  auto now = std::chrono::steady_clock::now();
  if (running_ && now >= next_probe_) {
    next_probe_ = now + kProbeInterval;
    asio::steady_timer limit(context_, kGreetingTimeout);
    auto outcome = co_await (greets(endpoint_) || limit.async_wait(asio::use_awaitable));
    bool alive = outcome.index() == 0 && std::get<0>(outcome);
    failed_probes_ = alive ? 0 : failed_probes_ + 1;
  }
  co_return std::nullopt;  // compute elsewhere: the gateway's own counts drive scaling
}

}  // namespace borealis::serverless
