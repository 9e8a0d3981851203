// The runtime API's commands: what each needs (`level`), what it says, and
// what it answers. Run on the control thread, where everything they read
// lives; the data plane only exports counters (docs/operations.md).
#pragma once

#include <chrono>
#include <string>
#include <variant>
#include <vector>

#include "admin/api_targets.hpp"
#include "admin/cli_request.hpp"
#include "admin/session_request.hpp"
#include "admin/stat_report.hpp"
#include "admin/worker_sessions.hpp"
#include "config/model.hpp"

namespace borealis::backend {
class Backend;
class BackendControl;
enum class AdminState;
}  // namespace borealis::backend
namespace borealis::serverless {
class DatabaseRuntime;
}

namespace borealis::admin {

// A command's answer: its text, or the question for the workers.
using Answer = std::variant<std::string, SessionRequest>;

class Commands {
 public:
  explicit Commands(ApiTargets targets) : targets_(std::move(targets)) {}

  // The answer to one command for a client at `level`: lines each ending
  // in '\n' (an error is one line).
  Answer run(const Words& words, config::ApiLevel level) const;
  // `help`: the commands `level` may use, one per line.
  std::string help(config::ApiLevel level) const;

  // One per command that answers from the targets; `arguments` are the
  // words after the command's own, as many as it takes.
  Answer show_info(const Words& arguments) const;
  Answer show_databases(const Words& arguments) const;
  Answer show_stat(const Words& arguments) const;
  Answer show_servers_state(const Words& arguments) const;
  Answer pause_database(const Words& arguments) const;
  Answer resume_database(const Words& arguments) const;
  Answer set_server(const Words& arguments) const;
  Answer enable_server(const Words& arguments) const;
  Answer disable_server(const Words& arguments) const;
  Answer show_sess(const Words& arguments) const;
  Answer set_database(const Words& arguments) const;
  Answer shutdown_sessions(const Words& arguments) const;
  Answer shutdown_session(const Words& arguments) const;

 private:
  serverless::DatabaseRuntime* find_database(const std::string& name) const;
  // "BACKEND/SERVER": the backend's control and the server's id, or the
  // error line to answer.
  struct FoundServer {
    backend::BackendControl* control = nullptr;
    int id = -1;
    std::string error;
  };
  FoundServer find_server(const std::string& path) const;
  std::string set_admin_state(const std::string& path, backend::AdminState state) const;
  std::string set_address(const std::string& path, const Words& words) const;

  ApiTargets targets_;
};

}  // namespace borealis::admin
