#include "reload/descriptor_passing.hpp"

#include <fmt/format.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstring>

namespace borealis::reload {
namespace {

using Clock = std::chrono::steady_clock;

// Waits until `socket` is ready for `events` or the deadline passes.
bool wait_ready(int socket, short events, Clock::time_point deadline) {
  while (true) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    if (left.count() <= 0) return false;
    pollfd entry{socket, events, 0};
    int ready = ::poll(&entry, 1, static_cast<int>(left.count()));
    if (ready > 0) return true;
    if (ready < 0 && errno != EINTR) return false;
  }
}

bool send_message(int socket, const char* bytes, std::size_t size, const int* descriptors,
                  std::size_t count, Clock::time_point deadline, std::string& error) {
  iovec data{const_cast<char*>(bytes), size};
  msghdr message{};
  message.msg_iov = &data;
  message.msg_iovlen = 1;
  std::vector<char> control(count > 0 ? CMSG_SPACE(count * sizeof(int)) : 0);
  if (count > 0) {
    message.msg_control = control.data();
    message.msg_controllen = control.size();
    cmsghdr* header = CMSG_FIRSTHDR(&message);
    header->cmsg_level = SOL_SOCKET;
    header->cmsg_type = SCM_RIGHTS;
    header->cmsg_len = CMSG_LEN(count * sizeof(int));
    std::memcpy(CMSG_DATA(header), descriptors, count * sizeof(int));
  }
  while (true) {
    ssize_t sent = ::sendmsg(socket, &message, MSG_NOSIGNAL | MSG_DONTWAIT);
    if (sent == static_cast<ssize_t>(size)) return true;
    if (sent >= 0) {
      error = "short write";  // a unix socket sends a message this small whole
      return false;
    }
    if (errno == EINTR) continue;
    if ((errno == EAGAIN || errno == EWOULDBLOCK) && wait_ready(socket, POLLOUT, deadline))
      continue;
    error = errno == EAGAIN ? std::string("timed out") : std::string(std::strerror(errno));
    return false;
  }
}

void close_all(std::vector<int>& descriptors) {
  for (int fd : descriptors) ::close(fd);
  descriptors.clear();
}

// Takes the descriptors a message carried; false if it carried something
// else or was cut short (those that came are still taken, to be closed).
bool take_descriptors(msghdr& message, std::vector<int>& into) {
  bool whole = (message.msg_flags & MSG_CTRUNC) == 0;
  for (cmsghdr* header = CMSG_FIRSTHDR(&message); header; header = CMSG_NXTHDR(&message, header)) {
    if (header->cmsg_level != SOL_SOCKET || header->cmsg_type != SCM_RIGHTS) {
      whole = false;
      continue;
    }
    std::size_t count = (header->cmsg_len - CMSG_LEN(0)) / sizeof(int);
    for (std::size_t i = 0; i < count; ++i) {
      int fd;
      std::memcpy(&fd, CMSG_DATA(header) + i * sizeof(int), sizeof(int));
      into.push_back(fd);
    }
  }
  return whole;
}

}  // namespace

bool send_descriptors(int socket, const std::vector<int>& descriptors,
                      std::chrono::milliseconds limit, std::string& error) {
  const auto deadline = Clock::now() + limit;
  const std::string count = fmt::format("{}\n", descriptors.size());
  if (!send_message(socket, count.data(), count.size(), nullptr, 0, deadline, error)) return false;
  for (std::size_t first = 0; first < descriptors.size(); first += kBatch) {
    const std::size_t batch = std::min(kBatch, descriptors.size() - first);
    if (!send_message(socket, "F", 1, descriptors.data() + first, batch, deadline, error))
      return false;
  }
  return true;
}

std::vector<int> receive_descriptors(int socket, std::chrono::milliseconds limit,
                                     std::string& error) {
  const auto deadline = Clock::now() + limit;
  std::vector<int> received;
  std::string text;
  std::size_t expected = 0;
  bool counted = false;
  std::vector<char> control(CMSG_SPACE(kBatch * sizeof(int)));
  while (!counted || received.size() < expected) {
    char bytes[64];
    iovec data{bytes, sizeof(bytes)};
    msghdr message{};
    message.msg_iov = &data;
    message.msg_iovlen = 1;
    message.msg_control = control.data();
    message.msg_controllen = control.size();
    ssize_t got = ::recvmsg(socket, &message, MSG_CMSG_CLOEXEC | MSG_DONTWAIT);
    if (got < 0 && errno == EINTR) continue;
    if (got < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) &&
        wait_ready(socket, POLLIN, deadline))
      continue;
    if (got <= 0) {
      error = got == 0 ? fmt::format("the peer closed after {} of {} descriptors", received.size(),
                                     counted ? expected : 0)
              : errno == EAGAIN ? std::string("timed out")
                                : std::string(std::strerror(errno));
      close_all(received);
      return received;
    }
    const bool whole = take_descriptors(message, received);
    if (!counted) text.append(bytes, static_cast<std::size_t>(got));
    const auto end = text.find('\n');
    if (!counted && end != std::string::npos) {
      auto [rest, failure] = std::from_chars(text.data(), text.data() + end, expected);
      if (failure != std::errc() || rest != text.data() + end || expected > kMaxDescriptors) {
        error = fmt::format("not a descriptor count: '{}'", text.substr(0, std::min(end, 40ul)));
        close_all(received);
        return received;
      }
      counted = true;
    } else if (!counted && text.size() > 32) {
      error = "not a descriptor count";
      close_all(received);
      return received;
    }
    if (!whole || (counted && received.size() > expected)) {
      error = "more descriptors, or other ancillary data, than announced";
      close_all(received);
      return received;
    }
  }
  return received;
}

}  // namespace borealis::reload
