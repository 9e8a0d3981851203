#include "app/pidfile.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <fstream>

namespace borealis::app {

std::string write_pidfile(const std::string& path) {
  if (path.empty()) return {};
  std::ofstream pidfile(path, std::ios::trunc);
  pidfile << ::getpid() << '\n';
  pidfile.flush();
  if (!pidfile) return fmt::format("cannot write pidfile '{}'", path);
  return {};
}

}  // namespace borealis::app
