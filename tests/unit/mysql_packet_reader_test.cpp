// mysql::read_packet over a connected pair of local stream sockets: whole
// packets, packets arriving in pieces, a refused length, the stream ending
// before, inside the header and inside the payload, an unexpected sequence.
#include <gtest/gtest.h>

#include <asio/co_spawn.hpp>
#include <asio/io_context.hpp>
#include <asio/local/connect_pair.hpp>
#include <asio/local/stream_protocol.hpp>
#include <asio/steady_timer.hpp>
#include <asio/use_future.hpp>
#include <asio/write.hpp>
#include <chrono>
#include <future>
#include <optional>
#include <string>
#include <vector>

#include "mysql/packet.hpp"
#include "mysql/packet_reader.hpp"

using namespace borealis::mysql;
using namespace std::chrono_literals;
using Socket = asio::local::stream_protocol::socket;

namespace {

std::string as_string(const std::vector<std::uint8_t>& bytes) {
  return std::string(bytes.begin(), bytes.end());
}

class PacketReaderTest : public ::testing::Test {
 protected:
  PacketReaderTest() : writer_(context_), reader_(context_) {
    asio::local::connect_pair(writer_, reader_);
  }

  void write(std::string_view bytes) { asio::write(writer_, asio::buffer(bytes)); }
  void close_writer() { writer_.close(); }

  // Runs one read to completion; the io_context stops when nothing is left.
  // (co_spawn needs a default-constructible result; PacketRead has none.)
  PacketRead read(PacketLimits limits = {}) {
    std::optional<PacketRead> result;
    auto reading = [&]() -> asio::awaitable<void> {
      result.emplace(co_await read_packet(reader_, limits));
    };
    auto done = asio::co_spawn(context_, reading(), asio::use_future);
    context_.run_for(10s);
    EXPECT_EQ(done.wait_for(0s), std::future_status::ready) << "the read did not finish";
    done.get();
    if (!result) return PacketFailure{PacketError::network, asio::error::timed_out, std::nullopt};
    return std::move(*result);
  }

