#include "serverless/mariadb_engine.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <netinet/in.h>
#include <openssl/rand.h>
#include <pwd.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/sleep.hpp"
#include "core/status.hpp"
#include "logging/stderr_notice.hpp"
#include "serverless/command_runner.hpp"

namespace borealis::serverless {

namespace {

constexpr auto kPollInterval = std::chrono::milliseconds(5);
constexpr auto kLoginTimeout = std::chrono::milliseconds(500);
constexpr auto kQueryTimeout = std::chrono::milliseconds(5000);

// borealis's own files in the data directory: never mariadbd's, never
// removed when an interrupted initialisation is cleaned up.
constexpr const char* kLockFile = "borealis.lock";
constexpr const char* kControlSocket = "borealis-control.sock";
constexpr const char* kInitialisingMarker = "borealis-initialising";
constexpr const char* kInitialisedMarker = "borealis-initialised";
constexpr const char* kInitFile = "borealis-init.sql";
// The account borealis last made for itself (when it runs as another OS
// account than root, whose account mariadb-install-db makes).
constexpr const char* kControlAccountFile = "borealis-control-account";
constexpr const char* kPidFile = "borealis-mariadbd.pid";
constexpr const char* kErrorLog = "borealis-mariadbd.err";
constexpr const char* kOutputLog = "borealis-mariadbd.log";
constexpr const char* kFilesDirectory = "borealis-files";
// The accounts' password hashes, for logins checked while compute is paused.
constexpr const char* kAccountsFile = "borealis-accounts";

bool is_borealis_file(const std::string& name) { return name.starts_with("borealis"); }

// Files only borealis reads: they keep borealis's ownership.
bool is_private_file(const std::string& name) {
  return name == kLockFile || name == kControlSocket || name == kAccountsFile ||
         name.ends_with(".password");
}

std::string random_password() {
  unsigned char bytes[18];
  if (RAND_bytes(bytes, sizeof(bytes)) != 1) return {};
  std::string text;
  for (unsigned char byte : bytes) text += fmt::format("{:02x}", byte);
  return text;
}

// Reads a file whole, never through a link: the data directory belongs to
// the engine's account, which must not make borealis (maybe root) read a
// host file into a password, an init file or its own log.
std::string read_all(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0) return {};
  std::string text;
  char chunk[4096];
  ssize_t n = 0;
  while ((n = ::read(fd, chunk, sizeof(chunk))) > 0)
    text.append(chunk, static_cast<std::size_t>(n));
  ::close(fd);
  return text;
}

std::string first_line(std::string text) {
  auto end = text.find('\n');
  if (end != std::string::npos) text.resize(end);
  return text;
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

// The first directory above `path` that `identity` may not enter, or empty.
std::string unreachable_parent(const Identity& identity, const std::filesystem::path& path) {
  std::filesystem::path walked;
  for (const auto& part : std::filesystem::absolute(path).parent_path()) {
    walked /= part;
    struct stat info {};
    if (::stat(walked.c_str(), &info) != 0) break;
    bool may_enter = (info.st_uid == identity.uid && (info.st_mode & S_IXUSR)) ||
                     (info.st_gid == identity.gid && (info.st_mode & S_IXGRP)) ||
                     (info.st_mode & S_IXOTH);
    if (!may_enter) return walked.string();
  }
  return {};
}

// Writes a file of borealis's in the data directory, which the engine's
// account owns: never through a link it may have put there (O_NOFOLLOW),
// as borealis may be root.
bool write_private_file(const std::string& path, const std::string& text) {
  ::unlink(path.c_str());
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0) return false;
  bool written = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
  ::close(fd);
  return written;
}

// A process that is mariadbd serving `datadir` (a leftover of a killed borealis).
bool is_engine_on(pid_t pid, const std::string& datadir) {
  std::string command_line = read_all(fmt::format("/proc/{}/cmdline", pid));
  if (command_line.find("mariadbd") == std::string::npos &&
      command_line.find("mysqld") == std::string::npos)
    return false;
  std::string wanted = "--datadir=" + datadir;
  for (std::size_t start = 0; start < command_line.size();) {
    std::size_t end = command_line.find('\0', start);
    if (end == std::string::npos) end = command_line.size();
    if (command_line.compare(start, end - start, wanted) == 0) return true;
    start = end + 1;
  }
  return false;
}

}  // namespace

