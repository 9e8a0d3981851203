// KeptProcess: a program started and reaped by a keeper, reached through a
// lifeline that can change hands. Real processes, real descriptors.
#include "serverless/kept_process.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <asio/co_spawn.hpp>
#include <asio/io_context.hpp>
#include <asio/use_future.hpp>
#include <cerrno>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <thread>

#include "serverless/program_fixture.hpp"

namespace borealis::serverless {
namespace {

using namespace std::chrono_literals;

std::string read_text(const std::string& path) {
  std::ifstream file(path);
  std::stringstream text;
  text << file.rdbuf();
  return text.str();
}

bool process_exists(pid_t pid) { return ::kill(pid, 0) == 0 || errno != ESRCH; }

// Waits (up to 10 s) for a process to be gone, reaped by its parent.
bool gone_within_10s(pid_t pid) {
  for (int i = 0; i < 1000 && process_exists(pid); ++i) std::this_thread::sleep_for(10ms);
  return !process_exists(pid);
}

pid_t parent_of(pid_t pid) {
  std::string stat = read_text(fmt::format("/proc/{}/stat", pid));
  // "pid (comm) state ppid ...": comm may hold spaces, so read after ')'.
  std::istringstream rest(stat.substr(stat.rfind(')') + 2));
  char state;
  pid_t parent = 0;
  rest >> state >> parent;
  return parent;
}

class KeptProcessTest : public testing::ProgramTest {
 protected:
  // A program that says when SIGTERM reached it, then ends.
  SpawnOptions waits_for_term() {
    return shell("trap 'echo got TERM; exit 0' TERM; echo ready; while :; do sleep 0.02; done");
  }

