// A listening unix socket at a path, made so that it never exists with the
// wrong permissions: bound in a fresh private directory beside it, given
// its mode and owner there, then renamed over the path. What was at the path before is
// replaced only if it is a socket nobody listens on (a crashed borealis's);
// a live one, or anything else, is an error.
#pragma once

#include <sys/types.h>

#include <string>

#include "config/model.hpp"

namespace borealis::admin {

struct SocketFile {
  int fd = -1;      // listening, close-on-exec, non-blocking; -1: error says why
  ino_t inode = 0;  // what the path names once bound (removed at exit only if unchanged)
  std::string error;
};

// `replace_live`: a reload's, whose old process still listens at the path
// (it removes the path at exit only if it is still its own).
SocketFile bind_socket_file(const config::StatsSocket& socket, int backlog,
                            bool replace_live = false);

// Removes `path` if it still names the socket bound as `inode`.
void remove_socket_file(const std::string& path, ino_t inode);

}  // namespace borealis::admin
