// Runtime API socket files on a real file system: the mode is right from
// the start, nothing is left beside them, and what was at the path is
// replaced only when that is safe.
#include "admin/socket_file.hpp"

#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

namespace borealis::admin {
namespace {

namespace fs = std::filesystem;

class SocketFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char pattern[] = "/tmp/borealis-socket-file-XXXXXX";
    ASSERT_NE(::mkdtemp(pattern), nullptr);
    dir_ = pattern;
  }
  void TearDown() override {
    for (int fd : fds_) ::close(fd);
    fs::remove_all(dir_);
  }
  config::StatsSocket socket_at(const std::string& name, unsigned mode = 0600) {
    config::StatsSocket socket;
    socket.path = (dir_ / name).string();
    socket.mode = mode;
    return socket;
  }
  SocketFile bind(const config::StatsSocket& socket) {
    SocketFile bound = bind_socket_file(socket, 4);
    if (bound.fd >= 0) fds_.push_back(bound.fd);
    return bound;
  }
  // Only the named entries are in the directory (no temporary left).
  void expect_only(std::initializer_list<std::string> names) {
    std::size_t count = 0;
    for (const auto& entry : fs::directory_iterator(dir_)) {
      ++count;
      EXPECT_NE(std::find(names.begin(), names.end(), entry.path().filename().string()),
                names.end())
          << entry.path();
    }
    EXPECT_EQ(count, names.size());
  }

  fs::path dir_;
  std::vector<int> fds_;
};

TEST_F(SocketFileTest, BoundWithItsModeAndNothingLeftBeside) {
  for (unsigned mode : {0600u, 0660u, 0666u}) {
    auto socket = socket_at("api-" + std::to_string(mode), mode);
    SocketFile bound = bind(socket);
    ASSERT_GE(bound.fd, 0) << bound.error;
    struct stat status {};
    ASSERT_EQ(::lstat(socket.path.c_str(), &status), 0);
    EXPECT_TRUE(S_ISSOCK(status.st_mode));
    EXPECT_EQ(status.st_mode & 07777, mode);
    EXPECT_EQ(status.st_ino, bound.inode);
  }
  expect_only({"api-384", "api-432", "api-438"});
}

TEST_F(SocketFileTest, AStaleSocketIsReplacedALiveOneIsNot) {
  auto socket = socket_at("api");
  SocketFile first = bind(socket);
  ASSERT_GE(first.fd, 0) << first.error;
  SocketFile second = bind(socket);
  EXPECT_EQ(second.fd, -1);
  EXPECT_EQ(second.error,
            "'" + socket.path + "' is in use by a running process (another borealis?)");
  ::close(first.fd);
  fds_.clear();
  SocketFile third = bind(socket);  // the file stayed; nobody listens any more
  EXPECT_GE(third.fd, 0) << third.error;
  expect_only({"api"});
}

TEST_F(SocketFileTest, AFileThatIsNotASocketIsLeftAlone) {
  auto socket = socket_at("api");
  std::ofstream(socket.path) << "precious\n";
  SocketFile bound = bind(socket);
  EXPECT_EQ(bound.fd, -1);
  EXPECT_EQ(bound.error, "'" + socket.path + "' exists and is not a socket");
  std::ifstream kept(socket.path);
  std::string line;
  std::getline(kept, line);
  EXPECT_EQ(line, "precious");
}

TEST_F(SocketFileTest, RemovedAtExitOnlyIfStillOurs) {
  auto socket = socket_at("api");
  SocketFile bound = bind(socket);
  ASSERT_GE(bound.fd, 0) << bound.error;
  remove_socket_file(socket.path, bound.inode + 1);  // another file by now
  EXPECT_TRUE(fs::exists(socket.path));
  remove_socket_file(socket.path, bound.inode);
  EXPECT_FALSE(fs::exists(socket.path));
}

TEST_F(SocketFileTest, TooLongAPathIsNamed) {
  auto socket = socket_at(std::string(100, 'a'));
  SocketFile bound = bind(socket);
  EXPECT_EQ(bound.fd, -1);
  EXPECT_EQ(bound.error,
            "'" + socket.path + "' is too long for a unix socket path (at most 107 bytes)");
  // Short enough itself, too long with the directory it is first bound in
  // (a short name in a deep directory).
  const std::string deep(100 - dir_.string().size() - 1, 'd');
  fs::create_directory(dir_ / deep);
  auto nearly = socket_at(deep + "/x");
  SocketFile refused = bind(nearly);
  EXPECT_EQ(refused.fd, -1);
  EXPECT_NE(refused.error.find("is too long: borealis binds it first as"), std::string::npos)
      << refused.error;
  expect_only({deep});
  EXPECT_TRUE(fs::is_empty(dir_ / deep));
}

}  // namespace
}  // namespace borealis::admin