  void wait_until_ready() {
    for (int i = 0; i < 500 && output().find("ready") == std::string::npos; ++i)
      std::this_thread::sleep_for(10ms);
  }
};

TEST_F(KeptProcessTest, ReportsTheProgramsPidAndExitStatus) {
  KeptProcess kept;
  ASSERT_TRUE(kept.start(shell("echo $$; exit 3")));
  const pid_t pid = kept.pid();
  auto exit = run(kept);
  ASSERT_TRUE(exit);
  EXPECT_EQ(exit->code, 3);
  EXPECT_EQ(output(), fmt::format("{}\n", pid));
  EXPECT_FALSE(kept.running());
}

TEST_F(KeptProcessTest, SignalsGoThroughTheKeeper) {
  KeptProcess kept;
  ASSERT_TRUE(kept.start(shell("exec sleep 30")));
  EXPECT_FALSE(kept.poll_exit());
  kept.send_signal(SIGTERM);
  auto exit = run(kept);
  ASSERT_TRUE(exit);
  EXPECT_EQ(exit->signal, SIGTERM);
}

TEST_F(KeptProcessTest, TheKeeperHoldsNothingButItsLifeline) {
  int leaked[2];
  ASSERT_EQ(::pipe(leaked), 0);  // not close-on-exec: a fork inherits it
  KeptProcess kept;
  ASSERT_TRUE(kept.start(shell("exec sleep 30")));
  const pid_t keeper = parent_of(kept.pid());
  ASSERT_NE(keeper, ::getpid());
  // What the keeper has open: its stdio, its lifeline and the pidfd it
  // watches the program with. It closes what it inherited right after it
  // forked the program.
  std::map<int, std::string> open;
  for (int i = 0; i < 500; ++i) {
    open.clear();
    for (const auto& entry :
         std::filesystem::directory_iterator(fmt::format("/proc/{}/fd", keeper)))
      open[std::stoi(entry.path().filename().string())] =
          std::filesystem::read_symlink(entry.path()).string();
    if (open.size() == 5) break;
    std::this_thread::sleep_for(10ms);
  }
  ASSERT_EQ(open.size(), 5u);
  EXPECT_EQ(open.rbegin()->first, 4);
  EXPECT_NE(open[3].find("socket:"), std::string::npos) << open[3];
  EXPECT_NE(open[4].find("pidfd"), std::string::npos) << open[4];
  EXPECT_EQ(std::filesystem::read_symlink(fmt::format("/proc/{}/fd/1", keeper)), "/dev/null");
  EXPECT_EQ(read_text(fmt::format("/proc/{}/comm", keeper)), "borealis-keep\n");
  ::close(leaked[0]);
  ::close(leaked[1]);
}

TEST_F(KeptProcessTest, WhenNoOneHoldsTheLifelineTheProgramGetsSigterm) {
  KeptProcess kept;
  ASSERT_TRUE(kept.start(waits_for_term()));
  wait_until_ready();
  const pid_t pid = kept.pid();
  kept.let_go();  // the only holder: as if borealis were killed
  EXPECT_TRUE(gone_within_10s(pid));
  EXPECT_NE(output().find("got TERM"), std::string::npos) << output();
}

TEST_F(KeptProcessTest, AFrozenProgramIsStoppedTooWhenNoOneHoldsTheLifeline) {
  KeptProcess kept;
  ASSERT_TRUE(kept.start(waits_for_term()));
  wait_until_ready();
  const pid_t pid = kept.pid();
  kept.send_signal(SIGSTOP);  // a warm pause
  for (int i = 0;
       i < 500 && read_text(fmt::format("/proc/{}/stat", pid)).find(") T ") == std::string::npos;
       ++i)
    std::this_thread::sleep_for(10ms);
  kept.let_go();  // borealis killed while the database is frozen
  EXPECT_TRUE(gone_within_10s(pid));
  EXPECT_NE(output().find("got TERM"), std::string::npos) << output();
}

TEST_F(KeptProcessTest, AHandedOverLifelineKeepsTheProgramForItsNewOwner) {
  KeptProcess first;
  ASSERT_TRUE(first.start(waits_for_term()));
  wait_until_ready();
  const pid_t pid = first.pid();
  const int handed = ::fcntl(first.lifeline(), F_DUPFD_CLOEXEC, 0);  // as SCM_RIGHTS would
  first.let_go();
  std::this_thread::sleep_for(200ms);
  EXPECT_TRUE(process_exists(pid));
  EXPECT_EQ(output().find("got TERM"), std::string::npos);

  KeptProcess second;
  ASSERT_TRUE(second.adopt(handed, pid));
  EXPECT_FALSE(second.poll_exit());
  second.send_signal(SIGTERM);
  auto exit = run(second);
  ASSERT_TRUE(exit);
  EXPECT_TRUE(exit->clean()) << exit->describe();  // the trap's exit 0
  EXPECT_NE(output().find("got TERM"), std::string::npos);
}

TEST_F(KeptProcessTest, AKilledKeeperStopsTheProgramAndIsReported) {
  KeptProcess kept;
  ASSERT_TRUE(kept.start(waits_for_term()));
  wait_until_ready();
  const pid_t pid = kept.pid();
  ASSERT_EQ(::kill(parent_of(pid), SIGKILL), 0);
  auto exit = run(kept);
  ASSERT_TRUE(exit);
  EXPECT_NE(exit->describe().find("keeper"), std::string::npos) << exit->describe();
  EXPECT_TRUE(gone_within_10s(pid));  // its parent-death signal
}

TEST_F(KeptProcessTest, KillAndReapAndTheDestructorLeaveNothing) {
  pid_t first_pid = 0, second_pid = 0;
  {
    KeptProcess kept;
    ASSERT_TRUE(kept.start(shell("exec sleep 30")));
    first_pid = kept.pid();
    auto killed = asio::co_spawn(context_, kept.kill_and_reap(), asio::use_future);
    context_.run();
    context_.restart();
    EXPECT_EQ(killed.get().signal, SIGKILL);
    ASSERT_TRUE(kept.start(shell("exec sleep 30")));
    second_pid = kept.pid();
  }
  EXPECT_FALSE(process_exists(first_pid));
  EXPECT_TRUE(gone_within_10s(second_pid));
}

TEST_F(KeptProcessTest, AMissingProgramIsAnErrorOrAnExit127) {
  KeptProcess kept;
  SpawnOptions missing = shell("true");
  missing.argv = {"no-such-program-anywhere"};
  EXPECT_FALSE(kept.start(missing));
  SpawnOptions options = shell("true");
  options.argv = {"/nonexistent/program"};
  ASSERT_TRUE(kept.start(options));  // found by path: the exec itself fails
  auto exit = run(kept);
  ASSERT_TRUE(exit);
  EXPECT_EQ(exit->code, 127);
  EXPECT_NE(output().find("cannot start the program"), std::string::npos);
}

}  // namespace
}  // namespace borealis::serverless
