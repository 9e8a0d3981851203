#include "serverless/mariadb_engine.hpp"

#include <fcntl.h>
#include <openssl/rand.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fmt/format.h>
#include <fstream>
#include <sstream>

#include "logging/stderr_notice.hpp"
#include "core/sleep.hpp"
#include "serverless/command_runner.hpp"

namespace borealis::serverless {

namespace {

constexpr const char* kAdminUser = "borealis_admin";
constexpr auto kPollInterval = std::chrono::milliseconds(5);
constexpr auto kLoginTimeout = std::chrono::milliseconds(500);
constexpr auto kQueryTimeout = std::chrono::milliseconds(5000);

std::uint16_t free_loopback_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof(address);
  std::uint16_t port = 0;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&address), length) == 0 &&
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) == 0)
    port = ntohs(address.sin_port);
  ::close(fd);
  return port;
}

std::string random_password() {
  unsigned char bytes[18];
  if (RAND_bytes(bytes, sizeof(bytes)) != 1) return {};
  std::string text;
  for (unsigned char byte : bytes) text += fmt::format("{:02x}", byte);
  return text;
}

std::string read_all(const std::string& path) {
  std::ifstream file(path);
  std::stringstream text;
  text << file.rdbuf();
  return text.str();
}

double process_cpu_seconds(pid_t pid) {
  std::string stat = read_all(fmt::format("/proc/{}/stat", pid));
  auto end_of_name = stat.rfind(')');
  if (end_of_name == std::string::npos) return -1;
  std::istringstream fields(stat.substr(end_of_name + 2));
  std::string field;
  unsigned long long user = 0, system = 0;
  for (int index = 3; fields >> field; ++index) {
    if (index == 14) user = std::stoull(field);
    if (index == 15) {
      system = std::stoull(field);
      break;
    }
  }
  return static_cast<double>(user + system) / static_cast<double>(::sysconf(_SC_CLK_TCK));
}

std::uint64_t as_number(const std::map<std::string, std::string, std::less<>>& values,
                        const char* name) {
  auto found = values.find(name);
  if (found == values.end()) return 0;
  try {
    return std::stoull(found->second);
  } catch (...) {
    return 0;
  }
}

}  // namespace

MariadbEngine::MariadbEngine(asio::io_context& context, const config::Database& database)
    : context_(context), config_(database) {}

MariadbEngine::~MariadbEngine() {
  if (lock_fd_ < 0) return;
  // A clean exit leaves an empty lock file: only a crash leaves a pid behind.
  (void)!::ftruncate(lock_fd_, 0);
  ::close(lock_fd_);
}

std::string MariadbEngine::path(const std::string& file) const {
  return config_.datadir + "/" + file;
}

std::string MariadbEngine::prepare() {
  std::error_code error;
  std::filesystem::create_directories(config_.datadir, error);
  if (error)
    return fmt::format("database {}: cannot create data directory '{}': {}", config_.name,
                       config_.datadir, error.message());
  if (::access(config_.datadir.c_str(), W_OK) != 0)
    return fmt::format("database {}: data directory '{}' is not writable: {}", config_.name,
                       config_.datadir, std::strerror(errno));
  if (::access(config_.mariadbd.c_str(), X_OK) != 0)
    return fmt::format("database {}: cannot run mariadbd '{}': {}", config_.name,
                       config_.mariadbd, std::strerror(errno));
  if (auto locked = lock_directory(); !locked.empty()) return locked;
  admin_password_ = load_or_create_password("borealis-admin.password");
  user_password_ = load_or_create_password(fmt::format("borealis-{}.password", config_.user));
  if (admin_password_.empty() || user_password_.empty())
    return fmt::format("database {}: cannot keep passwords in '{}'", config_.name,
                       config_.datadir);
  port_ = free_loopback_port();
  if (port_ == 0) return fmt::format("database {}: no free loopback port", config_.name);
  if (auto reason = cpu_limit_.setup(config_.name); !reason.empty())
    logging::notice(logging::Severity::warning,
                    fmt::format("database {}: CPU limit not enforced: {}", config_.name, reason));
  return {};
}

