// systemd's notify protocol, for `Type=notify` units: "READY=1" once
// borealis listens, "STOPPING=1" when it begins to stop. The socket comes
// from NOTIFY_SOCKET, which is taken out of the environment at start: a
// child borealis runs (mariadbd speaks the same protocol) must not tell the
// service manager anything in borealis's name.
#pragma once

#include <string>
#include <string_view>

namespace borealis::app {

class ServiceNotifier {
 public:
  // Reads NOTIFY_SOCKET (a path, or '@' for an abstract socket) and
  // removes it from the environment.
  static ServiceNotifier from_environment();

  bool enabled() const { return !path_.empty(); }
  // Sends one datagram; false when it could not (not an error to stop for:
  // systemd then says the unit failed to start).
  bool notify(std::string_view state) const;

 private:
  std::string path_;
};

}  // namespace borealis::app