MariadbEngine::MariadbEngine(asio::io_context& context, const config::Database& database,
                             std::string gateway_user)
    : context_(context), config_(database), gateway_user_(std::move(gateway_user)) {}

MariadbEngine::~MariadbEngine() {
  if (client_listener_ >= 0) ::close(client_listener_);
  if (control_listener_ >= 0) {
    ::close(control_listener_);
    ::unlink(path(kControlSocket).c_str());
  }
  if (lock_fd_ < 0) return;
  // A clean exit leaves an empty lock file: only a crash leaves a pid behind.
  (void)!::ftruncate(lock_fd_, 0);
  ::close(lock_fd_);
}

std::string MariadbEngine::path(const std::string& file) const {
  return config_.datadir + "/" + file;
}

core::Status MariadbEngine::prepare() {
  for (auto step : {&MariadbEngine::choose_identity, &MariadbEngine::own_data_directory,
                    &MariadbEngine::lock_directory}) {
    if (core::Status step_status = (this->*step)(); !step_status)
      return core::fail(fmt::format("database {}: {}", config_.name, step_status.error()));
  }
  if (::access(config_.mariadbd.c_str(), X_OK) != 0)
    return core::fail(fmt::format("database {}: cannot run mariadbd '{}': {}", config_.name,
                                  config_.mariadbd, std::strerror(errno)));
  stop_leftover_engine();
  for (auto step : {&MariadbEngine::open_client_listener, &MariadbEngine::open_control_socket,
                    &MariadbEngine::read_own_files}) {
    if (core::Status step_status = (this->*step)(); !step_status)
      return core::fail(fmt::format("database {}: {}", config_.name, step_status.error()));
  }
  if (auto reason = cpu_limit_.setup(config_.name); !reason.empty())
    logging::notice(logging::Severity::warning,
                    fmt::format("database {}: CPU limit not enforced: {}", config_.name, reason));
  return {};
}

// borealis's files in the data directory: the application account's
// password, whether accounts were made, the accounts kept for logins
// while paused.
core::Status MariadbEngine::read_own_files() {
  user_password_ = load_or_create_password(fmt::format("borealis-{}.password", config_.user));
  if (user_password_.empty())
    return core::fail(fmt::format("cannot keep passwords in '{}'", config_.datadir));
  initialised_ = std::filesystem::exists(path(kInitialisedMarker));
  load_saved_accounts();
  return {};
}

// As root, mariadbd runs as an unprivileged account; borealis's account
// inside it is named after the account borealis itself runs as.
core::Status MariadbEngine::choose_identity() {
  if (::geteuid() != 0) {
    passwd* self = ::getpwuid(::geteuid());
    if (!self) return core::fail("cannot name the account borealis runs as");
    control_user_ = self->pw_name;
    return {};
  }
  control_user_ = gateway_user_.empty() ? "root" : gateway_user_;
  std::string account = !config_.system_user.empty() ? config_.system_user
                        : !gateway_user_.empty()     ? gateway_user_
                                                     : "mysql";
  if (!gateway_user_.empty() && account != gateway_user_)
    return core::fail(
        fmt::format("system-user '{}' differs from global user '{}': once borealis drops its "
                    "privileges it can only supervise a mariadbd of its own account",
                    account, gateway_user_));
  passwd* entry = ::getpwnam(account.c_str());
  if (!entry)
    return core::fail(
        fmt::format("account '{}' does not exist (mariadbd never runs as root; install "
                    "mariadb-server, which creates 'mysql', or name one with system-user)",
                    account));
  if (entry->pw_uid == 0)
    return core::fail(fmt::format("account '{}' is root: mariadbd never runs as root", account));
  identity_ = Identity{entry->pw_uid, entry->pw_gid, account};
  return {};
}

