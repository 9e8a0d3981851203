// A CPU limit for one database's compute through a cgroup: cgroup v2's
// cpu.max, or v1's cpu.cfs_quota_us. Where neither can be created the limit
// is reported as not enforced, never pretended.
#pragma once

#include <sys/types.h>

#include <string>

namespace borealis::serverless {

class CpuLimit {
 public:
  CpuLimit() = default;
  ~CpuLimit();
  CpuLimit(const CpuLimit&) = delete;
  CpuLimit& operator=(const CpuLimit&) = delete;

  // Creates the cgroup. Returns empty when the limit can be enforced, else
  // why it cannot (for the log).
  std::string setup(const std::string& database_name);
  bool enforced() const { return !directory_.empty(); }
  bool add_process(pid_t pid);
  bool set_cores(double cores);
  bool set_unlimited();
  const std::string& directory() const { return directory_; }

 private:
  bool version2_ = false;
  std::string directory_;
};

}  // namespace borealis::serverless
