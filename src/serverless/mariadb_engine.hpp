// The `mariadb` engine: borealis runs mariadbd on the database's data
// directory.
//
// What holds by construction:
// - mariadbd never runs as root: as root, borealis starts it as an
//   unprivileged account (`system-user`, global `user`, or `mysql`) that
//   owns the data directory;
// - borealis owns both doors into it for its whole life: a loopback TCP
//   listener for client traffic and a unix socket (mode 0600, borealis's
//   own) for its control channel, both handed to mariadbd with systemd's
//   socket activation. No other process can bind where clients go, even
//   while the database is paused;
// - the control channel authenticates by the socket's peer credentials
//   (MariaDB's unix_socket plugin): no password for it exists. Client
//   traffic arrives over TCP, where unix_socket never authenticates, so a
//   client cannot log in as borealis's account through the gateway;
// - the application account has every privilege on its own schemas and
//   none that reach the host or the control account (no FILE, SUPER,
//   SHUTDOWN, CREATE USER, no grants on `mysql`). Accounts are made once,
//   at initialisation, and then left to their owner;
// - initialisation is atomic: a data directory whose initialisation was
//   interrupted is cleaned and initialised again at the next start;
// - one data directory never gets two servers: borealis holds a lock on it,
//   stops an engine a killed borealis left on it, and mariadbd dies with
//   borealis (a clean SIGTERM shutdown, from its keeper: kept_process.hpp);
// - a reload moves the lock, both listeners and the keeper's lifeline to
//   the new process together (mariadb_handover.cpp): one owner at a time.
#pragma once

#include <asio/io_context.hpp>
#include <memory>

#include "config/model.hpp"
#include "mysql/admin_client.hpp"
#include "serverless/cpu_limit.hpp"
#include "serverless/engine.hpp"
#include "serverless/kept_process.hpp"

namespace borealis::serverless {

class MariadbEngine : public Engine {
 public:
  // `gateway_user`: the account borealis drops to (global `user`), or empty.
  MariadbEngine(asio::io_context& context, const config::Database& database,
                std::string gateway_user);
  ~MariadbEngine() override;

  core::Status prepare() override;
  asio::awaitable<core::Status> start(double capacity) override;
  void abandon_start() override { abandoned_ = true; }
  asio::awaitable<core::Status> stop() override;
  asio::awaitable<core::Status> resize(double capacity) override;
  asio::awaitable<std::optional<LoadSample>> sample(double capacity, double seconds) override;
  std::optional<ExitStatus> unexpected_exit() override;
  asio::ip::tcp::endpoint endpoint() const override { return client_endpoint_; }
  // MariaDB lets an account with SUPER in beyond max_connections only once
  // every slot is taken; borealis's control session takes a regular one.
  int reserved_connections() const override { return 1; }
  // Warm pause (mariadb_freeze.cpp): dirty pages written out, the buffer
  // pool's list dumped and the pool shrunk to its least, then SIGSTOP;
  // SIGCONT to thaw, then the pool grown back and reloaded.
  bool can_freeze() const override { return true; }
  asio::awaitable<FreezeOutcome> freeze(std::function<bool()> called_off) override;
  asio::awaitable<core::Status> thaw() override;
  asio::awaitable<core::Status> warm_up(double capacity) override;
  std::uint64_t frozen_resident_bytes() const override { return frozen_resident_bytes_; }
  std::string credentials_hint() const override;
  asio::awaitable<void> read_accounts(bool exact) override;
  std::shared_ptr<const auth::AccountTable> accounts() const override { return accounts_; }

  // A reload (mariadb_handover.cpp): the data directory's lock, both
  // listeners and the keeper's lifeline move to the new process; mariadbd
  // runs on untouched.
  EngineHandover hand_over() const override;
  void let_go() override;
  core::Status adopt(EngineHandover handover, double capacity) override;
  void took_over() override;
  int client_listener() const override { return client_listener_; }

  pid_t pid() const { return process_.pid(); }

 private:
  std::string path(const std::string& file) const;
  core::Status choose_identity();
  core::Status own_data_directory();
  core::Status lock_directory();
  core::Status check_handed_lock(int lock) const;
  void write_lock_owner();
  core::Status read_own_files();
  core::Status open_client_listener();
  core::Status open_control_socket();
  void stop_leftover_engine();
  void load_saved_accounts();
  std::string load_or_create_password(const std::string& file);
  bool control_account_missing() const;
  bool needs_init_file() const;
  std::string write_init_file() const;
  std::vector<std::string> server_arguments(double capacity) const;
  asio::awaitable<core::Status> initialise();
  asio::awaitable<core::Status> wait_until_ready();
  asio::awaitable<core::Status> ensure_admin();
  std::string recent_server_log() const;
  asio::awaitable<core::Status> run_statements(const std::vector<std::string>& statements);
  asio::awaitable<std::optional<std::string>> status_value(const char* name);
  asio::awaitable<core::Status> write_out_dirty_pages(const std::function<bool()>& called_off);
  asio::awaitable<core::Status> dump_buffer_pool_list();
  asio::awaitable<core::Status> leave_frozen_state_for_stop();

  asio::io_context& context_;
  const config::Database& config_;
  std::string gateway_user_;
  std::optional<Identity> identity_;  // who mariadbd runs as, when borealis is root
  std::string control_user_;          // borealis's account name inside mariadbd
  asio::ip::tcp::endpoint client_endpoint_;
  int client_listener_ = -1;
  int control_listener_ = -1;
  int lock_fd_ = -1;
  std::string user_password_;
  KeptProcess process_;  // mariadbd, through its keeper
  std::unique_ptr<mysql::AdminClient> admin_;
  std::shared_ptr<const auth::AccountTable> accounts_;
  CpuLimit cpu_limit_;
  bool initialised_ = false;  // accounts made; no --init-file any more
  double adopted_capacity_ = 0;
  bool abandoned_ = false;
  bool frozen_ = false;
  std::uint64_t frozen_resident_bytes_ = 0;
  // The page cleaner's settings while running, put back after a freeze's
  // flush (empty: not read yet).
  std::vector<std::string> flushing_settings_;
  double last_cpu_seconds_ = -1;
  std::uint64_t last_reads_ = 0, last_requests_ = 0;
};

}  // namespace borealis::serverless
