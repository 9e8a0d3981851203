// The command line, HAProxy's words: -f, -c, and a reload's -sf/-st PID...
// and -x SOCKET.
#include "app/command_line.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace borealis::app {
namespace {

std::optional<Options> parse(std::vector<std::string> words, int& exit_code) {
  words.insert(words.begin(), "borealis");
  std::vector<char*> argv;
  for (auto& word : words) argv.push_back(word.data());
  return parse_command_line(static_cast<int>(argv.size()), argv.data(), exit_code);
}

TEST(CommandLine, ReloadTakesEveryProcessIdAfterSfAndSt) {
  int exit_code = -1;
  auto options =
      parse({"-f", "a.cfg", "-sf", "10", "11", "-x", "/run/b.sock", "-st", "12", "-f", "b.cfg"},
            exit_code);
  ASSERT_TRUE(options);
  EXPECT_EQ(options->config_files, (std::vector<std::string>{"a.cfg", "b.cfg"}));
  EXPECT_EQ(options->finish_pids, (std::vector<pid_t>{10, 11}));
  EXPECT_EQ(options->terminate_pids, (std::vector<pid_t>{12}));
  EXPECT_EQ(options->takeover_socket, "/run/b.sock");
  EXPECT_TRUE(options->replacing());
}

TEST(CommandLine, APlainStartReplacesNothing) {
  int exit_code = -1;
  auto options = parse({"-db", "-f", "a.cfg"}, exit_code);
  ASSERT_TRUE(options);
  EXPECT_FALSE(options->replacing());
  // HAProxy's reload scripts may pass -sf with no PID when none runs.
  options = parse({"-f", "a.cfg", "-sf"}, exit_code);
  ASSERT_TRUE(options);
  EXPECT_FALSE(options->replacing());
}

TEST(CommandLine, AProcessIdThatIsNotANumberIsAnError) {
  for (const char* bad : {"12a", "0", "99999999999999"}) {
    int exit_code = -1;
    EXPECT_FALSE(parse({"-f", "a.cfg", "-sf", bad}, exit_code)) << bad;
    EXPECT_EQ(exit_code, 1) << bad;
  }
}

}  // namespace
}  // namespace borealis::app