// The engine's account owns the data directory (and everything in it but
// borealis's own files, which stay private to borealis).
core::Status MariadbEngine::own_data_directory() {
  std::error_code error;
  std::filesystem::create_directories(config_.datadir, error);
  if (error)
    return core::fail(
        fmt::format("cannot create data directory '{}': {}", config_.datadir, error.message()));
  // As root only a read-only mount refuses a write: say so plainly.
  if (::access(config_.datadir.c_str(), W_OK) != 0)
    return core::fail(fmt::format("data directory '{}' is not writable: {}", config_.datadir,
                                  std::strerror(errno)));
  if (!identity_) return {};
  if (auto blocked = unreachable_parent(*identity_, config_.datadir); !blocked.empty())
    return core::fail(
        fmt::format("account '{}' cannot enter '{}' on the way to data directory '{}' (give it "
                    "search permission, e.g. chmod o+x, or choose another datadir)",
                    identity_->name, blocked, config_.datadir));
  struct stat info {};
  if (::stat(config_.datadir.c_str(), &info) != 0)
    return core::fail(
        fmt::format("cannot read data directory '{}': {}", config_.datadir, std::strerror(errno)));
  if (info.st_uid != identity_->uid) {
    // A directory made by an earlier borealis that ran mariadbd as root, or
    // a new one: hand it over.
    for (auto it = std::filesystem::recursive_directory_iterator(config_.datadir, error);
         !error && it != std::filesystem::recursive_directory_iterator(); it.increment(error)) {
      if (it.depth() == 0 && is_private_file(it->path().filename().string())) continue;
      (void)!::lchown(it->path().c_str(), identity_->uid, identity_->gid);
    }
  }
  if (::chown(config_.datadir.c_str(), identity_->uid, identity_->gid) != 0 ||
      ::chmod(config_.datadir.c_str(), 0750) != 0)
    return core::fail(fmt::format("cannot give data directory '{}' to account '{}': {}",
                                  config_.datadir, identity_->name, std::strerror(errno)));
  return {};
}

// flock is released by the kernel when its holder dies, so a lock left by a
// crashed borealis never blocks the next one; the pid in the file names a
// live holder in the error message.
core::Status MariadbEngine::lock_directory() {
  std::string lock_path = path(kLockFile);
  lock_fd_ = ::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (lock_fd_ < 0)
    return core::fail(fmt::format("cannot open '{}': {}", lock_path, std::strerror(errno)));
  if (::flock(lock_fd_, LOCK_EX | LOCK_NB) != 0) {
    std::string holder = first_line(read_all(lock_path));
    return core::fail(fmt::format("data directory '{}' is in use by another borealis (pid {})",
                                  config_.datadir, holder.empty() ? "unknown" : holder));
  }
  std::string previous = first_line(read_all(lock_path));
  if (!previous.empty())
    logging::notice(logging::Severity::notice,
                    fmt::format("database {}: taking over the lock of pid {} that is gone",
                                config_.name, previous));
  write_lock_owner();
  return {};
}

// The pid in the lock file names its holder in another borealis's error.
void MariadbEngine::write_lock_owner() {
  std::string pid = fmt::format("{}\n", ::getpid());
  (void)!::ftruncate(lock_fd_, 0);
  (void)!::pwrite(lock_fd_, pid.data(), pid.size(), 0);
}

