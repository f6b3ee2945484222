// A batch's crypto fanned out over two participants with a real helper thread
// (batch_crypto.h): a sealed run is byte for byte what seal_run makes (same packet ids, same
// order), a received batch opens in place with every outcome in its item, and the counters and
// the replay window see each packet exactly once, whoever did it.

#include "engine/batch_crypto.h"

#include <gtest/gtest.h>

#include <atomic>
#include <cstring>
#include <thread>

#include "proto/data_packet.h"

namespace ovpn::engine {
namespace {

constexpr size_t kShards = 2;
constexpr size_t kInner = 1400;
constexpr uint64_t kNow = 5000;

std::shared_ptr<DataKey> make_key() {
  dco::KeyConfig k;
  k.alg = crypto::CipherAlg::kAes256Gcm;
  k.encrypt.cipher_key.assign(32, 7);
  k.decrypt.cipher_key.assign(32, 7);  // the same both ways: a run sealed here opens here
  return *DataKey::create(std::move(k), kShards + 1, proto::kPacketIdLast32);
}

PeerEntry peer_entry() {
  PeerEntry e;
  e.config.id = *PeerId::make(1);
  e.config.remote = *Endpoint::parse("192.0.2.7:1194");
  e.tx_id = e.config.id;
  e.state = std::make_shared<PeerState>(e.config.id, kShards);
  e.state->set_remote(*e.config.remote);
  e.keys[0] = make_key();
  return e;
}

std::vector<uint8_t> inner_packet(uint32_t seq) {
  std::vector<uint8_t> p(kInner, 0xab);
  p[0] = 0x45;
  const uint8_t src[] = {10, 8, 0, 2}, dst[] = {10, 8, 0, 1};
  std::memcpy(&p[12], src, 4);
  std::memcpy(&p[16], dst, 4);
  std::memcpy(&p[20], &seq, sizeof seq);
  return p;
}

struct Counted {
  uint64_t vpn_tx = 0, vpn_rx = 0, link_rx = 0, replay = 0, vpn_tx_bytes = 0;
};
Counted counted(const PeerState& s) {
  Counted c;
  for (const ShardCounters& b : s.all_counters()) {
    c.vpn_tx += b.vpn_tx_packets.get();
    c.vpn_tx_bytes += b.vpn_tx_bytes.get();
    c.vpn_rx += b.vpn_rx_packets.get();
    c.link_rx += b.link_rx_packets.get();
    c.replay += b.drops[static_cast<size_t>(Drop::kReplay)].get();
  }
  return c;
}

// Participant 1: helps whenever a job is open, until destroyed.
class HelperShard {
 public:
  explicit HelperShard(CryptoFanout& f)
      : thread_([this, &f] {
          while (!stop_.load()) {
            if (f.pending()) {
              f.help(1);
            } else {
              std::this_thread::yield();
            }
          }
        }) {}
  ~HelperShard() {
    stop_.store(true);
    thread_.join();
  }

 private:
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

class BatchCrypto : public ::testing::Test {
 protected:
  static constexpr size_t kCount = 64;
  BatchCrypto() : storage_(kCount, std::vector<uint8_t>(2048)) {}

  // kCount inner packets behind 64 bytes of headroom, as a shard reads them from TUN.
  std::vector<PacketBuf*> inner_run() {
    bufs_.clear();
    ptrs_.clear();
    for (size_t i = 0; i < kCount; ++i) {
      bufs_.emplace_back(storage_[i].data(), storage_[i].size(), 64);
      const auto p = inner_packet(static_cast<uint32_t>(i));
      std::memcpy(bufs_.back().put(p.size()), p.data(), p.size());
    }
    for (auto& b : bufs_) ptrs_.push_back(&b);
    return ptrs_;
  }

