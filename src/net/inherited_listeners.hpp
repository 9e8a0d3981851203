// Listening sockets handed over by the process a reload replaces. Each bind
// takes those bound to its address before it opens any: the sockets, and
// the connections waiting in their queues, go on in this process. What no
// bind takes (a bind the new configuration dropped) is closed here; the old
// process closes its own copies when it stops.
#pragma once

#include <asio/ip/tcp.hpp>
#include <vector>

namespace borealis::net {

class InheritedListeners {
 public:
  InheritedListeners() = default;
  // Takes ownership. Descriptors that are not listening TCP sockets are
  // closed at once.
  explicit InheritedListeners(std::vector<int> descriptors);
  ~InheritedListeners();
  InheritedListeners(InheritedListeners&& other) noexcept;
  InheritedListeners& operator=(InheritedListeners&& other) noexcept;
  InheritedListeners(const InheritedListeners&) = delete;
  InheritedListeners& operator=(const InheritedListeners&) = delete;

  // Removes and returns (to the caller's ownership) the sockets bound to
  // exactly `endpoint`.
  std::vector<int> take(const asio::ip::tcp::endpoint& endpoint);
  std::size_t size() const { return held_.size(); }

 private:
  struct Held {
    int fd;
    asio::ip::tcp::endpoint endpoint;
  };
  void close_all();
  std::vector<Held> held_;
};

}  // namespace borealis::net
