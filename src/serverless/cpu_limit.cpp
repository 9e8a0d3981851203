#include "serverless/cpu_limit.hpp"

#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cmath>
#include <cstring>
#include <fstream>
#include <sstream>

namespace borealis::serverless {

namespace {

constexpr long kPeriodMicroseconds = 100000;

bool write_file(const std::string& path, const std::string& text) {
  std::ofstream file(path);
  file << text;
  file.flush();
  return file.good();
}

std::string read_file(const std::string& path) {
  std::ifstream file(path);
  std::stringstream text;
  text << file.rdbuf();
  return text.str();
}

bool make_directory(const std::string& path) {
  return ::mkdir(path.c_str(), 0755) == 0 || errno == EEXIST;
}

}  // namespace

CpuLimit::~CpuLimit() {
  if (!directory_.empty()) ::rmdir(directory_.c_str());  // fails harmlessly while in use
}

std::string CpuLimit::setup(const std::string& database_name) {
  std::string leaf = fmt::format("borealis-{}-{}", database_name, ::getpid());
  const std::string v2_root = "/sys/fs/cgroup";
  if (read_file(v2_root + "/cgroup.controllers").find("cpu") != std::string::npos) {
    // The cpu controller must be enabled for children of the root.
    write_file(v2_root + "/cgroup.subtree_control", "+cpu");
    std::string directory = v2_root + "/" + leaf;
    if (make_directory(directory) && ::access((directory + "/cpu.max").c_str(), W_OK) == 0) {
      version2_ = true;
      directory_ = directory;
      return {};
    }
    ::rmdir(directory.c_str());
  }
  const std::string v1_root = "/sys/fs/cgroup/cpu";
  if (::access((v1_root + "/cpu.cfs_quota_us").c_str(), F_OK) == 0) {
    std::string directory = v1_root + "/" + leaf;
    if (make_directory(directory) &&
        ::access((directory + "/cpu.cfs_quota_us").c_str(), W_OK) == 0) {
      directory_ = directory;
      return {};
    }
    return fmt::format("cannot create cgroup {} ({})", directory, std::strerror(errno));
  }
  return "no writable cgroup cpu controller (cgroup v2 cpu.max or v1 cpu.cfs_quota_us)";
}

bool CpuLimit::add_process(pid_t pid) {
  if (directory_.empty()) return false;
  return write_file(directory_ + "/cgroup.procs", std::to_string(pid));
}

bool CpuLimit::set_unlimited() {
  if (directory_.empty()) return false;
  if (version2_)
    return write_file(directory_ + "/cpu.max", fmt::format("max {}", kPeriodMicroseconds));
  return write_file(directory_ + "/cpu.cfs_quota_us", "-1");
}

bool CpuLimit::set_cores(double cores) {
  if (directory_.empty()) return false;
  long quota = std::max(1000L, std::lround(cores * kPeriodMicroseconds));
  if (version2_)
    return write_file(directory_ + "/cpu.max", fmt::format("{} {}", quota, kPeriodMicroseconds));
  return write_file(directory_ + "/cpu.cfs_period_us", std::to_string(kPeriodMicroseconds)) &&
         write_file(directory_ + "/cpu.cfs_quota_us", std::to_string(quota));
}

}  // namespace borealis::serverless
