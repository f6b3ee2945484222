// Two control channels, a client and a server, move a large byte stream each way through a
// simulated link that loses, duplicates and reorders packets (seeded, so every run is the
// same). Both streams must arrive intact and in order, within a bounded simulated time.

#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <string>
#include <vector>

#include "channel_fixtures.h"

namespace ovpn::control {
namespace {

using namespace test_fixtures;  // NOLINT: test helpers
using proto::Role;

struct LinkParams {
  double loss = 0.1;
  double duplicate = 0.05;
  uint64_t max_delay_ms = 60;  // uniform delay 0..max: reorders packets sent close together
};

// One direction of the simulated link.
class LossyLink {
 public:
  LossyLink(uint32_t seed, LinkParams params) : rng_(seed), params_(params) {}

  void send(Packet p, uint64_t now_ms) {
    ++sent_;
    if (chance(params_.loss)) return;
    if (chance(params_.duplicate)) queue_.push_back({now_ms + delay(), p});
    queue_.push_back({now_ms + delay(), std::move(p)});
  }

  // The packets that arrive by `now_ms`, in arrival order.
  std::vector<Packet> arrivals(uint64_t now_ms) {
    std::stable_sort(queue_.begin(), queue_.end(),
                     [](const InFlight& a, const InFlight& b) { return a.at < b.at; });
    std::vector<Packet> out;
    auto it = queue_.begin();
    for (; it != queue_.end() && it->at <= now_ms; ++it) out.push_back(std::move(it->packet));
    queue_.erase(queue_.begin(), it);
    return out;
  }

  uint64_t sent() const { return sent_; }

 private:
  struct InFlight {
    uint64_t at;
    Packet packet;
  };
  bool chance(double p) { return std::uniform_real_distribution<double>(0, 1)(rng_) < p; }
  uint64_t delay() {
    return std::uniform_int_distribution<uint64_t>(0, params_.max_delay_ms)(rng_);
  }

  std::mt19937 rng_;
  LinkParams params_;
  std::vector<InFlight> queue_;
  uint64_t sent_ = 0;
};

std::vector<uint8_t> random_stream(uint32_t seed, size_t size) {
  std::mt19937 rng(seed);
  std::vector<uint8_t> out(size);
  for (auto& b : out) b = static_cast<uint8_t>(rng());
  return out;
}

// One side: its channel, what it must send, what it got.
struct Side {
  ControlChannel& ch;
  std::vector<uint8_t> to_send;
  size_t written = 0;
  std::vector<uint8_t> received;

  void write_some() {
    // Feed the channel as TLS would: a few KiB at a time, while it is not backed up.
    while (written < to_send.size() && ch.write_pending() < 8192) {
      const size_t n = std::min<size_t>(4000, to_send.size() - written);
      ASSERT_TRUE(ch.write(std::span<const uint8_t>(to_send).subspan(written, n)));
      written += n;
    }
  }
  void read_all_into() {
    const auto got = read_all(ch);
    received.insert(received.end(), got.begin(), got.end());
  }
};

struct LoopbackCase {
  std::string name;
  bool tls_crypt;
  uint32_t seed;
  LinkParams link;
};

class Loopback : public ::testing::TestWithParam<LoopbackCase> {};

TEST_P(Loopback, LargeStreamsBothWaysArriveIntactAndInOrder) {
  const LoopbackCase& tc = GetParam();
  auto cwrap = tc.tls_crypt ? tls_crypt_context(Role::kClient) : plain_context(Role::kClient);
  auto swrap = tc.tls_crypt ? tls_crypt_context(Role::kServer) : plain_context(Role::kServer);
  auto client = make_channel(config(Role::kClient), cwrap);
  auto server = make_channel(config(Role::kServer), swrap);
  Side c{client, random_stream(tc.seed, 300 * 1024), 0, {}};
  Side s{server, random_stream(tc.seed + 1, 200 * 1024 + 17), 0, {}};
  LossyLink to_server(tc.seed * 7 + 1, tc.link);
  LossyLink to_client(tc.seed * 7 + 2, tc.link);

  uint64_t now = 0;
  constexpr uint64_t kStepMs = 10;
  constexpr uint64_t kLimitMs = 900 * 1000;
  // TLS speaks first on the client, and the server answers only after it heard something.
  while (now < kLimitMs) {
    c.write_some();
    if (!s.received.empty()) s.write_some();
    for (auto& p : drain(client, now)) to_server.send(std::move(p), now);
    for (auto& p : drain(server, now)) to_client.send(std::move(p), now);
    for (auto& p : to_server.arrivals(now)) static_cast<void>(server.on_packet(p, now));
    for (auto& p : to_client.arrivals(now)) static_cast<void>(client.on_packet(p, now));
    c.read_all_into();
    s.read_all_into();
    if (c.received.size() == s.to_send.size() && s.received.size() == c.to_send.size() &&
        client.all_acked() && server.all_acked()) {
      break;
    }
    now += kStepMs;
  }
  EXPECT_LT(now, kLimitMs) << "did not finish";
  EXPECT_TRUE(s.received == c.to_send) << "client->server stream differs";
  EXPECT_TRUE(c.received == s.to_send) << "server->client stream differs";
  EXPECT_FALSE(client.failed() || server.failed());
  if (tc.link.loss > 0) {
    EXPECT_GT(client.stats().tx_retransmits + server.stats().tx_retransmits, 0u);
  }
  if (tc.link.duplicate > 0) {
    const auto dropped = [&](const ControlChannel& ch) {
      return ch.stats().rx[static_cast<size_t>(ControlDrop::kDuplicate)] +
             ch.stats().rx[static_cast<size_t>(ControlDrop::kReplay)];
    };
    EXPECT_GT(dropped(client) + dropped(server), 0u);
  }
  // Never more than the receive window's worth was waiting out of order.
  EXPECT_LE(client.readable(), kMaxReadBuffer);
  RecordProperty("simulated_ms", std::to_string(now));
  RecordProperty("packets", std::to_string(to_server.sent() + to_client.sent()));
}

INSTANTIATE_TEST_SUITE_P(
    Links, Loopback,
    ::testing::Values(LoopbackCase{"PlainPerfect", false, 1, {0, 0, 0}},
                      LoopbackCase{"PlainLossy", false, 2, {}},
                      LoopbackCase{"TlsCryptLossy", true, 3, {}},
                      LoopbackCase{"TlsCryptVeryLossy", true, 4, {0.3, 0.2, 300}},
                      LoopbackCase{"PlainReorderHeavy", false, 5, {0.05, 0.3, 1500}}),
    [](const ::testing::TestParamInfo<LoopbackCase>& p) { return p.param.name; });

}  // namespace
}  // namespace ovpn::control