// flock is released by the kernel when its holder dies, so a lock left by a
// crashed borealis never blocks the next one; the pid in the file names a
// live holder in the error message.
std::string MariadbEngine::lock_directory() {
  std::string lock_path = path("borealis.lock");
  lock_fd_ = ::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (lock_fd_ < 0)
    return fmt::format("database {}: cannot open '{}': {}", config_.name, lock_path,
                       std::strerror(errno));
  if (::flock(lock_fd_, LOCK_EX | LOCK_NB) != 0) {
    std::string holder = read_all(lock_path);
    while (!holder.empty() && (holder.back() == '\n' || holder.back() == ' ')) holder.pop_back();
    return fmt::format("database {}: data directory '{}' is in use by another borealis (pid {})",
                       config_.name, config_.datadir, holder.empty() ? "unknown" : holder);
  }
  std::string previous = read_all(lock_path);
  if (!previous.empty())
    logging::notice(logging::Severity::notice,
                    fmt::format("database {}: taking over the lock of pid {} that is gone",
                                config_.name, previous.substr(0, previous.find('\n'))));
  std::string pid = fmt::format("{}\n", ::getpid());
  (void)!::ftruncate(lock_fd_, 0);
  (void)!::pwrite(lock_fd_, pid.data(), pid.size(), 0);
  return {};
}

