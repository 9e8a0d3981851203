// The `exec` engine: user commands start, stop and resize compute that runs
// elsewhere (a systemd unit, a Kubernetes StatefulSet, a cloud CLI). Ready
// means a MySQL greeting at `address`.
#pragma once

#include <asio/io_context.hpp>

#include "config/model.hpp"
#include "serverless/engine.hpp"

namespace borealis::serverless {

class ExecEngine : public Engine {
 public:
  ExecEngine(asio::io_context& context, const config::Database& database);

  core::Status prepare() override;
  // A reload: compute is external, only whether it runs is taken over.
  core::Status adopt(EngineHandover handover, double capacity) override;
  asio::awaitable<core::Status> start(double capacity) override;
  asio::awaitable<core::Status> stop() override;
  asio::awaitable<core::Status> resize(double capacity) override;
  asio::awaitable<std::optional<LoadSample>> sample(double capacity, double seconds) override;
  void abandon_start() override { abandoned_ = true; }
  // Compute that stopped answering (three failed greeting probes in a row,
  // one every two seconds while it runs) counts as ended.
  std::optional<ExitStatus> unexpected_exit() override;
  asio::ip::tcp::endpoint endpoint() const override { return endpoint_; }
  std::string credentials_hint() const override { return "the database's own users"; }

 private:
  asio::awaitable<core::Status> run(const std::string& what, const std::string& command,
                                    double capacity);
  asio::awaitable<core::Status> wait_for_greeting();
  std::vector<std::string> environment(double capacity) const;

  asio::io_context& context_;
  const config::Database& config_;
  asio::ip::tcp::endpoint endpoint_;
  std::string scratch_directory_;
  bool abandoned_ = false;
  bool running_ = false;
  int failed_probes_ = 0;
  bool reported_dead_ = false;
  std::chrono::steady_clock::time_point next_probe_{};
};

}  // namespace borealis::serverless
