// The mariadb engine across a reload. What moves: the data directory's
// lock (flock belongs to the open file, so the lock moves with it), the
// client and control listeners mariadbd was started on (it keeps serving on
// them) and the keeper's lifeline. What is read again: the identity and
// borealis's own files. Nothing is stopped or started.
#include <fmt/format.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "logging/stderr_notice.hpp"
#include "serverless/mariadb_engine.hpp"

namespace borealis::serverless {

namespace {

constexpr const char* kLockFile = "borealis.lock";
constexpr std::size_t kStoppedDescriptors = 3;  // lock, client listener, control listener

void close_all(const std::vector<int>& descriptors) {
  for (int fd : descriptors)
    if (fd >= 0) ::close(fd);
}

}  // namespace

EngineHandover MariadbEngine::hand_over() const {
  EngineHandover handover;
  handover.descriptors = {lock_fd_, client_listener_, control_listener_};
  if (process_.running()) {
    handover.pid = process_.pid();
    handover.descriptors.push_back(process_.lifeline());
  }
  handover.frozen = frozen_;
  handover.frozen_resident_bytes = frozen_resident_bytes_;
  return handover;
}

// Closes this process's copies only: no unlink, no lock file truncated, no
// signal to mariadbd.
void MariadbEngine::let_go() {
  process_.let_go();
  if (admin_) admin_->close();
  admin_.reset();
  for (int* fd : {&lock_fd_, &client_listener_, &control_listener_}) {
    if (*fd >= 0) ::close(*fd);
    *fd = -1;
  }
  frozen_ = false;
}

// The lock must be this data directory's: a reload cannot move a database.
core::Status MariadbEngine::check_handed_lock(int lock) const {
  struct stat handed {
  }, here{};
  const std::string lock_path = config_.datadir + "/" + kLockFile;
  if (::fstat(lock, &handed) != 0 || ::lstat(lock_path.c_str(), &here) != 0 ||
      handed.st_dev != here.st_dev || handed.st_ino != here.st_ino)
    return core::fail(fmt::format(
        "the running database's data directory is not '{}' (a reload cannot move a database; "
        "restart borealis to change its datadir)",
        config_.datadir));
  return {};
}

core::Status MariadbEngine::adopt(EngineHandover handover, double capacity) {
  auto& handed = handover.descriptors;
  const std::size_t expected = kStoppedDescriptors + (handover.pid > 0 ? 1 : 0);
  core::Status status;
  if (handed.size() != expected)
    status = core::fail(fmt::format("handed over with {} descriptors where {} were expected",
                                    handed.size(), expected));
  if (status) status = check_handed_lock(handed[0]);
  sockaddr_in address{};
  socklen_t length = sizeof(address);
  if (status && (::getsockname(handed[1], reinterpret_cast<sockaddr*>(&address), &length) != 0 ||
                 address.sin_family != AF_INET))
    status = core::fail("the handed-over client listener is not a TCP socket");
  if (status) status = choose_identity();
  if (status) status = read_own_files();
  if (!status) {
    close_all(handed);
    return core::fail(fmt::format("database {}: {}", config_.name, status.error()));
  }
  lock_fd_ = handed[0];
  client_listener_ = handed[1];
  control_listener_ = handed[2];
  client_endpoint_ = {asio::ip::address_v4(ntohl(address.sin_addr.s_addr)),
                      ntohs(address.sin_port)};
  if (handover.pid > 0) (void)process_.adopt(handed[3], handover.pid);
  frozen_ = handover.frozen;
  frozen_resident_bytes_ = handover.frozen_resident_bytes;
  adopted_capacity_ = capacity;
  return {};
}

void MariadbEngine::took_over() {
  write_lock_owner();
  if (auto reason = cpu_limit_.setup(config_.name); !reason.empty()) {
    logging::notice(logging::Severity::warning,
                    fmt::format("database {}: CPU limit not enforced: {}", config_.name, reason));
    return;
  }
  if (!process_.running()) return;
  cpu_limit_.add_process(process_.pid());
  cpu_limit_.set_cores(limits_for(config_.acu, adopted_capacity_).cpu_cores);
}

}  // namespace borealis::serverless