// A borealis killed with SIGKILL before this one may have left its mariadbd
// running (it gets SIGTERM from the kernel, but may still be shutting
// down): wait for it, and stop it if it is still there.
void MariadbEngine::stop_leftover_engine() {
  std::string text = first_line(read_all(path(kPidFile)));
  pid_t pid = 0;
  try {
    pid = text.empty() ? 0 : static_cast<pid_t>(std::stol(text));
  } catch (...) {
    return;
  }
  if (pid <= 0 || !is_engine_on(pid, config_.datadir)) return;
  logging::notice(logging::Severity::warning,
                  fmt::format("database {}: a mariadbd (pid {}) left by an earlier borealis is "
                              "still running on {}; stopping it cleanly",
                              config_.name, pid, config_.datadir));
  ::kill(pid, SIGTERM);
  ::kill(pid, SIGCONT);  // it may have been left frozen (a warm pause)
  auto deadline = std::chrono::steady_clock::now() + config_.timeout_command;
  while (is_engine_on(pid, config_.datadir)) {
    if (std::chrono::steady_clock::now() >= deadline) {
      ::kill(pid, SIGKILL);
      deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    }
    ::usleep(5000);
  }
}

std::string MariadbEngine::load_or_create_password(const std::string& file) {
  std::string password_path = path(file);
  std::string existing = first_line(read_all(password_path));
  while (!existing.empty() && existing.back() == '\r') existing.pop_back();
  if (!existing.empty()) return existing;
  std::string password = random_password();
  int fd =
      ::open(password_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0) return {};
  std::string line = password + "\n";
  bool written = ::write(fd, line.data(), line.size()) == static_cast<ssize_t>(line.size());
  ::close(fd);
  return written ? password : std::string();
}

// Client traffic goes to a loopback port that borealis binds once and keeps:
// while the database is paused nobody else can take it.
core::Status MariadbEngine::open_client_listener() {
  client_listener_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (client_listener_ < 0)
    return core::fail(fmt::format("cannot open a socket: {}", std::strerror(errno)));
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof(address);
  if (::bind(client_listener_, reinterpret_cast<sockaddr*>(&address), length) != 0 ||
      ::listen(client_listener_, SOMAXCONN) != 0 ||
      ::getsockname(client_listener_, reinterpret_cast<sockaddr*>(&address), &length) != 0)
    return core::fail(fmt::format("cannot listen on a loopback port: {}", std::strerror(errno)));
  client_endpoint_ = {asio::ip::address_v4::loopback(), ntohs(address.sin_port)};
  return {};
}

// The control channel: a unix socket only borealis's account may connect to.
core::Status MariadbEngine::open_control_socket() {
  std::string socket_path = path(kControlSocket);
  sockaddr_un address{};
  if (socket_path.size() >= sizeof(address.sun_path))
    return core::fail(
        fmt::format("data directory path is too long for its control socket '{}' (at most {} "
                    "characters)",
                    socket_path, sizeof(address.sun_path) - 1));
  address.sun_family = AF_UNIX;
  std::memcpy(address.sun_path, socket_path.c_str(), socket_path.size() + 1);
  ::unlink(socket_path.c_str());
  control_listener_ = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  mode_t previous_mask = ::umask(0177);  // created 0600: no window where others may connect
  int bound = ::bind(control_listener_, reinterpret_cast<sockaddr*>(&address), sizeof(address));
  ::umask(previous_mask);
  if (bound != 0 || ::listen(control_listener_, 16) != 0)
    return core::fail(
        fmt::format("cannot listen on control socket '{}': {}", socket_path, std::strerror(errno)));
  if (!gateway_user_.empty() && ::geteuid() == 0) {
    passwd* entry = ::getpwnam(gateway_user_.c_str());
    if (entry) (void)!::chown(socket_path.c_str(), entry->pw_uid, entry->pw_gid);
  }
  return {};
}

// borealis's own account is made when it is missing: a data directory
// initialised by a borealis running as root, used by one that drops to
// another account.
bool MariadbEngine::control_account_missing() const {
  if (control_user_ == "root") return false;
  return first_line(read_all(path(kControlAccountFile))) != control_user_;
}

bool MariadbEngine::needs_init_file() const { return !initialised_ || control_account_missing(); }

