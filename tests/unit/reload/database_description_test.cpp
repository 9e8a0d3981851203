// The line a handed-over database is described by: written and read back,
// and every way a peer's line can be wrong named.
#include "reload/database_description.hpp"

#include <gtest/gtest.h>

namespace borealis::reload {
namespace {

using serverless::DatabaseHandover;
using serverless::DatabaseState;

std::string parse_error(std::string_view line) {
  std::size_t count = 0;
  std::string error;
  EXPECT_FALSE(parse_database_description(line, count, error)) << line;
  return error;
}

TEST(DatabaseDescription, RoundTrips) {
  DatabaseHandover handover;
  handover.name = "app_2";
  handover.state = DatabaseState::frozen;
  handover.capacity = 1.5;
  handover.engine.pid = 4242;
  handover.engine.frozen = true;
  handover.engine.frozen_resident_bytes = 66060288;
  handover.engine.descriptors = {7, 8, 9, 10};
  const std::string line = describe_database(handover);
  EXPECT_EQ(line,
            "name=app_2 state=paused_warm capacity=1.5 pid=4242 frozen=1 resident=66060288 "
            "descriptors=4");
  std::size_t count = 0;
  std::string error;
  auto read = parse_database_description(line, count, error);
  ASSERT_TRUE(read) << error;
  EXPECT_EQ(read->name, "app_2");
  EXPECT_EQ(read->state, DatabaseState::frozen);
  EXPECT_DOUBLE_EQ(read->capacity, 1.5);
  EXPECT_EQ(read->engine.pid, 4242);
  EXPECT_TRUE(read->engine.frozen);
  EXPECT_EQ(read->engine.frozen_resident_bytes, 66060288u);
  EXPECT_TRUE(read->engine.descriptors.empty());
  EXPECT_EQ(count, 4u);
}

TEST(DatabaseDescription, EverySteadyStateReadsBack) {
  for (DatabaseState state : {DatabaseState::stopped, DatabaseState::running, DatabaseState::paused,
                              DatabaseState::frozen, DatabaseState::failed}) {
    DatabaseHandover handover;
    handover.name = "app";
    handover.state = state;
    std::size_t count = 0;
    std::string error;
    auto read = parse_database_description(describe_database(handover), count, error);
    ASSERT_TRUE(read) << error;
    EXPECT_EQ(read->state, state);
  }
}

TEST(DatabaseDescription, WrongLinesAreNamed) {
  const std::string good =
      "name=app state=running capacity=1 pid=1 frozen=0 resident=0 descriptors=4";
  EXPECT_EQ(parse_error(""), "0 fields where 7 are expected");
  EXPECT_EQ(parse_error("Permission denied"), "not key=value: 'Permission'");
  EXPECT_EQ(parse_error(good + " extra=1"), "8 fields where 7 are expected");
  EXPECT_EQ(parse_error(good + " name=b"), "'name' given twice");
  EXPECT_EQ(parse_error("name=app state=running capacity=1 pid=1 frozen=0 resident=0 other=4"),
            "no 'descriptors'");
  EXPECT_EQ(parse_error("name=app state=resuming capacity=1 pid=1 frozen=0 resident=0 "
                        "descriptors=4"),
            "bad state 'resuming'");  // never handed over inside a transition
  EXPECT_EQ(parse_error("name=app state=running capacity=nan pid=1 frozen=0 resident=0 "
                        "descriptors=4"),
            "bad capacity 'nan'");
  EXPECT_EQ(parse_error("name=app state=running capacity=1 pid=-3 frozen=0 resident=0 "
                        "descriptors=4"),
            "bad pid '-3'");
  EXPECT_EQ(parse_error("name=app state=running capacity=1 pid=1 frozen=2 resident=0 "
                        "descriptors=4"),
            "bad frozen '2'");
  EXPECT_EQ(parse_error("name=app state=running capacity=1 pid=1 frozen=0 resident=0 "
                        "descriptors=9"),
            "bad descriptors '9'");
  EXPECT_EQ(parse_error("name= state=running capacity=1 pid=1 frozen=0 resident=0 "
                        "descriptors=4"),
            "bad name ''");
  EXPECT_EQ(parse_error("name=app  state=running"), "not key=value: ''");
}

}  // namespace
}  // namespace borealis::reload