  CryptoFanout fanout_{kShards};
  std::vector<std::vector<uint8_t>> storage_;
  std::vector<PacketBuf> bufs_;
  std::vector<PacketBuf*> ptrs_;
};

TEST_F(BatchCrypto, FannedOutSealIsSealRunByteForByte) {
  HelperShard helper(fanout_);
  PeerEntry fanned = peer_entry(), alone = peer_entry();  // same key, same next packet id
  std::vector<std::vector<uint8_t>> expected;
  {
    const auto run = inner_run();
    std::vector<Drop> drops(kCount);
    const SealRunResult r = seal_run(alone, run, 0, kNow, drops);
    ASSERT_EQ(r.sealed, kCount);
    for (const PacketBuf* b : run) expected.emplace_back(b->data(), b->data() + b->size());
  }
  for (int round = 0; round < 20; ++round) {
    const auto run = inner_run();
    std::vector<Drop> drops(kCount, Drop::kMalformed);
    const SealRunResult r = seal_run_batch(&fanout_, fanned, run, 0, kNow, drops);
    ASSERT_EQ(r.sealed, kCount);
    EXPECT_FALSE(r.swap_needed);
    for (size_t i = 0; i < kCount; ++i) {
      ASSERT_EQ(drops[i], Drop::kNone);
      if (round == 0) {
        ASSERT_EQ(std::vector<uint8_t>(run[i]->data(), run[i]->data() + run[i]->size()),
                  expected[i])
            << "packet " << i;
      }
      proto::DataV2Header h;
      ASSERT_EQ(proto::parse_data_v2(run[i]->span(), h), Drop::kNone);
      ASSERT_EQ(h.packet_id, round * kCount + i + 1) << "ids in run order";
    }
  }
  EXPECT_EQ(fanout_.stats().jobs, 20u);
  const Counted c = counted(*fanned.state);
  EXPECT_EQ(c.vpn_tx, 20 * kCount) << "each packet counted once, by whoever sealed it";
  EXPECT_EQ(c.vpn_tx_bytes, 20 * kCount * kInner);
}

TEST_F(BatchCrypto, FannedOutOpenKeepsOutcomesInOrderAndCountsOnce) {
  HelperShard helper(fanout_);
  PeerEntry sender = peer_entry(), receiver = peer_entry();
  const auto table = PeerTable::build(dco::Mode::kPointToPoint, {receiver}, 0);
  std::vector<ShardCounters> unattributed(kShards + 1);
  const Endpoint source = *receiver.config.remote;
  std::vector<OpenItem> items;
  std::vector<std::vector<uint8_t>> wire;
  for (int round = 0; round < 20; ++round) {
    const auto run = inner_run();
    std::vector<Drop> drops(kCount);
    ASSERT_EQ(seal_run(sender, run, 0, kNow, drops).sealed, kCount);
    items.assign(kCount, OpenItem{});
    for (size_t i = 0; i < kCount; ++i) {
      items[i].packet = *run[i];
      items[i].source = &source;
      if (round == 0) wire.emplace_back(run[i]->data(), run[i]->data() + run[i]->size());
    }
    // One packet fails authentication: its outcome stays with it.
    run[7]->data()[30] ^= 1;
    open_batch(&fanout_, *table, items, 0, kNow, unattributed);
    for (size_t i = 0; i < kCount; ++i) {
      if (i == 7) {
        EXPECT_EQ(items[i].drop, Drop::kBadTag);
        continue;
      }
      ASSERT_EQ(items[i].drop, Drop::kNone) << "item " << i;
      ASSERT_EQ(items[i].packet.size(), kInner);
      uint32_t seq;
      std::memcpy(&seq, items[i].packet.data() + 20, sizeof seq);
      ASSERT_EQ(seq, i);
      EXPECT_FALSE(items[i].result.ping || items[i].result.floated);
    }
  }
  Counted c = counted(*receiver.state);
  EXPECT_EQ(c.vpn_rx, 20 * (kCount - 1));
  EXPECT_EQ(c.link_rx, 20 * (kCount - 1));
  EXPECT_EQ(c.replay, 0u);

  // The first round again: every packet a replay, counted as such once.
  items.assign(kCount, OpenItem{});
  for (size_t i = 0; i < kCount; ++i) {
    std::memcpy(storage_[i].data(), wire[i].data(), wire[i].size());
    items[i].packet = PacketBuf(storage_[i].data(), wire[i].size(), 0);
    items[i].packet.put(wire[i].size());
    items[i].source = &source;
  }
  open_batch(&fanout_, *table, items, 0, kNow, unattributed);
  for (size_t i = 0; i < kCount; ++i) {
    EXPECT_EQ(items[i].drop, i == 7 ? Drop::kNone : Drop::kReplay) << "item " << i;
  }
  c = counted(*receiver.state);
  EXPECT_EQ(c.replay, kCount - 1);
  EXPECT_EQ(c.vpn_rx, 20 * (kCount - 1) + 1) << "the one that failed before is fresh";
}

// Below the thresholds nothing is published.
TEST_F(BatchCrypto, SmallBatchesStayOnTheShard) {
  EXPECT_FALSE(worth_fanning_out(&fanout_, kFanoutMinPackets - 1, 1 << 20));
  EXPECT_FALSE(worth_fanning_out(&fanout_, 64, kFanoutMinBytes - 1));
  EXPECT_FALSE(worth_fanning_out(nullptr, 64, 1 << 20));
  EXPECT_TRUE(worth_fanning_out(&fanout_, 64, 64 * kInner));
  CryptoFanout one(1);
  EXPECT_FALSE(worth_fanning_out(&one, 64, 64 * kInner));
}

}  // namespace
}  // namespace ovpn::engine