// Run by mariadbd only at the start that needs it: the first one (the
// application account gets every privilege on its schemas, `NAME` and
// `NAME_*`, and nothing global), or the first one that lacks borealis's own
// account. Accounts are then left to their owner.
std::string MariadbEngine::write_init_file() const {
  std::string sql;
  if (!initialised_)
    sql = fmt::format(
        "CREATE USER IF NOT EXISTS '{0}'@'%' IDENTIFIED BY '{1}';\n"
        "CREATE DATABASE IF NOT EXISTS `{2}`;\n"
        "GRANT ALL PRIVILEGES ON `{2}`.* TO '{0}'@'%';\n"
        "GRANT ALL PRIVILEGES ON `{2}\\_%`.* TO '{0}'@'%';\n",
        config_.user, user_password_, config_.name);
  if (control_user_ != "root")
    sql += fmt::format(
        "CREATE USER IF NOT EXISTS '{0}'@'localhost' IDENTIFIED VIA unix_socket;\n"
        "GRANT ALL PRIVILEGES ON *.* TO '{0}'@'localhost' WITH GRANT OPTION;\n",
        control_user_);
  std::string init_path = path(kInitFile);
  int fd = ::open(init_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0) return {};
  bool written = ::write(fd, sql.data(), sql.size()) == static_cast<ssize_t>(sql.size());
  if (identity_) (void)!::fchown(fd, identity_->uid, identity_->gid);
  ::close(fd);
  return written ? init_path : std::string();
}

std::vector<std::string> MariadbEngine::server_arguments(double capacity) const {
  CapacityLimits limits = limits_for(config_.acu, capacity);
  std::vector<std::string> arguments = {
      config_.mariadbd,
      "--no-defaults",
      "--datadir=" + config_.datadir,
      // Both sockets are handed over already listening (socket activation);
      // these name them for mariadbd's own messages.
      "--bind-address=127.0.0.1",
      fmt::format("--port={}", client_endpoint_.port()),
      "--socket=" + path(kControlSocket),
      "--pid-file=" + path(kPidFile),
      "--log-error=" + path(kErrorLog),
      "--skip-name-resolve",
      // LOAD DATA INFILE / SELECT INTO OUTFILE need FILE, which no client
      // account has; even so, the server's own reach stays in one directory.
      "--secure-file-priv=" + path(kFilesDirectory),
      // MyISAM's key cache and Aria's page cache are zeroed at every start
      // (128 MiB each by default): most of a start's CPU time, for engines
      // that only hold system tables here. `mariadbd-option` can raise them.
      "--key-buffer-size=1M",
      "--aria-pagecache-buffer-size=8M",
      "--innodb-temp-data-file-path=ibtmp1:1M:autoextend",
      // The redo log buffer is allocated, touched and filled from the log
      // file (direct I/O) at every start: at the default 16 MiB, about a
      // fifth of a start. A smaller one only means more, smaller log writes
      // for transactions larger than it; what is durable stays the same.
      "--innodb-log-buffer-size=2M",
      "--innodb-buffer-pool-dump-at-shutdown=ON",
      "--innodb-buffer-pool-load-at-startup=ON",
      fmt::format("--innodb-buffer-pool-chunk-size={}", buffer_pool_chunk_bytes(config_.acu)),
      fmt::format("--innodb-buffer-pool-size={}", limits.buffer_pool_bytes),
      fmt::format("--max-connections={}", limits.max_connections),
      // Session continuity (`mode mysql`) rebuilds a session on a new
      // connection from what these trackers report in OK packets, to
      // clients that ask for CLIENT_SESSION_TRACK (docs/session-continuity.md).
      "--session-track-schema=ON",
      "--session-track-system-variables=*",
      "--session-track-state-change=ON",
      "--session-track-transaction-info=CHARACTERISTICS",
  };
  if (needs_init_file()) arguments.push_back("--init-file=" + path(kInitFile));
  arguments.insert(arguments.end(), config_.mariadbd_options.begin(),
                   config_.mariadbd_options.end());
  return arguments;
}

