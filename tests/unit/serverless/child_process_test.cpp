// ChildProcess: what a child inherits (nothing but stdio and the passed
// sockets), socket activation's environment, identities, process groups,
// and reaping. Real processes, real descriptors.
#include "serverless/child_process.hpp"

#include <gtest/gtest.h>
#include <pwd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <asio/co_spawn.hpp>
#include <asio/io_context.hpp>
#include <asio/use_future.hpp>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "serverless/program_fixture.hpp"

namespace borealis::serverless {
namespace {

using namespace std::chrono_literals;

using ChildProcessTest = testing::ProgramTest;

TEST_F(ChildProcessTest, InheritsOnlyStdioAndPassedSockets) {
  // Descriptors borealis has open without CLOEXEC (asio's sockets are so).
  int leaky = ::socket(AF_INET, SOCK_STREAM, 0);
  int passed[2];
  ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM, 0, passed), 0);
  ChildProcess child;
  auto options = shell(
      "ls /proc/self/fd | sort -n | tr '\\n' ' '; "
      "echo; echo \"fds=$LISTEN_FDS pid=$LISTEN_PID self=$$\"");
  options.passed_sockets = {passed[0]};
  ASSERT_TRUE(child.start(options).ok());
  auto exit = run(child);
  ASSERT_TRUE(exit);
  EXPECT_TRUE(exit->clean()) << exit->describe();
  std::string text = output();
  // 0-2, the passed socket as 3, and the descriptor `ls` opens itself.
  EXPECT_EQ(text.substr(0, text.find('\n')), "0 1 2 3 4 ") << text;
  std::string env_line = text.substr(text.find('\n') + 1);
  auto self = env_line.substr(env_line.find("self=") + 5);
  self.erase(self.find_last_not_of("\n") + 1);
  EXPECT_EQ(env_line.rfind("fds=1 pid=" + self + " self=" + self, 0), 0u) << env_line;
  ::close(leaky);
  ::close(passed[0]);
  ::close(passed[1]);
}

TEST_F(ChildProcessTest, RunsAsTheGivenIdentityWithoutSupplementaryGroups) {
  passwd* nobody = ::getpwnam("nobody");
  ASSERT_NE(nobody, nullptr);
  ChildProcess child;
  auto options = shell("id -u; id -g; id -G");
  options.identity = Identity{nobody->pw_uid, nobody->pw_gid, "nobody"};
  if (::geteuid() != 0) {
    // Without root another account is out of reach: a clear refusal.
    core::Status started = child.start(options);
    ASSERT_FALSE(started.ok());
    EXPECT_NE(started.error().find("borealis is not root"), std::string::npos) << started.error();
    return;
  }
  ASSERT_TRUE(child.start(options).ok());
  auto exit = run(child);
  ASSERT_TRUE(exit && exit->clean());
  std::stringstream expected;
  expected << nobody->pw_uid << "\n" << nobody->pw_gid << "\n" << nobody->pw_gid << "\n";
  EXPECT_EQ(output(), expected.str());
}

TEST_F(ChildProcessTest, ReportsExitCodesAndSignals) {
  ChildProcess child;
  ASSERT_TRUE(child.start(shell("exit 3")).ok());
  auto exit = run(child);
  ASSERT_TRUE(exit);
  EXPECT_EQ(exit->code, 3);
  EXPECT_FALSE(exit->clean());
  EXPECT_FALSE(child.running());

  ASSERT_TRUE(child.start(shell("kill -9 $$")).ok());
  exit = run(child);
  ASSERT_TRUE(exit);
  EXPECT_EQ(exit->signal, 9);
}

TEST_F(ChildProcessTest, WaitForExitTimesOutAndKillReapsTheWholeGroup) {
  ChildProcess child;
  auto options = shell("sleep 300 & echo $! > " + directory_ + "/grandchild; sleep 300");
  options.own_process_group = true;
  ASSERT_TRUE(child.start(options).ok());
  EXPECT_FALSE(run(child, 200ms));  // still running after 200 ms
  EXPECT_TRUE(child.running());
  std::string grandchild;
  for (int i = 0; i < 200 && grandchild.empty(); ++i) {
    std::ifstream(directory_ + "/grandchild") >> grandchild;
    if (grandchild.empty()) ::usleep(10000);
  }
  ASSERT_FALSE(grandchild.empty());
  auto status = asio::co_spawn(context_, child.kill_and_reap(), asio::use_future);
  context_.run();
  context_.restart();
  EXPECT_EQ(status.get().signal, 9);
  EXPECT_FALSE(child.running());
  // The grandchild got the group's SIGKILL too (it may linger as a zombie
  // of init for a moment).
  bool gone = false;
  for (int i = 0; i < 200 && !gone; ++i) {
    std::ifstream stat("/proc/" + grandchild + "/stat");
    std::string text((std::istreambuf_iterator<char>(stat)), std::istreambuf_iterator<char>());
    gone = text.empty() || text.find(") Z") != std::string::npos;
    if (!gone) ::usleep(10000);
  }
  EXPECT_TRUE(gone) << "grandchild " << grandchild << " survived";
}

TEST_F(ChildProcessTest, MissingProgramIsAnError) {
  ChildProcess child;
  SpawnOptions options;
  options.argv = {"no-such-program-borealis"};
  options.output_path = output_;
  EXPECT_FALSE(child.start(options).ok());
  EXPECT_FALSE(child.running());
}

TEST_F(ChildProcessTest, DestructorKillsAndReaps) {
  pid_t pid = 0;
  {
    ChildProcess child;
    ASSERT_TRUE(child.start(shell("sleep 300")).ok());
    pid = child.pid();
  }
  // Reaped: the pid is no longer our child.
  EXPECT_EQ(::waitpid(pid, nullptr, WNOHANG), -1);
}

}  // namespace
}  // namespace borealis::serverless
