// What the tests of ChildProcess and KeptProcess share: a temporary
// directory for the program's output, shell programs, and running one to
// its end on an io_context.
#pragma once

#include <gtest/gtest.h>
#include <stdlib.h>

#include <asio/co_spawn.hpp>
#include <asio/io_context.hpp>
#include <asio/use_future.hpp>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>

#include "serverless/program_launch.hpp"

namespace borealis::serverless::testing {

class ProgramTest : public ::testing::Test {
 protected:
  ProgramTest() {
    char pattern[] = "/tmp/borealis-program-test-XXXXXX";
    directory_ = ::mkdtemp(pattern);
    std::filesystem::permissions(directory_, std::filesystem::perms(0755));
    output_ = directory_ + "/out";
  }
  ~ProgramTest() override { std::filesystem::remove_all(directory_); }

  std::string output() const {
    std::ifstream file(output_);
    std::stringstream text;
    text << file.rdbuf();
    return text.str();
  }

  // Waits (up to `limit`) for the program to end; its status once it has.
  template <typename Process>
  std::optional<ExitStatus> run(Process& process,
                                std::chrono::milliseconds limit = std::chrono::seconds(10)) {
    auto result = asio::co_spawn(context_, process.wait_for_exit(limit), asio::use_future);
    context_.run();
    context_.restart();
    return result.get();
  }

  SpawnOptions shell(const std::string& script) {
    SpawnOptions options;
    options.argv = {"/bin/sh", "-c", script};
    options.output_path = output_;
    return options;
  }

  asio::io_context context_;
  std::string directory_;
  std::string output_;
};

}  // namespace borealis::serverless::testing
