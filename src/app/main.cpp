// borealis entry point: read the configuration, check it, run the gateway.
#include <fmt/format.h>

#include <csignal>
#include <cstdio>
#include <cstdlib>

#include "app/command_line.hpp"
#include "app/gateway.hpp"
#include "app/master_worker.hpp"
#include "app/reload_steps.hpp"
#include "app/service_notify.hpp"
#include "config/parser.hpp"
#include "logging/stderr_notice.hpp"

namespace {

constexpr const char* kVersion = BOREALIS_VERSION;

bool report_diagnostics(const borealis::config::ParseResult& result) {
  using borealis::logging::Severity;
  for (const auto& diagnostic : result.diagnostics) {
    bool alert = diagnostic.severity == borealis::config::Diagnostic::Severity::alert;
    borealis::logging::notice(alert ? Severity::alert : Severity::warning,
                              "config : " + diagnostic.text());
  }
  if (!result.ok())
    borealis::logging::notice(Severity::alert, "config : Fatal errors found in configuration.");
  return result.ok();
}

}  // namespace

int main(int argc, char** argv) {
  int exit_code = 0;
  auto options = borealis::app::parse_command_line(argc, argv, exit_code);
  if (!options) return exit_code;
  if (options->show_version) {
    std::printf("borealis version %s\n", kVersion);
    return 0;
  }
  borealis::logging::set_quiet(options->quiet);
  auto parsed = borealis::config::parse_files(options->config_files);
  if (!report_diagnostics(parsed)) return 1;
  if (options->check_only) {
    if (!options->quiet) std::printf("Configuration file is valid\n");
    return 0;
  }

  std::signal(SIGPIPE, SIG_IGN);
  if (options->master_worker)
    return borealis::app::run_master(parsed.config.global.pidfile, argc, argv);
  // A master's worker: the master wrote the pidfile.
  if (std::getenv(borealis::app::kWorkerMark)) parsed.config.global.pidfile.clear();
  ::unsetenv(borealis::app::kWorkerMark);
  // Before anything is started: no child inherits the service manager's socket.
  const auto service = borealis::app::ServiceNotifier::from_environment();
  borealis::app::StartMode mode;
  if (options->replacing()) {
    auto taken = borealis::app::take_over_listeners(*options, parsed.config);
    if (!taken) return 1;
    mode = std::move(*taken);
    if (!borealis::app::take_over_databases(*options, parsed.config, mode)) return 1;
  }
  borealis::app::Gateway gateway(std::move(parsed.config), std::move(mode));
  std::string error = gateway.prepare();
  if (!error.empty()) {
    borealis::logging::notice(borealis::logging::Severity::alert, error);
    if (options->replacing())
      borealis::logging::notice(borealis::logging::Severity::alert,
                                "reload failed: the old process goes on serving");
    return 1;
  }
  if (std::string taken; !gateway.commit_takeover(taken)) {
    borealis::logging::notice(
        borealis::logging::Severity::alert,
        "reload failed: the old process did not let go of its databases (" + taken + ")");
    return 1;
  }
  borealis::logging::notice(borealis::logging::Severity::notice,
                            fmt::format("borealis {} started", kVersion));
  // Listening from here (connections wait in the backlog until the workers
  // run): the processes this one replaces can let go.
  borealis::app::release_previous(*options);
  service.notify("READY=1\nSTATUS=listening");
  gateway.on_stopping([&service] { service.notify("STOPPING=1"); });
  return gateway.run();
}
