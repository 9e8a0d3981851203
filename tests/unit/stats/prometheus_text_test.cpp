// Prometheus's text format as borealis writes it, and the histograms it
// writes from.
#include "stats/prometheus_text.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <thread>
#include <vector>

namespace borealis::stats {
namespace {

TEST(PrometheusText, FamiliesSamplesAndEscapes) {
  PrometheusText out;
  out.family("x_total", PrometheusText::Type::counter, "Help with a \\ and a\nnewline.");
  out.sample({}, 3);
  out.sample({{"proxy", "a\"b\\c\nd"}, {"server", "s"}}, 1.5);
  EXPECT_EQ(out.text(),
            "# HELP x_total Help with a \\\\ and a\\nnewline.\n"
            "# TYPE x_total counter\n"
            "x_total 3\n"
            "x_total{proxy=\"a\\\"b\\\\c\\nd\",server=\"s\"} 1.5\n");
}

TEST(PrometheusText, ValuesAsTheFormatWritesThem) {
  EXPECT_EQ(format_value(0), "0");
  EXPECT_EQ(format_value(12345678901234), "12345678901234");
  EXPECT_EQ(format_value(0.25), "0.25");
  EXPECT_EQ(format_value(-2), "-2");
  EXPECT_EQ(format_value(INFINITY), "+Inf");
  EXPECT_EQ(format_value(-INFINITY), "-Inf");
  EXPECT_EQ(format_value(NAN), "NaN");
}

constexpr std::array<double, 3> kBounds = {0.001, 0.01, 0.1};

TEST(Histogram, BucketsAreCumulativeWithInfLast) {
  Histogram histogram(kBounds);
  using std::chrono::microseconds;
  histogram.observe(microseconds(500));        // <= 1 ms
  histogram.observe(microseconds(1000));       // exactly on a bound: counted in it
  histogram.observe(microseconds(50000));      // <= 100 ms
  histogram.observe(std::chrono::seconds(3));  // over every bound
  const HistogramReading reading = histogram.read();
  EXPECT_EQ(reading.cumulative, (std::vector<std::uint64_t>{2, 2, 3, 4}));
  EXPECT_EQ(reading.count, 4u);
  EXPECT_DOUBLE_EQ(reading.sum_seconds, 3.0515);
  PrometheusText out;
  out.family("t_seconds", PrometheusText::Type::histogram, "T.");
  out.histogram({{"proxy", "p"}}, reading);
  EXPECT_EQ(out.text(),
            "# HELP t_seconds T.\n# TYPE t_seconds histogram\n"
            "t_seconds_bucket{proxy=\"p\",le=\"0.001\"} 2\n"
            "t_seconds_bucket{proxy=\"p\",le=\"0.01\"} 2\n"
            "t_seconds_bucket{proxy=\"p\",le=\"0.1\"} 3\n"
            "t_seconds_bucket{proxy=\"p\",le=\"+Inf\"} 4\n"
            "t_seconds_sum{proxy=\"p\"} 3.0515\n"
            "t_seconds_count{proxy=\"p\"} 4\n");
}

TEST(Histogram, NegativeDurationsCountAsZero) {
  Histogram histogram(kBounds);
  histogram.observe(std::chrono::nanoseconds(-5));
  EXPECT_EQ(histogram.read().cumulative.front(), 1u);
  EXPECT_EQ(histogram.read().sum_seconds, 0);
}

// Workers observe without a lock: no observation is lost.
TEST(Histogram, ThreadsObservingAtOnceLoseNothing) {
  Histogram histogram(kBounds);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&histogram, t] {
      for (int i = 0; i < 10000; ++i) histogram.observe(std::chrono::milliseconds(t * 100));
    });
  for (auto& thread : threads) thread.join();
  const auto reading = histogram.read();
  EXPECT_EQ(reading.count, 40000u);
  EXPECT_EQ(reading.cumulative, (std::vector<std::uint64_t>{10000, 10000, 20000, 40000}));
}

}  // namespace
}  // namespace borealis::stats
