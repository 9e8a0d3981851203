// The `mariadb` engine's warm pause: mariadbd frozen in place with SIGSTOP
// once what a frozen server should not hold is dealt with:
// - its dirty pages are written out, so that a host crash while frozen
//   costs no more recovery than one while idle: the page cleaner is told
//   to flush everything at the disk's pace, then set back as it was;
// - its buffer pool's page list is dumped, for a reload after the thaw;
// - its buffer pool shrinks to the least MariaDB accepts (the chunks it
//   frees go back to the system).
// A thaw is SIGCONT and one query; the pool then grows back to the
// capacity and reloads its pages in the background while clients are in.
#include <fmt/format.h>
#include <signal.h>

#include <fstream>
#include <string>

#include "core/sleep.hpp"
#include "serverless/mariadb_engine.hpp"

namespace borealis::serverless {

namespace {

constexpr auto kQueryTimeout = std::chrono::milliseconds(5000);
constexpr auto kFlushPoll = std::chrono::milliseconds(10);
// A dump lists page numbers only: quick, or not worth waiting for.
constexpr auto kLongestDumpWait = std::chrono::milliseconds(1000);
// The page cleaner while a freeze flushes: as fast as the disk allows.
constexpr int kFlushIoCapacity = 100000;

// The resident set of `pid`, in bytes (0: not known).
std::uint64_t resident_bytes(pid_t pid) {
  std::ifstream status(fmt::format("/proc/{}/status", pid));
  std::string line;
  while (std::getline(status, line)) {
    if (!line.starts_with("VmRSS:")) continue;
    try {
      return std::stoull(line.substr(6)) * 1024;
    } catch (...) {
      return 0;
    }
  }
  return 0;
}

bool is_zero(const std::optional<std::string>& value) { return value && *value == "0"; }

}  // namespace

asio::awaitable<core::Status> MariadbEngine::run_statements(
    const std::vector<std::string>& statements) {
  if (core::Status logged_in = co_await ensure_admin(); !logged_in) co_return logged_in;
  for (const std::string& statement : statements) {
    auto result = co_await admin_->query(statement, kQueryTimeout);
    if (!result.ok) co_return core::fail(fmt::format("{}: {}", statement, result.error));
  }
  co_return core::Status();
}

// One global status variable's value (nullopt: the query failed).
asio::awaitable<std::optional<std::string>> MariadbEngine::status_value(const char* name) {
  if (!admin_ || !admin_->is_open()) co_return std::nullopt;
  const std::string show = fmt::format("SHOW GLOBAL STATUS LIKE '{}'", name);
  auto result = co_await admin_->query(show, kQueryTimeout);
  if (!result.ok || result.rows.size() != 1 || result.rows[0].size() != 2) co_return std::nullopt;
  co_return result.rows[0][1];
}

// Until no page is dirty, a client arrives, or `timeout command` passes
// (then the freeze goes on: the redo log still covers what is not
// written). The page cleaner's settings are put back in every case.
asio::awaitable<core::Status> MariadbEngine::write_out_dirty_pages(
    const std::function<bool()>& called_off) {
  if (core::Status logged_in = co_await ensure_admin(); !logged_in) co_return logged_in;
  if (flushing_settings_.empty()) {
    auto now = co_await admin_->query(
        "SELECT @@innodb_max_dirty_pages_pct, @@innodb_max_dirty_pages_pct_lwm, "
        "@@innodb_io_capacity, @@innodb_io_capacity_max",
        kQueryTimeout);
    if (!now.ok || now.rows.size() != 1 || now.rows[0].size() != 4)
      co_return core::fail("cannot read the page cleaner's settings: " + now.error);
    const auto& row = now.rows[0];
    for (const auto& value : row)
      if (!value) co_return core::fail("the page cleaner's settings are NULL");
    // In an order that keeps io_capacity <= io_capacity_max at each step.
    flushing_settings_ = {
        fmt::format("SET GLOBAL innodb_max_dirty_pages_pct = {}", *row[0]),
        fmt::format("SET GLOBAL innodb_max_dirty_pages_pct_lwm = {}", *row[1]),
        fmt::format("SET GLOBAL innodb_io_capacity = {}", *row[2]),
        fmt::format("SET GLOBAL innodb_io_capacity_max = {}", *row[3]),
    };
  }
  // (Named values: g++ 12 mishandles braced temporaries in co_await.)
  const std::vector<std::string> flush_all = {
      fmt::format("SET GLOBAL innodb_io_capacity_max = {}", kFlushIoCapacity),
      fmt::format("SET GLOBAL innodb_io_capacity = {}", kFlushIoCapacity),
      "SET GLOBAL innodb_max_dirty_pages_pct_lwm = 0.001",
      "SET GLOBAL innodb_max_dirty_pages_pct = 0",
  };
  core::Status flushing = co_await run_statements(flush_all);
  const auto deadline = std::chrono::steady_clock::now() + config_.timeout_command;
  while (flushing && !called_off() && std::chrono::steady_clock::now() < deadline) {
    auto dirty = co_await status_value("Innodb_buffer_pool_pages_dirty");
    if (!dirty) {
      flushing = core::fail("cannot read Innodb_buffer_pool_pages_dirty");
      break;
    }
    if (is_zero(dirty)) break;
    co_await core::sleep_for(kFlushPoll);
  }
  core::Status restored = co_await run_statements(flushing_settings_);
  if (!flushing) co_return flushing;
  co_return restored;
}

// A dump's status names the time it completed: a new one differs.
asio::awaitable<core::Status> MariadbEngine::dump_buffer_pool_list() {
  auto before = co_await status_value("Innodb_buffer_pool_dump_status");
  const std::vector<std::string> dump = {"SET GLOBAL innodb_buffer_pool_dump_now = ON"};
  core::Status asked = co_await run_statements(dump);
  if (!asked) co_return asked;
  const auto deadline = std::chrono::steady_clock::now() + kLongestDumpWait;
  while (std::chrono::steady_clock::now() < deadline) {
    auto status = co_await status_value("Innodb_buffer_pool_dump_status");
    if (status && status != before && status->find("completed") != std::string::npos) break;
    co_await core::sleep_for(kFlushPoll);
  }
  co_return core::Status();
}

asio::awaitable<FreezeOutcome> MariadbEngine::freeze(std::function<bool()> called_off) {
  using Kind = FreezeOutcome::Kind;
  if (!process_.running()) co_return FreezeOutcome{Kind::failed, "mariadbd is not running"};
  if (core::Status flushed = co_await write_out_dirty_pages(called_off); !flushed)
    co_return FreezeOutcome{Kind::failed, flushed.error()};
  if (called_off()) co_return FreezeOutcome{Kind::called_off, {}};
  if (core::Status dumped = co_await dump_buffer_pool_list(); !dumped)
    co_return FreezeOutcome{Kind::failed, dumped.error()};
  if (called_off()) co_return FreezeOutcome{Kind::called_off, {}};
  // From here the freeze goes ahead: a client arriving now gets a thaw.
  const std::vector<std::string> shrink = {fmt::format("SET GLOBAL innodb_buffer_pool_size = {}",
                                                       frozen_buffer_pool_bytes(config_.acu))};
  core::Status shrunk = co_await run_statements(shrink);
  if (!shrunk) co_return FreezeOutcome{Kind::failed, shrunk.error()};
  frozen_resident_bytes_ = resident_bytes(process_.pid());
  process_.send_signal(SIGSTOP);
  frozen_ = true;
  co_return FreezeOutcome{Kind::frozen, {}};
}

asio::awaitable<core::Status> MariadbEngine::thaw() {
  if (!frozen_) co_return core::Status();
  process_.send_signal(SIGCONT);
  frozen_ = false;
  // Twice: after a freeze longer than its `wait_timeout` the server closes
  // borealis's control session as soon as it runs again.
  std::string error;
  for (int attempt = 0; attempt < 2; ++attempt) {
    if (core::Status logged_in = co_await ensure_admin(); !logged_in) co_return logged_in;
    auto answer = co_await admin_->query("SELECT 1", kQueryTimeout);
    if (answer.ok) co_return core::Status();
    error = answer.error;
    admin_.reset();
  }
  co_return core::fail("mariadbd does not answer after SIGCONT: " + error);
}

asio::awaitable<core::Status> MariadbEngine::warm_up(double capacity) {
  core::Status resized = co_await resize(capacity);
  if (!resized) co_return resized;
  const std::vector<std::string> reload = {"SET GLOBAL innodb_buffer_pool_load_now = ON"};
  co_return co_await run_statements(reload);
}

// A stop of frozen compute: continued first (a stopped process does not
// act on SIGTERM), and its shutdown must not replace the dump made at the
// freeze with the shrunk pool's few pages.
asio::awaitable<core::Status> MariadbEngine::leave_frozen_state_for_stop() {
  process_.send_signal(SIGCONT);
  frozen_ = false;
  const std::vector<std::string> keep_dump = {
      "SET GLOBAL innodb_buffer_pool_dump_at_shutdown = OFF"};
  co_return co_await run_statements(keep_dump);
}

}  // namespace borealis::serverless
