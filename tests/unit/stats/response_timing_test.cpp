// ResponseTiming: each command timed from its last bytes to its answer's
// first, once; bytes that answer nothing are not timed.
#include "stats/response_timing.hpp"

#include <gtest/gtest.h>

namespace borealis::stats {
namespace {

using namespace std::chrono_literals;

class ResponseTimingTest : public ::testing::Test {
 protected:
  core::SteadyTime at(std::chrono::milliseconds offset) const { return start_ + offset; }
  HistogramReading backend() const { return backend_.read().response_time; }
  HistogramReading server() const { return server_.read().response_time; }

  core::SteadyTime start_ = core::SteadyClock::now();
  TrafficCounters backend_, server_;
};

TEST_F(ResponseTimingTest, TimesEachCommandFromItsLastBytesToItsAnswer) {
  ResponseTiming timing(backend_, server_, 0);
  timing.client_bytes_written(1, at(0ms));    // a command begins
  timing.client_bytes_written(1, at(20ms));   // and goes on (a large one)
  timing.server_bytes_read(at(320ms));        // answered 300 ms after its end
  timing.server_bytes_read(at(330ms));        // more of the same answer
  timing.client_bytes_written(2, at(400ms));  // the next one
  timing.server_bytes_read(at(401ms));
  EXPECT_EQ(backend().count, 2u);
  EXPECT_NEAR(backend().sum_seconds, 0.301, 1e-6);
  EXPECT_EQ(server().count, 2u);
  EXPECT_NEAR(server().sum_seconds, 0.301, 1e-6);
}

TEST_F(ResponseTimingTest, CommandsBeforeItAndUnaskedServerBytesAreNotTimed) {
  ResponseTiming timing(backend_, server_, 5);  // 5 commands on an earlier server connection
  timing.server_bytes_read(at(10ms));           // the server speaks unasked (a farewell ERR)
  timing.client_bytes_written(5, at(20ms));     // the rest of a command begun before
  timing.server_bytes_read(at(30ms));
  EXPECT_EQ(backend().count, 0u);
  EXPECT_EQ(server().count, 0u);
}

}  // namespace
}  // namespace borealis::stats
