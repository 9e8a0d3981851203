// DatabaseTakeover against a scripted old process on a real unix socket:
// a handover, a refusal, a description that does not match the
// descriptors, and a commit the old process does not confirm.
#include "reload/database_takeover.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <functional>
#include <thread>

#include "reload/descriptor_passing.hpp"

namespace borealis::reload {
namespace {

using namespace std::chrono_literals;

std::size_t open_descriptors() {
  std::size_t count = 0;
  for ([[maybe_unused]] const auto& entry : std::filesystem::directory_iterator("/proc/self/fd"))
    ++count;
  return count;
}

std::string read_line(int fd) {
  std::string line;
  char byte;
  while (::recv(fd, &byte, 1, 0) == 1) {
    line += byte;
    if (byte == '\n') break;
  }
  return line;
}

void write_text(int fd, const std::string& text) {
  ASSERT_EQ(::send(fd, text.data(), text.size(), MSG_NOSIGNAL), static_cast<ssize_t>(text.size()));
}

// One connection served by `script` on a thread, as the old process would.
class OldProcess {
 public:
  explicit OldProcess(std::function<void(int)> script) {
    char pattern[] = "/tmp/borealis-takeover-test-XXXXXX";
    directory_ = ::mkdtemp(pattern);
    path_ = directory_ + "/admin.sock";
    listener_ = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    std::memcpy(address.sun_path, path_.c_str(), path_.size() + 1);
    EXPECT_EQ(::bind(listener_, reinterpret_cast<sockaddr*>(&address), sizeof(address)), 0);
    EXPECT_EQ(::listen(listener_, 1), 0);
    thread_ = std::thread([this, script = std::move(script)] {
      int connection = ::accept4(listener_, nullptr, nullptr, SOCK_CLOEXEC);
      request_ = read_line(connection);
      script(connection);
      ::close(connection);
    });
  }
  ~OldProcess() {
    if (thread_.joinable()) thread_.join();
    ::close(listener_);
    std::filesystem::remove_all(directory_);
  }
  const std::string& path() const { return path_; }
  std::string request() {
    thread_.join();
    return request_;
  }

 private:
  std::string directory_, path_, request_;
  int listener_ = -1;
  std::thread thread_;
};

TEST(DatabaseTakeover, TakesTheDescribedDatabasesWithTheirDescriptorsThenCommits) {
  std::string commit;
  OldProcess old([&commit](int connection) {
    int pipe_ends[2];
    ASSERT_EQ(::pipe2(pipe_ends, O_CLOEXEC), 0);
    write_text(connection,
               "name=app state=running capacity=1 pid=42 frozen=0 resident=0 descriptors=2\n\n");
    std::string error;
    ASSERT_TRUE(send_descriptors(connection, {pipe_ends[0], pipe_ends[1]}, 2000ms, error));
    ::close(pipe_ends[0]);
    ::close(pipe_ends[1]);
    commit = read_line(connection);
    write_text(connection, "ok\n");
  });
  std::string error;
  auto takeover = DatabaseTakeover::ask(old.path(), {"app", "other"}, error);
  ASSERT_TRUE(takeover) << error;
  EXPECT_FALSE(takeover->take("other"));
  auto app = takeover->take("app");
  ASSERT_TRUE(app);
  EXPECT_EQ(app->engine.pid, 42);
  ASSERT_EQ(app->engine.descriptors.size(), 2u);
  EXPECT_EQ(::write(app->engine.descriptors[1], "x", 1), 1);  // the same pipe, end to end
  char byte = 0;
  EXPECT_EQ(::read(app->engine.descriptors[0], &byte, 1), 1);
  EXPECT_EQ(byte, 'x');
  for (int fd : app->engine.descriptors) ::close(fd);
  EXPECT_TRUE(takeover->commit(error)) << error;
  EXPECT_EQ(old.request(), "_getdatabases app other\n");
  EXPECT_EQ(commit, "commit\n");
}

TEST(DatabaseTakeover, ARefusalIsQuoted) {
  OldProcess old([](int connection) { write_text(connection, "Permission denied\n"); });
  std::string error;
  EXPECT_FALSE(DatabaseTakeover::ask(old.path(), {"app"}, error));
  EXPECT_NE(error.find("refused: Permission denied"), std::string::npos) << error;
}

TEST(DatabaseTakeover, FewerDescriptorsThanDescribedLeaveNothingOpen) {
  OldProcess old([](int connection) {
    write_text(connection,
               "name=app state=running capacity=1 pid=42 frozen=0 resident=0 descriptors=3\n\n");
    std::string error;
    ASSERT_TRUE(send_descriptors(connection, {0, 1}, 2000ms, error));
  });
  const std::size_t before = open_descriptors();
  std::string error;
  EXPECT_FALSE(DatabaseTakeover::ask(old.path(), {"app"}, error));
  EXPECT_NE(error.find("2 descriptors where the description announced 3"), std::string::npos)
      << error;
  old.request();
  EXPECT_EQ(open_descriptors(), before);
}

TEST(DatabaseTakeover, AMalformedDescriptionIsNamed) {
  OldProcess old([](int connection) {
    write_text(connection,
               "name=app state=resuming capacity=1 pid=42 frozen=0 resident=0 "
               "descriptors=0\n\n");
  });
  std::string error;
  EXPECT_FALSE(DatabaseTakeover::ask(old.path(), {"app"}, error));
  EXPECT_NE(error.find("bad state 'resuming'"), std::string::npos) << error;
}

TEST(DatabaseTakeover, ACommitTheOldProcessDoesNotConfirmFails) {
  OldProcess old([](int connection) {
    write_text(connection, "\n");
    std::string error;
    ASSERT_TRUE(send_descriptors(connection, {}, 2000ms, error));
    read_line(connection);
    write_text(connection, "no\n");
  });
  std::string error;
  auto takeover = DatabaseTakeover::ask(old.path(), {"app"}, error);
  ASSERT_TRUE(takeover) << error;
  EXPECT_FALSE(takeover->take("app"));
  EXPECT_FALSE(takeover->commit(error));
  EXPECT_EQ(error, "answered 'no\n'");
}

}  // namespace
}  // namespace borealis::reload