// Initialisation is atomic: a marker says it is under way, and only a first
// start that ran the accounts' SQL removes it. A directory still marked was
// interrupted: what it holds besides borealis's own files is removed and
// made again. A directory with a `mysql` schema and no marker is adopted as
// it is (an existing MariaDB data directory).
asio::awaitable<core::Status> MariadbEngine::initialise() {
  if (initialised_) co_return core::Status();
  std::error_code error;
  bool interrupted = std::filesystem::exists(path(kInitialisingMarker));
  if (!interrupted && std::filesystem::exists(path("mysql"))) {
    initialised_ = true;
    co_return core::Status();
  }
  if (interrupted) {
    logging::notice(logging::Severity::warning,
                    fmt::format("database {}: the initialisation of {} was interrupted; starting "
                                "it again",
                                config_.name, config_.datadir));
    for (const auto& entry : std::filesystem::directory_iterator(config_.datadir, error))
      if (!is_borealis_file(entry.path().filename().string()))
        std::filesystem::remove_all(entry.path(), error);
  }
  if (std::string marker = path(kInitialisingMarker);
      !write_private_file(marker, "initialisation under way\n"))
    co_return core::fail("cannot write " + marker);
  logging::notice(
      logging::Severity::notice,
      fmt::format("database {}: initialising data directory {}", config_.name, config_.datadir));
  std::vector<std::string> command = {"mariadb-install-db", "--no-defaults",
                                      "--datadir=" + config_.datadir, "--skip-test-db",
                                      "--auth-root-authentication-method=socket",
                                      // Its own tmpdir: bootstraps sharing /tmp collide.
                                      "--tmpdir=" + config_.datadir};
  CommandResult result =
      co_await run_command(command, config_.timeout_command, config_.datadir, {}, identity_);
  if (!result.ok)
    co_return core::fail(
        fmt::format("mariadb-install-db failed ({}): {}", result.error, result.output));
  std::filesystem::create_directories(path(kFilesDirectory), error);
  // lchown: the engine's account owns the directory and could have put a
  // link there; root must not follow it.
  if (identity_) (void)!::lchown(path(kFilesDirectory).c_str(), identity_->uid, identity_->gid);
  co_return core::Status();
}

asio::awaitable<core::Status> MariadbEngine::start(double capacity) {
  abandoned_ = false;
  frozen_ = false;
  core::Status status = co_await initialise();
  if (!status) co_return status;
  if (needs_init_file() && write_init_file().empty())
    co_return core::fail("cannot write the init file");
  last_cpu_seconds_ = -1;
  SpawnOptions options;
  options.argv = server_arguments(capacity);
  options.output_path = path(kOutputLog);
  options.identity = identity_;
  options.passed_sockets = {client_listener_, control_listener_};
  options.parent_death_signal = SIGTERM;  // a clean shutdown if its keeper dies
  // A start touches tens of MiB of fresh heap (log, page cache and
  // transaction pools), each 4 KiB page a fault: transparent huge pages for
  // malloc's heap take about a tenth off a start for a MiB or two more
  // resident. An operator's own GLIBC_TUNABLES is passed on instead.
  if (!std::getenv("GLIBC_TUNABLES"))
    options.environment.push_back("GLIBC_TUNABLES=glibc.malloc.hugetlb=1");
  options.working_directory = config_.datadir;
  status = process_.start(options);
  if (!status) co_return status;
  // Starting is not throttled: a resume should cost what mariadbd's own start
  // costs. The capacity's CPU share applies once it answers.
  if (cpu_limit_.enforced()) {
    cpu_limit_.add_process(process_.pid());
    cpu_limit_.set_unlimited();
  }
  status = co_await wait_until_ready();
  if (!status) {
    // Abandoned (borealis is stopping): stop() shuts it down cleanly.
    // Otherwise a server that never became ready is killed, and reaped.
    if (process_.running() && !abandoned_) co_await process_.kill_and_reap();
    co_return status;
  }
  if (control_account_missing())
    (void)write_private_file(path(kControlAccountFile), control_user_ + "\n");
  if (!initialised_) {
    initialised_ = true;
    (void)write_private_file(path(kInitialisedMarker), "accounts created\n");
    std::error_code ignored;
    std::filesystem::remove(path(kInitialisingMarker), ignored);
  }
  std::error_code ignored;
  std::filesystem::remove(path(kInitFile), ignored);
  if (cpu_limit_.enforced()) cpu_limit_.set_cores(limits_for(config_.acu, capacity).cpu_cores);
  co_return core::Status();
}

