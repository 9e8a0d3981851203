#include "reload/database_takeover.hpp"

#include <fmt/format.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <utility>

#include "reload/database_description.hpp"
#include "reload/descriptor_passing.hpp"

namespace borealis::reload {
namespace {

using Clock = std::chrono::steady_clock;

// The old process may wait for a database to finish a transition (up to
// 30 s) before it answers.
constexpr std::chrono::seconds kAnswerLimit{40};
constexpr std::chrono::milliseconds kDescriptorLimit{5000};
constexpr std::chrono::milliseconds kCommitLimit{5000};
constexpr std::size_t kMaxDescription = 64 * 1024;

int connect_to(const std::string& path, std::string& error) {
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  if (path.size() >= sizeof(address.sun_path)) {
    error = fmt::format("'{}' is too long for a unix socket path", path);
    return -1;
  }
  std::memcpy(address.sun_path, path.c_str(), path.size() + 1);
  int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd >= 0 && ::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0)
    return fd;
  error = fmt::format("cannot connect to '{}': {}", path, std::strerror(errno));
  if (fd >= 0) ::close(fd);
  return -1;
}

bool send_all(int fd, const std::string& text) {
  return ::send(fd, text.data(), text.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(text.size());
}

// Reads one byte at a time up to `end` (nothing past it is consumed: the
// descriptors follow), within `limit`.
bool read_until(int fd, std::string_view end, std::chrono::milliseconds limit, std::string& text,
                std::size_t most) {
  const auto deadline = Clock::now() + limit;
  while (!text.ends_with(end)) {
    if (text.size() >= most) return false;
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
    pollfd watched{fd, POLLIN, 0};
    if (left <= 0 || ::poll(&watched, 1, static_cast<int>(left)) <= 0) return false;
    char byte;
    if (::recv(fd, &byte, 1, 0) != 1) return false;
    text += byte;
  }
  return true;
}

void close_descriptors(serverless::DatabaseHandover& database) {
  for (int fd : database.engine.descriptors) ::close(fd);
  database.engine.descriptors.clear();
}

// The description lines, or the old process's refusal as `error`.
std::vector<serverless::DatabaseHandover> parse_answer(std::string_view text,
                                                       std::vector<std::size_t>& counts,
                                                       std::string& error) {
  std::vector<serverless::DatabaseHandover> databases;
  while (!text.empty()) {
    const std::size_t end = text.find('\n');
    std::string_view line = text.substr(0, end);
    text.remove_prefix(end == std::string_view::npos ? text.size() : end + 1);
    if (line.empty()) break;
    std::size_t count = 0;
    auto database = parse_database_description(line, count, error);
    if (!database) {
      if (!line.starts_with("name=")) error = std::string(line.substr(0, 200));
      return {};
    }
    databases.push_back(std::move(*database));
    counts.push_back(count);
  }
  return databases;
}

}  // namespace

DatabaseTakeover::~DatabaseTakeover() { close_everything(); }

DatabaseTakeover::DatabaseTakeover(DatabaseTakeover&& other) noexcept
    : connection_(std::exchange(other.connection_, -1)), databases_(std::move(other.databases_)) {
  other.databases_.clear();
}

DatabaseTakeover& DatabaseTakeover::operator=(DatabaseTakeover&& other) noexcept {
  if (this != &other) {
    close_everything();
    connection_ = std::exchange(other.connection_, -1);
    databases_ = std::move(other.databases_);
    other.databases_.clear();
  }
  return *this;
}

void DatabaseTakeover::close_everything() {
  for (auto& database : databases_) close_descriptors(database);
  databases_.clear();
  if (connection_ >= 0) ::close(connection_);
  connection_ = -1;
}

std::optional<DatabaseTakeover> DatabaseTakeover::ask(const std::string& path,
                                                      const std::vector<std::string>& names,
                                                      std::string& error) {
  DatabaseTakeover takeover;
  takeover.connection_ = connect_to(path, error);
  if (takeover.connection_ < 0) return std::nullopt;
  std::string request = "_getdatabases";
  for (const auto& name : names) request += " " + name;
  std::string text;
  if (!send_all(takeover.connection_, request + "\n") ||
      !read_until(takeover.connection_, "\n", kAnswerLimit, text, kMaxDescription)) {
    error = fmt::format("'{}' did not answer _getdatabases", path);
    return std::nullopt;
  }
  // A refusal is one line; a handover ends with an empty one.
  if (text != "\n" &&
      (!text.starts_with("name=") ||
       !read_until(takeover.connection_, "\n\n", kDescriptorLimit, text, kMaxDescription))) {
    error = fmt::format("'{}' refused: {}", path, text.substr(0, text.find('\n')));
    return std::nullopt;
  }
  std::vector<std::size_t> counts;
  takeover.databases_ = parse_answer(text, counts, error);
  if (!error.empty()) {
    error = fmt::format("'{}': {}", path, error);
    return std::nullopt;
  }
  std::vector<int> received = receive_descriptors(takeover.connection_, kDescriptorLimit, error);
  std::size_t expected = 0;
  for (std::size_t count : counts) expected += count;
  if (error.empty() && received.size() != expected)
    error =
        fmt::format("{} descriptors where the description announced {}", received.size(), expected);
  if (!error.empty()) {
    for (int fd : received) ::close(fd);
    error = fmt::format("'{}': {}", path, error);
    return std::nullopt;
  }
  std::size_t next = 0;
  for (std::size_t i = 0; i < takeover.databases_.size(); ++i)
    for (std::size_t k = 0; k < counts[i]; ++k)
      takeover.databases_[i].engine.descriptors.push_back(received[next++]);
  return takeover;
}

std::optional<serverless::DatabaseHandover> DatabaseTakeover::take(const std::string& name) {
  for (auto it = databases_.begin(); it != databases_.end(); ++it) {
    if (it->name != name) continue;
    serverless::DatabaseHandover taken = std::move(*it);
    databases_.erase(it);
    return taken;
  }
  return std::nullopt;
}

bool DatabaseTakeover::commit(std::string& error) {
  if (connection_ < 0) {
    error = "no handover to commit";
    return false;
  }
  std::string answer;
  const bool confirmed = send_all(connection_, "commit\n") &&
                         read_until(connection_, "\n", kCommitLimit, answer, 64) &&
                         answer == "ok\n";
  if (!confirmed) error = answer.empty() ? "no answer" : "answered '" + answer + "'";
  close_everything();
  return confirmed;
}

}  // namespace borealis::reload
