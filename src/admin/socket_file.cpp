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
#include <filesystem>

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

std::string check_previous(const std::string& path, bool replace_live) {
  struct stat status {};
  if (::lstat(path.c_str(), &status) != 0) return {};
  if (!S_ISSOCK(status.st_mode)) return fmt::format("'{}' exists and is not a socket", path);
  if (!replace_live && someone_listens(path))
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

// The steps after the directory is made; the name of the one that failed,
// or nullptr.
const char* bind_and_rename(int fd, const sockaddr_un& address, const config::StatsSocket& socket,
                            uid_t uid, gid_t gid, int backlog) {
  const char* bound = address.sun_path;
  if (::bind(fd, reinterpret_cast<const sockaddr*>(&address), sizeof(address)) != 0) return "bind";
  if (::chmod(bound, socket.mode) != 0) return "chmod";
  if ((uid != static_cast<uid_t>(-1) || gid != static_cast<gid_t>(-1)) &&
      ::lchown(bound, uid, gid) != 0)
    return "chown";
  if (::listen(fd, backlog) != 0) return "listen";
  if (::rename(bound, socket.path.c_str()) != 0) return "rename";
  return nullptr;
}

}  // namespace

// Bound inside a fresh 0700 directory beside the path, where nobody else
// can swap the file for a link before its mode and owner are set, then
// renamed over the path (rename replaces a link, never follows it).
SocketFile bind_socket_file(const config::StatsSocket& socket, int backlog, bool replace_live) {
  SocketFile result;
  std::string directory =
      (std::filesystem::path(socket.path).parent_path() / ".borealis-XXXXXX").string();
  sockaddr_un address;
  if (!fill_address(socket.path, address)) {
    result.error = fmt::format("'{}' is too long for a unix socket path (at most {} bytes)",
                               socket.path, sizeof(address.sun_path) - 1);
    return result;
  }
  if (!fill_address(directory + "/s", address)) {
    result.error = fmt::format(
        "'{}' is too long: borealis binds it first as '{}/s', which must "
        "fit in {} bytes",
        socket.path, directory, sizeof(address.sun_path) - 1);
    return result;
  }
  uid_t uid;
  gid_t gid;
  if (result.error = check_previous(socket.path, replace_live); !result.error.empty())
    return result;
  if (result.error = resolve_owner(socket, uid, gid); !result.error.empty()) return result;
  if (!::mkdtemp(directory.data())) {
    result.error =
        fmt::format("cannot create a directory beside '{}': {}", socket.path, std::strerror(errno));
    return result;
  }
  fill_address(directory + "/s", address);
  int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  const char* failed = fd < 0 ? "create" : bind_and_rename(fd, address, socket, uid, gid, backlog);
  if (failed) {
    result.error = fmt::format("cannot {} '{}': {}", failed, socket.path, std::strerror(errno));
    ::unlink(address.sun_path);
  }
  ::rmdir(directory.c_str());
  if (failed) {
    if (fd >= 0) ::close(fd);
    return result;
  }
  struct stat status {};
  if (::lstat(socket.path.c_str(), &status) == 0) result.inode = status.st_ino;
  result.fd = fd;
  return result;
}

void remove_socket_file(const std::string& path, ino_t inode) {
  struct stat status {};
  if (::lstat(path.c_str(), &status) == 0 && S_ISSOCK(status.st_mode) && status.st_ino == inode)
    ::unlink(path.c_str());
}

}  // namespace borealis::admin