asio::awaitable<core::Status> MariadbEngine::wait_until_ready() {
  auto deadline = std::chrono::steady_clock::now() + config_.timeout_command;
  std::string last_error;
  while (std::chrono::steady_clock::now() < deadline) {
    if (abandoned_) co_return core::fail("start abandoned: borealis is stopping");
    if (auto exit = process_.poll_exit())
      co_return core::fail(fmt::format("mariadbd exited during startup ({}): {}", exit->describe(),
                                       recent_server_log()));
    auto client = std::make_unique<mysql::AdminClient>(context_.get_executor());
    auto login =
        co_await client->connect(asio::local::stream_protocol::endpoint(path(kControlSocket)),
                                 control_user_, "", kLoginTimeout);
    if (login.ok) {
      admin_ = std::move(client);
      co_return core::Status();
    }
    // The server is up and refuses borealis's account: waiting will not
    // help (a data directory whose accounts were changed by hand).
    if (login.error_code == 1045 || login.error_code == 1698)
      co_return core::fail(
          fmt::format("mariadbd refuses borealis's control account '{}'@'localhost' "
                      "(it must exist and accept unix_socket): {}",
                      control_user_, login.error));
    last_error = login.error;
    co_await core::sleep_for(kPollInterval);
  }
  co_return core::fail(fmt::format("mariadbd not ready after {} ms (last login attempt: {})",
                                   config_.timeout_command.count(), last_error));
}

asio::awaitable<core::Status> MariadbEngine::ensure_admin() {
  if (admin_ && admin_->is_open()) co_return core::Status();
  auto client = std::make_unique<mysql::AdminClient>(context_.get_executor());
  auto login =
      co_await client->connect(asio::local::stream_protocol::endpoint(path(kControlSocket)),
                               control_user_, "", kLoginTimeout);
  if (!login.ok) co_return core::fail("cannot log in on the control socket: " + login.error);
  admin_ = std::move(client);
  co_return core::Status();
}

asio::awaitable<core::Status> MariadbEngine::stop() {
  if (frozen_ && process_.running()) {
    if (core::Status left = co_await leave_frozen_state_for_stop(); !left)
      logging::notice(logging::Severity::warning,
                      fmt::format("database {}: {}", config_.name, left.error()));
  }
  frozen_ = false;
  if (admin_) admin_->close();
  admin_.reset();
  if (!process_.running()) co_return core::Status();
  process_.send_signal(SIGTERM);
  if (auto exit = co_await process_.wait_for_exit(config_.timeout_command)) {
    if (!exit->clean())
      co_return core::fail(fmt::format("mariadbd stopped with {}", exit->describe()));
    co_return core::Status();
  }
  co_await process_.kill_and_reap();
  co_return core::fail(fmt::format("mariadbd did not stop within {} ms and was killed",
                                   config_.timeout_command.count()));
}

