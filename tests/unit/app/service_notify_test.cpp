// systemd's notify protocol: the socket is read once and taken out of the
// environment, messages arrive whole, and a missing or odd NOTIFY_SOCKET
// turns notification off.
#include "app/service_notify.hpp"

#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <string>

namespace borealis::app {
namespace {

class ServiceNotifyTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char pattern[] = "/tmp/borealis-notify-XXXXXX";
    ASSERT_NE(::mkdtemp(pattern), nullptr);
    directory_ = pattern;
    path_ = directory_ + "/notify.sock";
    fd_ = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    ASSERT_GE(fd_, 0);
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    std::strncpy(address.sun_path, path_.c_str(), sizeof(address.sun_path) - 1);
    ASSERT_EQ(::bind(fd_, reinterpret_cast<sockaddr*>(&address), sizeof(address)), 0);
  }
  void TearDown() override {
    ::close(fd_);
    ::unlink(path_.c_str());
    ::rmdir(directory_.c_str());
    ::unsetenv("NOTIFY_SOCKET");
  }
  std::string receive() {
    char buffer[256];
    const ssize_t got = ::recv(fd_, buffer, sizeof(buffer), MSG_DONTWAIT);
    return got < 0 ? std::string("(nothing)") : std::string(buffer, static_cast<std::size_t>(got));
  }

  std::string directory_, path_;
  int fd_ = -1;
};

TEST_F(ServiceNotifyTest, ReadsTheSocketOnceAndKeepsItFromChildren) {
  ::setenv("NOTIFY_SOCKET", path_.c_str(), 1);
  const auto notifier = ServiceNotifier::from_environment();
  EXPECT_EQ(std::getenv("NOTIFY_SOCKET"), nullptr);
  ASSERT_TRUE(notifier.enabled());
  EXPECT_TRUE(notifier.notify("READY=1\nSTATUS=listening"));
  EXPECT_EQ(receive(), "READY=1\nSTATUS=listening");
  EXPECT_TRUE(notifier.notify("STOPPING=1"));
  EXPECT_EQ(receive(), "STOPPING=1");
}

TEST_F(ServiceNotifyTest, NoSocketOrAnOddOneMeansNoNotification) {
  ::unsetenv("NOTIFY_SOCKET");
  EXPECT_FALSE(ServiceNotifier::from_environment().enabled());
  const std::string too_long(200, '/');  // longer than sockaddr_un's path
  for (const char* odd : {"", "relative/path", "@", too_long.c_str()}) {
    ::setenv("NOTIFY_SOCKET", odd, 1);
    const auto notifier = ServiceNotifier::from_environment();
    EXPECT_FALSE(notifier.enabled()) << odd;
    EXPECT_FALSE(notifier.notify("READY=1"));
  }
  EXPECT_EQ(receive(), "(nothing)");
}

}  // namespace
}  // namespace borealis::app