  asio::io_context context_;
  Socket writer_;
  Socket reader_;
};

TEST_F(PacketReaderTest, ReadsAWholePacket) {
  write(frame_packet(3, "hello"));
  PacketRead packet = read({64, std::nullopt});
  ASSERT_TRUE(packet);
  EXPECT_EQ(packet->sequence, 3);
  EXPECT_EQ(as_string(packet->payload), "hello");
}

TEST_F(PacketReaderTest, ReadsOnePacketAtATime) {
  write(frame_packet(0, "first") + frame_packet(1, "second"));
  PacketRead first = read();
  context_.restart();
  PacketRead second = read();
  ASSERT_TRUE(first);
  ASSERT_TRUE(second);
  EXPECT_EQ(as_string(first->payload), "first");
  EXPECT_EQ(second->sequence, 1);
  EXPECT_EQ(as_string(second->payload), "second");
}

TEST_F(PacketReaderTest, ReadsAnEmptyPayload) {
  write(frame_packet(7, ""));
  PacketRead packet = read();
  ASSERT_TRUE(packet);
  EXPECT_EQ(packet->sequence, 7);
  EXPECT_TRUE(packet->payload.empty());
}

// The header and the payload each arrive in pieces, with pauses between.
TEST_F(PacketReaderTest, JoinsAPacketSplitAcrossWrites) {
  std::string bytes = frame_packet(2, std::string(1000, 'x') + "end");
  auto writer = [&]() -> asio::awaitable<void> {
    asio::steady_timer pause(co_await asio::this_coro::executor);
    const std::size_t cuts[] = {0, 2, 5, 600, bytes.size()};
    for (std::size_t i = 0; i + 1 < std::size(cuts); ++i) {
      co_await asio::async_write(writer_,
                                 asio::buffer(bytes.data() + cuts[i], cuts[i + 1] - cuts[i]),
                                 asio::use_awaitable);
      pause.expires_after(20ms);
      co_await pause.async_wait(asio::use_awaitable);
    }
  };
  auto written = asio::co_spawn(context_, writer(), asio::use_future);
  PacketRead packet = read();
  written.get();
  ASSERT_TRUE(packet);
  EXPECT_EQ(packet->sequence, 2);
  EXPECT_EQ(packet->payload.size(), 1003u);
  EXPECT_EQ(as_string(packet->payload).substr(997), "xxxend");
}

TEST_F(PacketReaderTest, RefusesALengthAboveTheLimit) {
  write(frame_packet(0, std::string(101, 'a')));
  PacketRead packet = read({100, std::nullopt});
  ASSERT_FALSE(packet);
  EXPECT_EQ(packet.error().kind, PacketError::oversized);
  EXPECT_FALSE(packet.error().error);
  ASSERT_TRUE(packet.error().header);
  EXPECT_EQ(packet.error().header->payload_length, 101u);
}

TEST_F(PacketReaderTest, AcceptsALengthAtTheLimit) {
  write(frame_packet(0, std::string(100, 'a')));
  EXPECT_TRUE(read({100, std::nullopt}));
}

// 0xffffff announces a continuation, refused by default; only the header is sent.
TEST_F(PacketReaderTest, RefusesAContinuedPacketByDefault) {
  write(std::string("\xff\xff\xff\x00", 4));
  PacketRead packet = read();
  ASSERT_FALSE(packet);
  EXPECT_EQ(packet.error().kind, PacketError::oversized);
  EXPECT_EQ(packet.error().header->payload_length, kMaxPayload);
}

TEST_F(PacketReaderTest, EndOfStreamBeforeAPacket) {
  close_writer();
  PacketRead packet = read();
  ASSERT_FALSE(packet);
  EXPECT_EQ(packet.error().kind, PacketError::eof);
  EXPECT_EQ(packet.error().error, asio::error::eof);
  EXPECT_FALSE(packet.error().header);
}

TEST_F(PacketReaderTest, EndOfStreamInTheHeader) {
  write(std::string("\x05\x00", 2));
  close_writer();
  PacketRead packet = read();
  ASSERT_FALSE(packet);
  EXPECT_EQ(packet.error().kind, PacketError::malformed);
  EXPECT_EQ(packet.error().error, asio::error::eof);
  EXPECT_FALSE(packet.error().header);
}

TEST_F(PacketReaderTest, EndOfStreamInThePayload) {
  write(frame_packet(4, "complete").substr(0, kHeaderSize + 3));
  close_writer();
  PacketRead packet = read();
  ASSERT_FALSE(packet);
  EXPECT_EQ(packet.error().kind, PacketError::malformed);
  EXPECT_EQ(packet.error().error, asio::error::eof);
  ASSERT_TRUE(packet.error().header);
  EXPECT_EQ(packet.error().header->payload_length, 8u);
  EXPECT_EQ(packet.error().header->sequence, 4);
}

TEST_F(PacketReaderTest, UnexpectedSequenceIsMalformed) {
  write(frame_packet(5, "late"));
  PacketRead packet = read({64, std::uint8_t{2}});
  ASSERT_FALSE(packet);
  EXPECT_EQ(packet.error().kind, PacketError::malformed);
  EXPECT_FALSE(packet.error().error);
  EXPECT_EQ(packet.error().header->sequence, 5);
}

TEST_F(PacketReaderTest, ExpectedSequenceIsRead) {
  write(frame_packet(2, "on time"));
  PacketRead packet = read({64, std::uint8_t{2}});
  ASSERT_TRUE(packet);
  EXPECT_EQ(as_string(packet->payload), "on time");
}

TEST_F(PacketReaderTest, FailedReadIsANetworkError) {
  reader_.close();
  PacketRead packet = read();
  ASSERT_FALSE(packet);
  EXPECT_EQ(packet.error().kind, PacketError::network);
  EXPECT_TRUE(packet.error().error);
}

TEST(PacketError, EveryKindHasWords) {
  for (auto kind :
       {PacketError::eof, PacketError::network, PacketError::oversized, PacketError::malformed})
    EXPECT_FALSE(to_string(kind).empty());
}

}  // namespace