std::string MariadbEngine::load_or_create_password(const std::string& file) {
  std::string password_path = path(file);
  std::string existing = read_all(password_path);
  while (!existing.empty() && (existing.back() == '\n' || existing.back() == '\r'))
    existing.pop_back();
  if (!existing.empty()) return existing;
  std::string password = random_password();
  int fd = ::open(password_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return {};
  std::string line = password + "\n";
  bool written = ::write(fd, line.data(), line.size()) == static_cast<ssize_t>(line.size());
  ::close(fd);
  return written ? password : std::string();
}

// Run by mariadbd at every start, so the admin credentials always match the
// file; the application user is created once and then left to its owner.
std::string MariadbEngine::write_init_file() const {
  std::string sql = fmt::format(
      "CREATE USER IF NOT EXISTS '{0}'@'127.0.0.1' IDENTIFIED BY '{1}';\n"
      "ALTER USER '{0}'@'127.0.0.1' IDENTIFIED BY '{1}';\n"
      "GRANT ALL PRIVILEGES ON *.* TO '{0}'@'127.0.0.1' WITH GRANT OPTION;\n"
      "CREATE USER IF NOT EXISTS '{2}'@'%' IDENTIFIED BY '{3}';\n"
      "GRANT ALL PRIVILEGES ON *.* TO '{2}'@'%';\n"
      "CREATE DATABASE IF NOT EXISTS `{4}`;\n",
      kAdminUser, admin_password_, config_.user, user_password_, config_.name);
  std::string init_path = path("borealis-init.sql");
  int fd = ::open(init_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return {};
  bool written = ::write(fd, sql.data(), sql.size()) == static_cast<ssize_t>(sql.size());
  ::close(fd);
  return written ? init_path : std::string();
}

std::vector<std::string> MariadbEngine::server_arguments(double capacity) const {
  CapacityLimits limits = limits_for(config_.acu, capacity);
  std::vector<std::string> arguments = {
      config_.mariadbd,
      "--no-defaults",
      "--datadir=" + config_.datadir,
      "--bind-address=127.0.0.1",
      fmt::format("--port={}", port_),
      "--socket=" + path("borealis-mariadbd.sock"),
      "--pid-file=" + path("borealis-mariadbd.pid"),
      "--log-error=" + path("borealis-mariadbd.err"),
      "--skip-name-resolve",
      // MyISAM's key cache and Aria's page cache are zeroed at every start
      // (128 MiB each by default): most of a start's CPU time, for engines
      // that only hold system tables here. `mariadbd-option` can raise them.
      "--key-buffer-size=1M",
      "--aria-pagecache-buffer-size=8M",
      "--innodb-temp-data-file-path=ibtmp1:1M:autoextend",
      "--innodb-buffer-pool-dump-at-shutdown=ON",
      "--innodb-buffer-pool-load-at-startup=ON",
      fmt::format("--innodb-buffer-pool-chunk-size={}", buffer_pool_chunk_bytes(config_.acu)),
      fmt::format("--innodb-buffer-pool-size={}", limits.buffer_pool_bytes),
      fmt::format("--max-connections={}", limits.max_connections),
  };
  // Users are created or synced on the first start of this borealis; later
  // resumes skip it, which saves a tenth of the start time.
  if (!users_synced_) arguments.push_back("--init-file=" + path("borealis-init.sql"));
  if (::geteuid() == 0) arguments.push_back("--user=root");
  arguments.insert(arguments.end(), config_.mariadbd_options.begin(),
                   config_.mariadbd_options.end());
  return arguments;
}

asio::awaitable<std::string> MariadbEngine::initialise() {
  if (std::filesystem::exists(path("mysql"))) co_return std::string();
  logging::notice(logging::Severity::notice,
                  fmt::format("database {}: initialising data directory {}", config_.name,
                              config_.datadir));
  std::vector<std::string> command = {"mariadb-install-db", "--no-defaults",
                                      "--datadir=" + config_.datadir, "--skip-test-db",
                                      "--auth-root-authentication-method=socket",
                                      // Its own tmpdir: bootstraps sharing /tmp collide.
                                      "--tmpdir=" + config_.datadir};
  if (::geteuid() == 0) command.push_back("--user=root");
  CommandResult result = co_await run_command(command, config_.timeout_command, config_.datadir);
  if (!result.ok)
    co_return fmt::format("mariadb-install-db failed ({}): {}", result.error, result.output);
  co_return std::string();
}

asio::awaitable<std::string> MariadbEngine::start(double capacity) {
  std::string error = co_await initialise();
  if (!error.empty()) co_return error;
  if (!users_synced_ && write_init_file().empty()) co_return "cannot write the init file";
  last_cpu_seconds_ = -1;
  error = process_.start(server_arguments(capacity), path("borealis-mariadbd.log"));
  if (!error.empty()) co_return error;
  // Starting is not throttled: a resume should cost what mariadbd's own start
  // costs. The capacity's CPU share applies once it answers.
  if (cpu_limit_.enforced()) {
    cpu_limit_.add_process(process_.pid());
    cpu_limit_.set_unlimited();
  }
  error = co_await wait_until_ready();
  if (error.empty() && cpu_limit_.enforced())
    cpu_limit_.set_cores(limits_for(config_.acu, capacity).cpu_cores);
  co_return error;
}

asio::awaitable<std::string> MariadbEngine::wait_until_ready() {
  auto deadline = std::chrono::steady_clock::now() + config_.timeout_command;
  auto target = endpoint();
  std::string last_error;
  while (std::chrono::steady_clock::now() < deadline) {
    if (auto exit = process_.poll_exit())
      co_return fmt::format("mariadbd exited during startup ({}): {}", exit->describe(),
                            recent_server_log());
    auto client = std::make_unique<mysql::AdminClient>(context_.get_executor());
    auto login = co_await client->connect(target, kAdminUser, admin_password_, kLoginTimeout);
    if (login.ok) {
      admin_ = std::move(client);
      users_synced_ = true;
      co_return std::string();
    }
    last_error = login.error;
    co_await core::sleep_for(kPollInterval);
  }
  process_.send_signal(SIGKILL);
  co_return fmt::format("mariadbd not ready after {} ms (last login attempt: {})",
                        config_.timeout_command.count(), last_error);
}

asio::awaitable<std::string> MariadbEngine::stop() {
  if (admin_) admin_->close();
  admin_.reset();
  if (!process_.running()) co_return std::string();
  process_.send_signal(SIGTERM);
  auto deadline = std::chrono::steady_clock::now() + config_.timeout_command;
  while (std::chrono::steady_clock::now() < deadline) {
    if (auto exit = process_.poll_exit()) {
      if (exit->signal != 0 || exit->code != 0)
        co_return fmt::format("mariadbd stopped with {}", exit->describe());
      co_return std::string();
    }
    co_await core::sleep_for(kPollInterval);
  }
  process_.send_signal(SIGKILL);
  while (!process_.poll_exit()) co_await core::sleep_for(kPollInterval);
  co_return fmt::format("mariadbd did not stop within {} ms and was killed",
                        config_.timeout_command.count());
}

asio::awaitable<std::string> MariadbEngine::resize(double capacity) {
  if (!admin_ || !admin_->is_open()) {
    auto client = std::make_unique<mysql::AdminClient>(context_.get_executor());
    auto login = co_await client->connect(endpoint(), kAdminUser, admin_password_, kLoginTimeout);
    if (!login.ok) co_return "cannot log in to resize: " + login.error;
    admin_ = std::move(client);
  }
  CapacityLimits limits = limits_for(config_.acu, capacity);
  for (const std::string& statement :
       {fmt::format("SET GLOBAL innodb_buffer_pool_size = {}", limits.buffer_pool_bytes),
        fmt::format("SET GLOBAL max_connections = {}", limits.max_connections)}) {
    auto result = co_await admin_->query(statement, kQueryTimeout);
    if (!result.ok) co_return fmt::format("{}: {}", statement, result.error);
  }
  if (cpu_limit_.enforced()) cpu_limit_.set_cores(limits.cpu_cores);
  co_return std::string();
}

asio::awaitable<std::optional<LoadSample>> MariadbEngine::sample(double capacity, double seconds) {
  if (!process_.running() || !admin_ || !admin_->is_open()) co_return std::nullopt;
  auto status = co_await admin_->query(
      "SHOW GLOBAL STATUS WHERE Variable_name IN ('Threads_running', 'Threads_connected', "
      "'Innodb_buffer_pool_reads', 'Innodb_buffer_pool_read_requests')",
      kQueryTimeout);
  if (!status.ok) co_return std::nullopt;
  auto values = mysql::name_value_map(status);
  LoadSample load;
  CapacityLimits limits = limits_for(config_.acu, capacity);
  double cpu = process_cpu_seconds(process_.pid());
  if (last_cpu_seconds_ >= 0 && cpu >= 0 && seconds > 0)
    load.cpu_share_used = (cpu - last_cpu_seconds_) / seconds / limits.cpu_cores;
  last_cpu_seconds_ = cpu;
  // The sampling session itself is running and connected: not load.
  load.threads_running = static_cast<int>(as_number(values, "Threads_running")) - 1;
  load.connections = static_cast<int>(as_number(values, "Threads_connected")) - 1;
  load.max_connections = limits.max_connections;
  std::uint64_t reads = as_number(values, "Innodb_buffer_pool_reads");
  std::uint64_t requests = as_number(values, "Innodb_buffer_pool_read_requests");
  if (last_requests_ > 0 && requests > last_requests_) {
    load.buffer_pool_requests = requests - last_requests_;
    load.buffer_pool_miss_ratio =
        static_cast<double>(reads - last_reads_) / static_cast<double>(load.buffer_pool_requests);
  }
  last_reads_ = reads;
  last_requests_ = requests;
  co_return load;
}

std::optional<ExitStatus> MariadbEngine::unexpected_exit() {
  auto exit = process_.poll_exit();
  if (exit) admin_.reset();
  return exit;
}

asio::ip::tcp::endpoint MariadbEngine::endpoint() const {
  return {asio::ip::address_v4::loopback(), port_};
}

std::string MariadbEngine::credentials_hint() const {
  return fmt::format("user '{}', password in {}", config_.user,
                     path(fmt::format("borealis-{}.password", config_.user)));
}

std::string MariadbEngine::recent_server_log() const {
  std::string log = read_all(path("borealis-mariadbd.err"));
  if (log.size() > 1500) log = log.substr(log.size() - 1500);
  return log;
}

}  // namespace borealis::serverless