asio::awaitable<core::Status> MariadbEngine::resize(double capacity) {
  if (core::Status logged_in = co_await ensure_admin(); !logged_in) co_return logged_in;
  CapacityLimits limits = limits_for(config_.acu, capacity);
  for (const std::string& statement :
       {fmt::format("SET GLOBAL innodb_buffer_pool_size = {}", limits.buffer_pool_bytes),
        fmt::format("SET GLOBAL max_connections = {}", limits.max_connections)}) {
    auto result = co_await admin_->query(statement, kQueryTimeout);
    if (!result.ok) co_return core::fail(fmt::format("{}: {}", statement, result.error));
  }
  if (cpu_limit_.enforced()) cpu_limit_.set_cores(limits.cpu_cores);
  co_return core::Status();
}

asio::awaitable<std::optional<LoadSample>> MariadbEngine::sample(double capacity, double seconds) {
  if (!process_.running()) co_return std::nullopt;
  // (Taken over at a reload, the control session is opened here.)
  if (core::Status logged_in = co_await ensure_admin(); !logged_in) co_return std::nullopt;
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
  if (exit) {
    admin_.reset();
    frozen_ = false;  // (it may have died frozen: the next process is not)
  }
  return exit;
}

void MariadbEngine::load_saved_accounts() {
  std::string text = read_all(path(kAccountsFile));
  if (text.empty()) return;
  if (auto table = auth::AccountTable::parse(text))
    accounts_ = std::make_shared<const auth::AccountTable>(std::move(*table));
  else
    logging::notice(logging::Severity::warning,
                    fmt::format("database {}: ignoring '{}': not a table of accounts", config_.name,
                                path(kAccountsFile)));
}

// mysql.global_priv holds each account as JSON: its plugin and hash, or
// several plugins (`auth_or`, as root's "invalid password OR unix_socket"),
// whether it is locked, expired (password_last_changed 0) or a role.
asio::awaitable<void> MariadbEngine::read_accounts(bool exact) {
  if (!process_.running()) co_return;
  if (core::Status logged_in = co_await ensure_admin(); !logged_in) co_return;
  auto result = co_await admin_->query(
      "SELECT User AS u, Host AS h, "
      "IF(JSON_EXISTS(Priv, '$.auth_or'), 'several', "
      "IFNULL(JSON_VALUE(Priv, '$.plugin'), '')) AS p, "
      "IFNULL(JSON_VALUE(Priv, '$.authentication_string'), '') AS a, "
      "IF(JSON_VALUE(Priv, '$.password_last_changed') = '0', 'Y', 'N') AS e, "
      "IF(JSON_VALUE(Priv, '$.account_locked') = 'true', 'Y', 'N') AS l, "
      "IF(JSON_VALUE(Priv, '$.is_role') = 'true', 'Y', 'N') AS r FROM mysql.global_priv",
      kQueryTimeout);
  if (!result.ok) {
    logging::notice(
        logging::Severity::warning,
        fmt::format("database {}: cannot read its accounts: {}", config_.name, result.error));
    co_return;
  }
  std::vector<auth::Account> accounts;
  for (std::size_t row = 0; row < result.rows.size(); ++row) {
    auto text = [&](const char* column) { return result.value(column, row).value_or(""); };
    auth::AccountRow account_row{text("u"),        text("h"),        text("p"),       text("a"),
                                 text("l") == "Y", text("e") == "Y", text("r") == "Y"};
    if (auto account = auth::AccountTable::from_row(account_row))
      accounts.push_back(std::move(*account));
  }
  auto table = std::make_shared<const auth::AccountTable>(std::move(accounts), exact);
  const std::string text = table->serialize();
  if (!accounts_ || accounts_->serialize() != text)
    (void)write_private_file(path(kAccountsFile), text);
  accounts_ = std::move(table);
}

std::string MariadbEngine::credentials_hint() const {
  return fmt::format("user '{}', password in {}", config_.user,
                     path(fmt::format("borealis-{}.password", config_.user)));
}

std::string MariadbEngine::recent_server_log() const {
  std::string log = read_all(path(kErrorLog));
  if (log.size() > 1500) log = log.substr(log.size() - 1500);
  return log;
}

}  // namespace borealis::serverless
