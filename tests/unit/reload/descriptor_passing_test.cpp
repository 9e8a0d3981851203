// Descriptors passed over a unix socket pair, as a reload takes the
// listening sockets: every one arrives, refers to the same open socket,
// and garbage or a short count is an error with nothing left open.
#include "reload/descriptor_passing.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <string>
#include <thread>
#include <vector>

namespace borealis::reload {
namespace {

using namespace std::chrono_literals;

struct Pair {
  int ends[2] = {-1, -1};
  Pair() { EXPECT_EQ(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, ends), 0); }
  ~Pair() {
    for (int fd : ends)
      if (fd >= 0) ::close(fd);
  }
  void close_sender() {
    ::close(ends[0]);
    ends[0] = -1;
  }
};

ino_t inode(int fd) {
  struct stat status {};
  EXPECT_EQ(::fstat(fd, &status), 0);
  return status.st_ino;
}

int open_descriptors() {
  int count = 0;
  for (int fd = 0; fd < 4096; ++fd)
    if (::fcntl(fd, F_GETFD) >= 0) ++count;
  return count;
}

TEST(DescriptorPassing, ManyDescriptorsArriveInBatchesAsTheSameSockets) {
  Pair pair;
  std::vector<int> sent;
  for (int i = 0; i < 450; ++i) sent.push_back(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  std::string error;
  std::vector<int> received;
  // Sent from another thread: 450 descriptors are more than one batch, and
  // the socket buffer holds only so many messages.
  std::thread sender([&] { EXPECT_TRUE(send_descriptors(pair.ends[0], sent, 5000ms, error)); });
  received = receive_descriptors(pair.ends[1], 5000ms, error);
  sender.join();
  EXPECT_EQ(error, "");
  ASSERT_EQ(received.size(), sent.size());
  for (std::size_t i = 0; i < sent.size(); ++i) {
    EXPECT_NE(received[i], sent[i]);
    EXPECT_EQ(inode(received[i]), inode(sent[i]));
    EXPECT_EQ(::fcntl(received[i], F_GETFD) & FD_CLOEXEC, FD_CLOEXEC);
  }
  for (int fd : sent) ::close(fd);
  for (int fd : received) ::close(fd);
}

TEST(DescriptorPassing, NoDescriptorsIsAnEmptyAnswer) {
  Pair pair;
  std::string error;
  ASSERT_TRUE(send_descriptors(pair.ends[0], {}, 1000ms, error));
  EXPECT_TRUE(receive_descriptors(pair.ends[1], 1000ms, error).empty());
  EXPECT_EQ(error, "");
}

TEST(DescriptorPassing, TextInsteadOfACountIsAnError) {
  Pair pair;
  const std::string text = "Permission denied\n\n";
  ASSERT_EQ(::write(pair.ends[0], text.data(), text.size()), static_cast<ssize_t>(text.size()));
  std::string error;
  EXPECT_TRUE(receive_descriptors(pair.ends[1], 1000ms, error).empty());
  EXPECT_EQ(error, "not a descriptor count: 'Permission denied'");
}

TEST(DescriptorPassing, AnAbsurdCountIsRefused) {
  Pair pair;
  const std::string text = "999999\n";
  ASSERT_EQ(::write(pair.ends[0], text.data(), text.size()), static_cast<ssize_t>(text.size()));
  std::string error;
  EXPECT_TRUE(receive_descriptors(pair.ends[1], 1000ms, error).empty());
  EXPECT_EQ(error, "not a descriptor count: '999999'");
}

TEST(DescriptorPassing, APeerThatClosesEarlyLeavesNothingOpen) {
  Pair pair;
  const int before = open_descriptors();
  // Announces three, sends one, closes.
  std::vector<int> one{::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)};
  const std::string count = "3\n";
  ASSERT_EQ(::write(pair.ends[0], count.data(), count.size()), 2);
  std::string error;
  ASSERT_TRUE(send_descriptors(pair.ends[0], one, 1000ms, error));  // "1\n" + the one
  pair.close_sender();
  ::close(one[0]);
  EXPECT_TRUE(receive_descriptors(pair.ends[1], 1000ms, error).empty());
  EXPECT_FALSE(error.empty());
  EXPECT_EQ(open_descriptors(), before - 1);  // the sender's end is gone, nothing added
}

TEST(DescriptorPassing, SilenceTimesOut) {
  Pair pair;
  std::string error;
  EXPECT_TRUE(receive_descriptors(pair.ends[1], 100ms, error).empty());
  EXPECT_EQ(error, "timed out");
}

}  // namespace
}  // namespace borealis::reload
