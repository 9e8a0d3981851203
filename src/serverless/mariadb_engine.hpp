// The `mariadb` engine: borealis runs mariadbd on the database's data
// directory, reachable only on a loopback port that borealis chose. It
// initialises an empty directory, creates the users the configuration asks
// for, knows the server is ready by a real login, stops it cleanly and
// resizes it in place. One data directory never gets two servers: borealis
// holds a lock on it for as long as it runs.
#pragma once

#include <asio/io_context.hpp>
#include <memory>

#include "config/model.hpp"
#include "mysql/admin_client.hpp"
#include "serverless/cpu_limit.hpp"
#include "serverless/engine.hpp"

namespace borealis::serverless {

class MariadbEngine : public Engine {
 public:
  MariadbEngine(asio::io_context& context, const config::Database& database);
  ~MariadbEngine() override;

  std::string prepare() override;
  asio::awaitable<std::string> start(double capacity) override;
  asio::awaitable<std::string> stop() override;
  asio::awaitable<std::string> resize(double capacity) override;
  asio::awaitable<std::optional<LoadSample>> sample(double capacity, double seconds) override;
  std::optional<ExitStatus> unexpected_exit() override;
  asio::ip::tcp::endpoint endpoint() const override;
  std::string credentials_hint() const override;

  pid_t pid() const { return process_.pid(); }

 private:
  std::string path(const std::string& file) const;
  std::string lock_directory();
  std::string load_or_create_password(const std::string& file);
  std::string write_init_file() const;
  std::vector<std::string> server_arguments(double capacity) const;
  asio::awaitable<std::string> initialise();
  asio::awaitable<std::string> wait_until_ready();
  std::string recent_server_log() const;

  asio::io_context& context_;
  const config::Database& config_;
  std::uint16_t port_ = 0;
  int lock_fd_ = -1;
  std::string admin_password_;
  std::string user_password_;
  ChildProcess process_;
  std::unique_ptr<mysql::AdminClient> admin_;
  CpuLimit cpu_limit_;
  bool users_synced_ = false;
  double last_cpu_seconds_ = -1;
  std::uint64_t last_reads_ = 0, last_requests_ = 0;
};

}  // namespace borealis::serverless
