// ReconnectPolicy: OpenVPN 2.6's remote rotation and connect-retry backoff -- the pause is
// connect-retry N until five rounds through the list have failed, then doubles per round up to
// connect-retry's MAX; server backoff and auth-retry raise it; connected() resets; interrupted()
// retries after connect-retry N; connect-retry-max gives up; remote-random shuffles once through
// the hook.

#include "app/reconnect_policy.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include "config/config_reader.h"
#include "config/file_system.h"

namespace ovpn::app {
namespace {

config::ConnectionOptions entries(size_t count, uint32_t retry_s, uint32_t retry_max_s) {
  config::ConnectionOptions o;
  for (size_t i = 0; i < count; ++i) {
    config::ConnectionEntry e;
    e.remote_host = "192.0.2." + std::to_string(i + 1);
    e.connect_retry_s = retry_s;
    e.connect_retry_max_s = retry_max_s;
    o.entries.push_back(e);
  }
  return o;
}

// The pause after each of `n` consecutive failures.
std::vector<uint32_t> pauses(ReconnectPolicy& policy, int n) {
  std::vector<uint32_t> out;
  for (int i = 0; i < n; ++i) {
    policy.failed();
    out.push_back(policy.pause_s());
  }
  return out;
}

TEST(ReconnectPolicyTest, FirstAttemptStartsAtOnceOnTheFirstEntry) {
  const auto o = entries(3, 5, 300);
  ReconnectPolicy p(o);
  EXPECT_EQ(p.current(), 0u);
  EXPECT_EQ(p.pause_s(), 0u);
  EXPECT_EQ(p.unsuccessful_attempts(), 0u);
  EXPECT_FALSE(p.exhausted());
}

TEST(ReconnectPolicyTest, FailuresRotateThroughTheEntriesInOrder) {
  const auto o = entries(3, 5, 300);
  ReconnectPolicy p(o);
  std::vector<size_t> seen;
  for (int i = 0; i < 7; ++i) {
    p.failed();
    seen.push_back(p.current());
  }
  EXPECT_EQ(seen, (std::vector<size_t>{1, 2, 0, 1, 2, 0, 1}));
  EXPECT_EQ(p.unsuccessful_attempts(), 7u);
}

TEST(ReconnectPolicyTest, SingleRemoteBackoffDoublesAfterFiveFailuresUpToTheMax) {
  const auto o = entries(1, 5, 300);
  ReconnectPolicy p(o);
  // Failures 1-4: connect-retry; the fifth completes five rounds and doubles, and so on.
  EXPECT_EQ(pauses(p, 12), (std::vector<uint32_t>{5, 5, 5, 5, 10, 20, 40, 80, 160, 300, 300, 300}));
  EXPECT_EQ(p.current(), 0u);
}

TEST(ReconnectPolicyTest, BackoffCountsRoundsThroughTheWholeList) {
  const auto o = entries(3, 2, 1000);
  ReconnectPolicy p(o);
  const auto got = pauses(p, 21);
  // 14 failures (four full rounds and most of the fifth) at connect-retry, then one doubling
  // per completed round: failures 15-17 -> 4, 18-20 -> 8, 21 -> 16.
  for (int i = 0; i < 14; ++i) EXPECT_EQ(got[i], 2u) << "failure " << i + 1;
  for (int i = 14; i < 17; ++i) EXPECT_EQ(got[i], 4u) << "failure " << i + 1;
  for (int i = 17; i < 20; ++i) EXPECT_EQ(got[i], 8u) << "failure " << i + 1;
  EXPECT_EQ(got[20], 16u);
}

TEST(ReconnectPolicyTest, ZeroConnectRetryStillBacksOffFromOneSecond) {
  const auto o = entries(1, 0, 300);
  ReconnectPolicy p(o);
  // OpenVPN shifts max(sec, 1): a zero pause becomes 2, 4, ... once backoff starts.
  EXPECT_EQ(pauses(p, 7), (std::vector<uint32_t>{0, 0, 0, 0, 2, 4, 8}));
}

TEST(ReconnectPolicyTest, DoublingStopsAtFifteenShiftsAndTheMax) {
  const auto o = entries(1, 86400, 86400);
  ReconnectPolicy p(o);
  const auto got = pauses(p, 100);  // no overflow however long it fails
  EXPECT_EQ(got.back(), 86400u);
  const auto small = entries(1, 1, 100000);
  ReconnectPolicy q(small);
  const auto shifted = pauses(q, 40);
  EXPECT_EQ(shifted[18], 1u << 15);  // failure 19: 15 rounds past the fourth
  EXPECT_EQ(shifted.back(), 1u << 15);
}

TEST(ReconnectPolicyTest, TheEntryAboutToBeTriedSetsThePause) {
  auto o = entries(2, 5, 300);
  o.entries[1].connect_retry_s = 30;
  o.entries[1].connect_retry_max_s = 40;
  ReconnectPolicy p(o);
  p.failed();  // now on entry 1
  EXPECT_EQ(p.current(), 1u);
  EXPECT_EQ(p.pause_s(), 30u);
  p.failed();
  EXPECT_EQ(p.current(), 0u);
  EXPECT_EQ(p.pause_s(), 5u);
  for (int i = 0; i < 8; ++i) p.failed();  // 10 failures: five rounds of two entries
  EXPECT_EQ(p.current(), 0u);
  EXPECT_EQ(p.pause_s(), 10u);
  p.failed();
  EXPECT_EQ(p.pause_s(), 40u);  // 60, capped by entry 1's MAX
}

TEST(ReconnectPolicyTest, ServerBackoffRaisesThePauseWithinTheMax) {
  const auto o = entries(2, 5, 300);
  ReconnectPolicy p(o);
  p.failed(30);
  EXPECT_EQ(p.pause_s(), 30u);
  EXPECT_EQ(p.current(), 1u);
  p.failed(2);  // shorter than connect-retry: connect-retry wins
  EXPECT_EQ(p.pause_s(), 5u);
  p.failed(1000);
  EXPECT_EQ(p.pause_s(), 300u);

  const auto capped = entries(1, 5, 20);
  ReconnectPolicy q(capped);
  q.failed(60);
  EXPECT_EQ(q.pause_s(), 20u);
}

TEST(ReconnectPolicyTest, RestartWithoutAdvanceKeepsTheEntryButCountsTheFailure) {
  const auto o = entries(3, 5, 300);
  ReconnectPolicy p(o);
  p.failed(std::nullopt, false);
  EXPECT_EQ(p.current(), 0u);
  EXPECT_EQ(p.unsuccessful_attempts(), 1u);
  EXPECT_EQ(p.pause_s(), 5u);
  p.failed(10, false);
  EXPECT_EQ(p.current(), 0u);
  EXPECT_EQ(p.pause_s(), 10u);
}

TEST(ReconnectPolicyTest, ConnectedResetsTheCountersAndKeepsTheEntry) {
  const auto o = entries(3, 5, 300);
  ReconnectPolicy p(o);
  for (int i = 0; i < 16; ++i) p.failed();
  EXPECT_EQ(p.current(), 1u);
  EXPECT_EQ(p.pause_s(), 10u);
  p.connected();
  EXPECT_EQ(p.current(), 1u);
  EXPECT_EQ(p.pause_s(), 0u);
  EXPECT_EQ(p.unsuccessful_attempts(), 0u);
  // The backoff starts over.
  p.failed();
  EXPECT_EQ(p.current(), 2u);
  EXPECT_EQ(p.pause_s(), 5u);
}

TEST(ReconnectPolicyTest, InterruptedRetriesTheSameEntryAfterConnectRetry) {
  const auto o = entries(3, 5, 300);
  ReconnectPolicy p(o);
  p.failed();
  p.connected();
  p.interrupted();
  EXPECT_EQ(p.current(), 1u);
  EXPECT_EQ(p.pause_s(), 5u);  // as stock: a server that sent RESTART is still going down
  EXPECT_EQ(p.unsuccessful_attempts(), 0u);
  // RESTART with a backoff and [N]: next entry, after the server's pause.
  p.interrupted(20, true);
  EXPECT_EQ(p.current(), 2u);
  EXPECT_EQ(p.pause_s(), 20u);
  p.interrupted(100000);
  EXPECT_EQ(p.current(), 2u);
  EXPECT_EQ(p.pause_s(), 300u);
}

TEST(ReconnectPolicyTest, InterruptedServerBackoffIsCappedByConnectRetryMax) {
  const auto o = entries(1, 5, 60);
  ReconnectPolicy p(o);
  p.connected();
  p.interrupted(120);
  EXPECT_EQ(p.pause_s(), 60u);
}

TEST(ReconnectPolicyTest, AuthFailedPauseRaisesButNeverLowers) {
  const auto o = entries(1, 5, 300);
  ReconnectPolicy p(o);
  p.failed();
  p.auth_failed_pause(10);
  EXPECT_EQ(p.pause_s(), 10u);
  p.auth_failed_pause(3);
  EXPECT_EQ(p.pause_s(), 10u);
}

TEST(ReconnectPolicyTest, ConnectRetryMaxCountsAttemptsPerEntry) {
  auto o = entries(2, 1, 300);
  o.connect_retry_max = 2;
  ReconnectPolicy p(o);
  for (int i = 0; i < 3; ++i) {
    p.failed();
    EXPECT_FALSE(p.exhausted()) << "after failure " << i + 1;
  }
  p.failed();
  EXPECT_TRUE(p.exhausted());
  // A success in between starts the count again.
  ReconnectPolicy q(o);
  for (int i = 0; i < 3; ++i) q.failed();
  q.connected();
  for (int i = 0; i < 3; ++i) q.failed();
  EXPECT_FALSE(q.exhausted());
}

TEST(ReconnectPolicyTest, UnlimitedWithoutConnectRetryMax) {
  const auto o = entries(1, 1, 300);
  ReconnectPolicy p(o);
  for (int i = 0; i < 1000; ++i) p.failed();
  EXPECT_FALSE(p.exhausted());
}

TEST(ReconnectPolicyTest, RemoteRandomShufflesOnceThroughTheHook) {
  auto o = entries(4, 1, 300);
  o.remote_random = true;
  int calls = 0;
  auto reverse = [&calls](std::vector<size_t>& order) {
    ++calls;
    EXPECT_EQ(order, (std::vector<size_t>{0, 1, 2, 3}));
    std::reverse(order.begin(), order.end());
  };
  ReconnectPolicy p(o, reverse);
  EXPECT_EQ(calls, 1);
  std::vector<size_t> seen{p.current()};
  for (int i = 0; i < 5; ++i) {
    p.failed();
    seen.push_back(p.current());
  }
  EXPECT_EQ(seen, (std::vector<size_t>{3, 2, 1, 0, 3, 2}));
  EXPECT_EQ(calls, 1);
}

TEST(ReconnectPolicyTest, WithoutRemoteRandomTheHookIsNotCalled) {
  const auto o = entries(3, 1, 300);
  bool called = false;
  ReconnectPolicy p(o, [&called](std::vector<size_t>&) { called = true; });
  EXPECT_FALSE(called);
  EXPECT_EQ(p.current(), 0u);
}

TEST(ReconnectPolicyTest, NoEntriesUsesTheDefaults) {
  config::ConnectionOptions o;
  ReconnectPolicy p(o);
  EXPECT_EQ(p.current(), 0u);
  p.failed();
  EXPECT_EQ(p.current(), 0u);
  EXPECT_EQ(p.pause_s(), config::ConnectionEntry{}.connect_retry_s);
}

TEST(ReconnectPolicyTest, FromAParsedConfiguration) {
  config::MemoryFileSystem fs;
  const std::string cert = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";
  fs.add("ca.crt", cert);
  fs.add("client.crt", cert);
  fs.add("client.key", "-----BEGIN PRIVATE KEY-----\nMIIE\n-----END PRIVATE KEY-----\n");
  const char* text =
      "client\n"
      "ca ca.crt\ncert client.crt\nkey client.key\n"
      "connect-retry 3 50\n"
      "connect-retry-max 2\n"
      "<connection>\nremote 192.0.2.1 1194\n</connection>\n"
      "<connection>\nremote 192.0.2.2 1194\nconnect-retry 7\n</connection>\n"
      "remote-random\n";
  auto list = config::read_config_text(text, "client.conf", fs);
  ASSERT_TRUE(list) << list.error().message;
  auto built = config::build_client_options(*list, fs);
  ASSERT_TRUE(built) << built.error().message;
  const config::ConnectionOptions& o = built->options.connection;
  ASSERT_EQ(o.entries.size(), 2u);
  ASSERT_TRUE(o.remote_random);
  EXPECT_EQ(o.entries[1].connect_retry_s, 7u);
  EXPECT_EQ(o.entries[1].connect_retry_max_s, 50u);
  ReconnectPolicy p(o, [](std::vector<size_t>& order) { std::swap(order[0], order[1]); });
  EXPECT_EQ(p.current(), 1u);
  p.failed();
  EXPECT_EQ(p.current(), 0u);
  EXPECT_EQ(p.pause_s(), 3u);
  p.failed();
  EXPECT_EQ(p.current(), 1u);
  EXPECT_EQ(p.pause_s(), 7u);
  EXPECT_FALSE(p.exhausted());
  p.failed();
  p.failed();
  EXPECT_TRUE(p.exhausted());
}

}  // namespace
}  // namespace ovpn::app
