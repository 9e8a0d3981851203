#include "admin/socket_file.hpp"

#include <fmt/format.h>
#include <grp.h>
#include <pwd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace borealis::admin {
namespace {

bool fill_address(const std::string& path, sockaddr_un& address) {
  address = {};
  address.sun_family = AF_UNIX;
  if (path.size() >= sizeof(address.sun_path)) return false;
  std::memcpy(address.sun_path, path.c_str(), path.size() + 1);
  return true;
}

// A socket at `path` that accepts a connection belongs to a running process.
bool someone_listens(const std::string& path) {
  sockaddr_un address;
  if (!fill_address(path, address)) return false;
  int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  bool live = ::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0;
  ::close(fd);
  return live;
}

std::string check_previous(const std::string& path) {
  struct stat status {};
  if (::lstat(path.c_str(), &status) != 0) return {};
  if (!S_ISSOCK(status.st_mode)) return fmt::format("'{}' exists and is not a socket", path);
  if (someone_listens(path))
    return fmt::format("'{}' is in use by a running process (another borealis?)", path);
  return {};
}

std::string resolve_owner(const config::StatsSocket& socket, uid_t& uid, gid_t& gid) {
  uid = static_cast<uid_t>(-1);
  gid = static_cast<gid_t>(-1);
  if (!socket.user.empty()) {
    passwd* entry = ::getpwnam(socket.user.c_str());
    if (!entry) return fmt::format("unknown user '{}'", socket.user);
    uid = entry->pw_uid;
  }
  if (!socket.group.empty()) {
    group* entry = ::getgrnam(socket.group.c_str());
    if (!entry) return fmt::format("unknown group '{}'", socket.group);
    gid = entry->gr_gid;
  }
  return {};
}

}  // namespace

SocketFile bind_socket_file(const config::StatsSocket& socket, int backlog) {
  SocketFile result;
  const std::string temporary = fmt::format("{}.{}.tmp", socket.path, ::getpid());
  sockaddr_un address;
  if (!fill_address(temporary, address)) {
    result.error = fmt::format("'{}' is too long for a unix socket path", socket.path);
    return result;
  }
  uid_t uid;
  gid_t gid;
  if (result.error = check_previous(socket.path); !result.error.empty()) return result;
  if (result.error = resolve_owner(socket, uid, gid); !result.error.empty()) return result;
  int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd < 0) {
    result.error = fmt::format("cannot create a unix socket: {}", std::strerror(errno));
    return result;
  }
  ::unlink(temporary.c_str());
  // Linux creates the file with the socket's own mode (less the umask):
  // set before bind, it never exists more open than asked.
  (void)::fchmod(fd, socket.mode);
  const char* step = nullptr;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0)
    step = "bind";
  else if (::chmod(temporary.c_str(), socket.mode) != 0)
    step = "chmod";
  else if ((uid != static_cast<uid_t>(-1) || gid != static_cast<gid_t>(-1)) &&
           ::chown(temporary.c_str(), uid, gid) != 0)
    step = "chown";
  else if (::listen(fd, backlog) != 0)
    step = "listen";
  else if (::rename(temporary.c_str(), socket.path.c_str()) != 0)
    step = "rename";
  if (step) {
    result.error = fmt::format("cannot {} '{}': {}", step, socket.path, std::strerror(errno));
    ::unlink(temporary.c_str());
    ::close(fd);
    return result;
  }
  struct stat status {};
  if (::stat(socket.path.c_str(), &status) == 0) result.inode = status.st_ino;
  result.fd = fd;
  return result;
}

void remove_socket_file(const std::string& path, ino_t inode) {
  struct stat status {};
  if (::lstat(path.c_str(), &status) == 0 && S_ISSOCK(status.st_mode) && status.st_ino == inode)
    ::unlink(path.c_str());
}

}  // namespace borealis::admin
