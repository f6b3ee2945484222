// HandshakeLimiter: token buckets on an injected clock, connect-freq-initial (reset replies,
// with the token given back after the cookie), connect-freq, per-source rates, the caps on
// half-open handshakes, and the bound on what the limiter itself keeps under a spoofed flood.

#include "control/handshake_limiter.h"

#include <gtest/gtest.h>

#include <random>
#include <string>

namespace ovpn::control {
namespace {

IpAddress addr(const std::string& text) {
  auto a = IpAddress::parse(text);
  EXPECT_TRUE(a.has_value()) << text;
  return a.value_or(IpAddress{});
}

IpAddress nth(uint32_t i) { return IpAddress::v4(0xac100000u + i); }  // 172.16.0.0 + i

HandshakeLimiter make(const HandshakeLimits& limits, uint64_t now_ms = 0) {
  auto l = HandshakeLimiter::create(limits, now_ms);
  EXPECT_TRUE(l) << l.error().message;
  return std::move(*l);
}

// Only the limit under test.
HandshakeLimits none() {
  HandshakeLimits l;
  l.reset_replies = {};
  l.new_clients = {};
  l.source_reset_replies = {};
  l.source_new_clients = {};
  l.max_half_open = 0;
  l.max_half_open_per_source = 0;
  return l;
}

TEST(TokenBucket, BurstThenSteadyRate) {
  TokenBucket b({100, 10}, 1000);
  for (int i = 0; i < 100; ++i) ASSERT_TRUE(b.take(1000)) << i;
  EXPECT_FALSE(b.take(1000));
  EXPECT_FALSE(b.take(1099));  // one token per 100 ms
  EXPECT_TRUE(b.take(1100));
  EXPECT_FALSE(b.take(1100));
  // 10 s refills all 100, and never more.
  EXPECT_EQ(b.tokens(11100), 100u);
  EXPECT_EQ(b.tokens(1000000), 100u);
  EXPECT_TRUE(b.full(1000000));
}

TEST(TokenBucket, OddRatesAreExact) {
  TokenBucket b({3, 7}, 0);  // one token per 2333.3 ms
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(b.take(0));
  EXPECT_FALSE(b.take(2333));
  EXPECT_TRUE(b.take(2334));
  EXPECT_FALSE(b.take(4666));
  EXPECT_TRUE(b.take(4667));
  EXPECT_EQ(b.tokens(7000), 1u);
}

TEST(TokenBucket, ClockSteppingBackAddsNothingAndRefundIsCapped) {
  TokenBucket b({2, 1}, 5000);
  EXPECT_TRUE(b.take(5000));
  EXPECT_TRUE(b.take(5000));
  EXPECT_FALSE(b.take(1000));  // back in time
  EXPECT_FALSE(b.take(5000));
  b.refund();
  EXPECT_TRUE(b.take(5000));
  b.refund();
  b.refund();
  b.refund();
  EXPECT_EQ(b.tokens(5000), 2u);
  EXPECT_TRUE(b.full(5000));
}

TEST(TokenBucket, OffAlwaysAllows) {
  TokenBucket off;
  EXPECT_FALSE(off.enabled());
  for (int i = 0; i < 1000; ++i) EXPECT_TRUE(off.take(0));
  TokenBucket zero({0, 10}, 0);
  EXPECT_FALSE(zero.enabled());
  EXPECT_TRUE(zero.take(0));
}

TEST(HandshakeLimiter, RefusesImpossibleLimits) {
  HandshakeLimits l;
  l.reset_replies = {kMaxRateCount + 1, 10};
  EXPECT_FALSE(HandshakeLimiter::create(l, 0));
  l = HandshakeLimits{};
  l.source_new_clients = {5, kMaxRateSeconds + 1};
  EXPECT_FALSE(HandshakeLimiter::create(l, 0));
  l = HandshakeLimits{};
  l.max_sources = 0;
  EXPECT_FALSE(HandshakeLimiter::create(l, 0));
  l.source_reset_replies = {};
  EXPECT_TRUE(HandshakeLimiter::create(l, 0));
  // The largest rates do not overflow the bucket's arithmetic.
  TokenBucket big({kMaxRateCount, kMaxRateSeconds}, 0);
  EXPECT_EQ(big.tokens(UINT64_MAX), kMaxRateCount);
}

TEST(HandshakeLimiter, ConnectFreqInitialDefaultsTo100Per10s) {
  HandshakeLimiter l = make(HandshakeLimits{}, 0);
  for (uint32_t i = 0; i < 100; ++i) {
    ASSERT_EQ(l.allow_reply(nth(i), 0), LimitVerdict::kAllowed) << i;
  }
  EXPECT_EQ(l.allow_reply(nth(100), 0), LimitVerdict::kReplyRate);
  EXPECT_EQ(l.allow_reply(nth(100), 99), LimitVerdict::kReplyRate);
  EXPECT_EQ(l.allow_reply(nth(100), 100), LimitVerdict::kAllowed);
  EXPECT_EQ(l.stats().replies[static_cast<size_t>(LimitVerdict::kAllowed)], 101u);
  EXPECT_EQ(l.stats().replies[static_cast<size_t>(LimitVerdict::kReplyRate)], 2u);
  EXPECT_STREQ(limit_verdict_name(LimitVerdict::kReplyRate), "reply_rate");
}

TEST(HandshakeLimiter, OneSourceCannotSpendEveryonesReplies) {
  HandshakeLimiter l = make(HandshakeLimits{}, 0);  // 20 per 10 s per source
  const IpAddress flooder = addr("192.0.2.66");
  size_t allowed = 0;
  for (int i = 0; i < 10000; ++i) allowed += l.allow_reply(flooder, i) == LimitVerdict::kAllowed;
  // 20 at once, then 2 a second for 10 s.
  EXPECT_LE(allowed, 41u);
  EXPECT_GE(allowed, 39u);
  // Everyone else still has the rest of the overall budget.
  for (uint32_t i = 0; i < 60; ++i) {
    EXPECT_EQ(l.allow_reply(nth(i), 10000), LimitVerdict::kAllowed) << i;
  }
  EXPECT_GT(l.stats().replies[static_cast<size_t>(LimitVerdict::kSourceRate)], 9000u);
}

TEST(HandshakeLimiter, CompletedCookieExchangeGivesTheReplyTokenBack) {
  HandshakeLimits limits = none();
  limits.reset_replies = {2, 10};
  limits.source_reset_replies = {1, 10};
  HandshakeLimiter l = make(limits, 0);
  const IpAddress a = addr("10.0.0.1");
  EXPECT_EQ(l.allow_reply(a, 0), LimitVerdict::kAllowed);
  EXPECT_EQ(l.allow_reply(a, 0), LimitVerdict::kSourceRate);
  EXPECT_EQ(l.admit(a, 0, /*after_cookie=*/true), LimitVerdict::kAllowed);
  // Its reply no longer counts: overall and for the source.
  EXPECT_EQ(l.allow_reply(a, 0), LimitVerdict::kAllowed);
  EXPECT_EQ(l.allow_reply(addr("10.0.0.2"), 0), LimitVerdict::kAllowed);
  EXPECT_EQ(l.allow_reply(addr("10.0.0.3"), 0), LimitVerdict::kReplyRate);
  // A stateful start (TCP) gives nothing back.
  EXPECT_EQ(l.admit(addr("10.0.0.2"), 0, false), LimitVerdict::kAllowed);
  EXPECT_EQ(l.allow_reply(addr("10.0.0.3"), 0), LimitVerdict::kReplyRate);
}

TEST(HandshakeLimiter, ConnectFreqLimitsNewClients) {
  HandshakeLimits limits = none();
  limits.new_clients = {5, 1};
  HandshakeLimiter l = make(limits, 0);
  for (uint32_t i = 0; i < 5; ++i) ASSERT_EQ(l.admit(nth(i), 0, true), LimitVerdict::kAllowed);
  EXPECT_EQ(l.admit(nth(5), 0, true), LimitVerdict::kClientRate);
  EXPECT_EQ(l.admit(nth(5), 200, true), LimitVerdict::kAllowed);
  EXPECT_EQ(l.half_open(), 6u);
}

TEST(HandshakeLimiter, PerSourceNewClients) {
  HandshakeLimits limits = none();
  limits.source_new_clients = {3, 60};
  HandshakeLimiter l = make(limits, 0);
  const IpAddress a = addr("2001:db8::1");
  for (int i = 0; i < 3; ++i) ASSERT_EQ(l.admit(a, 0, false), LimitVerdict::kAllowed);
  EXPECT_EQ(l.admit(a, 0, false), LimitVerdict::kSourceRate);
  EXPECT_EQ(l.admit(addr("2001:db8::2"), 0, false), LimitVerdict::kAllowed);
  EXPECT_EQ(l.admit(a, 20000, false), LimitVerdict::kAllowed);
}

TEST(HandshakeLimiter, HalfOpenCapsAreTheMemoryBound) {
  HandshakeLimits limits = none();
  limits.max_half_open = 10;
  limits.max_half_open_per_source = 4;
  HandshakeLimiter l = make(limits, 0);
  const IpAddress a = addr("10.0.0.1");
  for (int i = 0; i < 4; ++i) ASSERT_EQ(l.admit(a, 0, true), LimitVerdict::kAllowed);
  EXPECT_EQ(l.admit(a, 0, true), LimitVerdict::kSourceHalfOpen);
  EXPECT_EQ(l.half_open(a), 4u);
  for (uint32_t i = 0; i < 6; ++i) ASSERT_EQ(l.admit(nth(i), 0, true), LimitVerdict::kAllowed);
  EXPECT_EQ(l.admit(nth(99), 0, true), LimitVerdict::kHalfOpen);
  EXPECT_EQ(l.half_open(), 10u);
  // One finishes (ACTIVE, failed or freed): room for one more.
  l.handshake_done(a);
  EXPECT_EQ(l.half_open(), 9u);
  EXPECT_EQ(l.half_open(a), 3u);
  EXPECT_EQ(l.admit(nth(99), 0, true), LimitVerdict::kAllowed);
  EXPECT_EQ(l.admit(nth(100), 0, true), LimitVerdict::kHalfOpen);
  // done() without an admit() is counted, and changes nothing.
  l.handshake_done(addr("10.9.9.9"));
  EXPECT_EQ(l.stats().unmatched_done, 1u);
  EXPECT_EQ(l.half_open(), 10u);
  for (int i = 0; i < 3; ++i) l.handshake_done(a);
  l.handshake_done(a);
  EXPECT_EQ(l.half_open(a), 0u);
  EXPECT_EQ(l.stats().unmatched_done, 2u);
  EXPECT_EQ(l.stats().admits[static_cast<size_t>(LimitVerdict::kHalfOpen)], 2u);
  EXPECT_EQ(l.stats().admits[static_cast<size_t>(LimitVerdict::kSourceHalfOpen)], 1u);
}

TEST(HandshakeLimiter, RefusedClientsTakeNoTokens) {
  HandshakeLimits limits = none();
  limits.new_clients = {2, 10};
  limits.max_half_open = 1;
  HandshakeLimiter l = make(limits, 0);
  EXPECT_EQ(l.admit(nth(1), 0, true), LimitVerdict::kAllowed);
  for (int i = 0; i < 50; ++i) EXPECT_EQ(l.admit(nth(2), 0, true), LimitVerdict::kHalfOpen);
  l.handshake_done(nth(1));
  EXPECT_EQ(l.admit(nth(2), 0, true), LimitVerdict::kAllowed);  // the second token was kept
}

TEST(HandshakeLimiter, SourceTableIsBoundedUnderASpoofedFlood) {
  HandshakeLimits limits;  // defaults, with a small table
  limits.max_sources = 64;
  HandshakeLimiter l = make(limits, 0);
  std::mt19937 rng(5);
  // 10,000 resets a second from random addresses for 10 s, and a real client now and then.
  size_t allowed = 0;
  size_t real_allowed = 0;
  for (uint64_t t = 0; t < 10000; ++t) {
    for (int k = 0; k < 10; ++k) {
      allowed +=
          l.allow_reply(IpAddress::v4(static_cast<uint32_t>(rng())), t) == LimitVerdict::kAllowed;
    }
    if (t % 1000 == 500)
      real_allowed += l.allow_reply(addr("10.1.1.1"), t) == LimitVerdict::kAllowed;
    ASSERT_LE(l.tracked_sources(), 64u);
  }
  // Never more than the overall budget: 100 at once and 10 a second.
  EXPECT_LE(allowed + real_allowed, 100u + 100u);
  const auto& r = l.stats().replies;
  EXPECT_GE(r[static_cast<size_t>(LimitVerdict::kReplyRate)] +
                r[static_cast<size_t>(LimitVerdict::kSourceTableFull)],
            100000u - 200u);
  // Once the flood stops, the real client gets its reply and idle sources are forgotten.
  EXPECT_EQ(l.allow_reply(addr("10.1.1.1"), 20000), LimitVerdict::kAllowed);
  for (uint32_t i = 0; i < 64; ++i) {
    EXPECT_EQ(l.allow_reply(nth(i), 40000 + i * 100), LimitVerdict::kAllowed) << i;
  }
  EXPECT_LE(l.tracked_sources(), 64u);
}

TEST(HandshakeLimiter, FullTableRefusesNewSourcesUntilTheyGoIdle) {
  HandshakeLimits limits = none();
  limits.source_reset_replies = {1, 10};
  limits.max_sources = 2;
  HandshakeLimiter l = make(limits, 0);
  EXPECT_EQ(l.allow_reply(nth(1), 0), LimitVerdict::kAllowed);
  EXPECT_EQ(l.allow_reply(nth(2), 0), LimitVerdict::kAllowed);
  EXPECT_EQ(l.allow_reply(nth(3), 0), LimitVerdict::kSourceTableFull);
  EXPECT_EQ(l.allow_reply(nth(3), 5000), LimitVerdict::kSourceTableFull);  // not idle yet
  EXPECT_EQ(l.allow_reply(nth(3), 5500), LimitVerdict::kSourceTableFull);  // no sweep < 1 s
  EXPECT_EQ(l.allow_reply(nth(3), 10000), LimitVerdict::kAllowed);  // both full again: forgotten
  EXPECT_EQ(l.tracked_sources(), 1u);
}

}  // namespace
}  // namespace ovpn::control
