#include "common/log.h"

#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <thread>
#include <vector>

namespace ovpn {
namespace {

struct Line {
  LogLevel level;
  std::string component;
  std::string message;
};

std::vector<Line>& captured() {
  static std::vector<Line> lines;
  return lines;
}

void capture_sink(LogLevel level, std::string_view component, std::string_view message) {
  captured().push_back({level, std::string(component), std::string(message)});
}

constexpr Logger kLog{"test.log"};

class LogTest : public ::testing::Test {
 protected:
  void SetUp() override {
    saved_level_ = log_level();
    captured().clear();
    set_log_sink(&capture_sink);
  }
  void TearDown() override {
    set_log_sink(nullptr);  // back to stderr
    set_log_level(saved_level_);
  }

 private:
  LogLevel saved_level_ = LogLevel::kInfo;
};

TEST_F(LogTest, LevelFiltersLines) {
  set_log_level(LogLevel::kWarn);
  EXPECT_EQ(log_level(), LogLevel::kWarn);
  EXPECT_TRUE(kLog.enabled(LogLevel::kError));
  EXPECT_TRUE(kLog.enabled(LogLevel::kWarn));
  EXPECT_FALSE(kLog.enabled(LogLevel::kInfo));

  int evaluated = 0;
  OVPN_LOG(kLog, LogLevel::kInfo, "hidden %d", ++evaluated);
  EXPECT_EQ(evaluated, 0);  // arguments of a disabled line are not evaluated
  OVPN_LOG(kLog, LogLevel::kError, "peer %u (%s) floated", 7u, "10.0.0.1:1194");
  ASSERT_EQ(captured().size(), 1u);
  EXPECT_EQ(captured()[0].level, LogLevel::kError);
  EXPECT_EQ(captured()[0].component, "test.log");
  EXPECT_EQ(captured()[0].message, "peer 7 (10.0.0.1:1194) floated");

  set_log_level(LogLevel::kTrace);
  OVPN_LOG(kLog, LogLevel::kTrace, "trace");
  EXPECT_EQ(captured().size(), 2u);
}

TEST_F(LogTest, LongLinesAreTruncated) {
  set_log_level(LogLevel::kInfo);
  const std::string long_text(5000, 'x');
  kLog.log(LogLevel::kInfo, "%s", long_text.c_str());
  ASSERT_EQ(captured().size(), 1u);
  EXPECT_LT(captured()[0].message.size(), 1024u);
  EXPECT_GT(captured()[0].message.size(), 1000u);
}

TEST_F(LogTest, LevelNames) {
  EXPECT_STREQ(log_level_name(LogLevel::kError), "ERROR");
  EXPECT_STREQ(log_level_name(LogLevel::kWarn), "WARN");
  EXPECT_STREQ(log_level_name(LogLevel::kInfo), "INFO");
  EXPECT_STREQ(log_level_name(LogLevel::kDebug), "DEBUG");
  EXPECT_STREQ(log_level_name(LogLevel::kTrace), "TRACE");
}

TEST(RateLimit, BurstThenSuppressUntilNextWindow) {
  RateLimit limit(3, 1000);
  const uint64_t t0 = 50000;
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(limit.allow(t0)) << i;
  EXPECT_FALSE(limit.allow(t0));
  EXPECT_FALSE(limit.allow(t0 + 500));
  EXPECT_EQ(limit.take_suppressed(), 2u);
  EXPECT_EQ(limit.take_suppressed(), 0u);
  EXPECT_FALSE(limit.allow(t0 + 999));
  EXPECT_TRUE(limit.allow(t0 + 1000));  // a new window
  EXPECT_TRUE(limit.allow(t0 + 1001));
  EXPECT_TRUE(limit.allow(t0 + 1002));
  EXPECT_FALSE(limit.allow(t0 + 1003));
  EXPECT_EQ(limit.take_suppressed(), 2u);
}

TEST_F(LogTest, RateLimitedLogReportsSuppressedCount) {
  set_log_level(LogLevel::kDebug);
  RateLimit limit(2, 200);
  for (int i = 0; i < 5; ++i) log_rate_limited(kLog, limit, LogLevel::kDebug, "bad tag %d", i);
  ASSERT_EQ(captured().size(), 2u);
  EXPECT_EQ(captured()[0].message, "bad tag 0");
  EXPECT_EQ(captured()[1].message, "bad tag 1");

  std::this_thread::sleep_for(std::chrono::milliseconds(250));
  log_rate_limited(kLog, limit, LogLevel::kDebug, "bad tag %d", 5);
  ASSERT_EQ(captured().size(), 3u);
  EXPECT_EQ(captured()[2].message, "bad tag 5 (3 similar lines suppressed)");
}

TEST_F(LogTest, RateLimitedMacroRespectsLevel) {
  set_log_level(LogLevel::kInfo);
  for (int i = 0; i < 20; ++i) OVPN_LOG_RATELIMITED(kLog, LogLevel::kDebug, "hidden %d", i);
  EXPECT_TRUE(captured().empty());
  for (int i = 0; i < 20; ++i) OVPN_LOG_RATELIMITED(kLog, LogLevel::kInfo, "shown %d", i);
  EXPECT_EQ(captured().size(), 10u);  // the default burst
}

}  // namespace
}  // namespace ovpn
