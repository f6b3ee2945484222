// The reliability layer on its own: send window and retransmit timing, receive window and
// ordering, ACK lists (new first, then recent ones repeated; 4 or 8 per packet).

#include "control/reliable.h"

#include <gtest/gtest.h>

#include <vector>

namespace ovpn::control {
namespace {

using proto::Opcode;

std::vector<uint8_t> bytes(std::initializer_list<uint8_t> b) { return b; }

// --- send -----------------------------------------------------------------------------------

TEST(ReliableSender, IdsCountFromZeroAndTheWindowHoldsSix) {
  ReliableSender s;
  for (uint32_t i = 0; i < kSendWindow; ++i) {
    EXPECT_FALSE(s.window_full());
    auto id = s.push(Opcode::kControlV1, bytes({1}), 0);
    ASSERT_TRUE(id);
    EXPECT_EQ(*id, i);
  }
  EXPECT_TRUE(s.window_full());
  EXPECT_FALSE(s.push(Opcode::kControlV1, {}, 0));
  EXPECT_EQ(s.in_flight(), kSendWindow);
}

TEST(ReliableSender, NewIdStaysWithinSixOfTheLowestUnacked) {
  ReliableSender s;
  for (int i = 0; i < 6; ++i) ASSERT_TRUE(s.push(Opcode::kControlV1, {}, 0));
  // ACK 1..5 but not 0: five slots are free, yet id 6 - 0 >= 6.
  for (uint32_t id = 1; id < 6; ++id) EXPECT_TRUE(s.on_ack(id));
  EXPECT_EQ(s.in_flight(), 1u);
  EXPECT_TRUE(s.window_full());
  EXPECT_TRUE(s.on_ack(0));
  EXPECT_FALSE(s.window_full());
  EXPECT_TRUE(s.all_acked());
}

TEST(ReliableSender, UnknownAndRepeatedAcksAreIgnored) {
  ReliableSender s;
  ASSERT_TRUE(s.push(Opcode::kControlV1, {}, 0));
  EXPECT_FALSE(s.on_ack(7));
  EXPECT_TRUE(s.on_ack(0));
  EXPECT_FALSE(s.on_ack(0));
  EXPECT_TRUE(s.all_acked());
}

TEST(ReliableSender, RetransmitsAfterTlsTimeoutDoublingEachTime) {
  ReliableSender s(2000);
  ASSERT_TRUE(s.push(Opcode::kControlV1, bytes({9}), 1000));
  const SendEntry* e = s.due(1000);
  ASSERT_NE(e, nullptr);
  EXPECT_EQ(e->id, 0u);
  s.mark_sent(0, 1000);
  // Sent at 1000: due at 3000, then 3000 + 4000, then 7000 + 8000.
  const uint64_t expected[] = {3000, 7000, 15000, 31000};
  uint64_t now = 1000;
  for (uint64_t at : expected) {
    EXPECT_EQ(s.next_deadline(), at);
    EXPECT_EQ(s.due(at - 1), nullptr);
    ASSERT_NE(s.due(at), nullptr);
    now = at;
    s.mark_sent(0, now);
  }
  EXPECT_EQ(s.next_deadline(), now + 32000);
  const SendEntry* last = s.due(now + 32000);
  ASSERT_NE(last, nullptr);
  EXPECT_EQ(last->sends, 5u);
}

TEST(ReliableSender, LowestDueIdGoesFirst) {
  ReliableSender s;
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(s.push(Opcode::kControlV1, {}, 0));
  EXPECT_EQ(s.due(0)->id, 0u);
  s.mark_sent(0, 0);
  EXPECT_EQ(s.due(0)->id, 1u);
  s.mark_sent(1, 0);
  EXPECT_EQ(s.due(0)->id, 2u);
  s.mark_sent(2, 0);
  EXPECT_EQ(s.due(0), nullptr);
}

TEST(ReliableSender, FastRetransmitAfterThreeAcksOfHigherIds) {
  ReliableSender s;
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(s.push(Opcode::kControlV1, {}, 0));
  for (uint32_t id = 0; id < 5; ++id) s.mark_sent(id, 0);
  EXPECT_EQ(s.due(100), nullptr);
  EXPECT_TRUE(s.on_ack(2));
  EXPECT_TRUE(s.on_ack(3));
  EXPECT_EQ(s.due(100), nullptr);  // two later ACKs: not yet
  EXPECT_TRUE(s.on_ack(4));
  // Ids 0 and 1 have now seen three ACKs of higher ids: due long before the 2 s timeout.
  ASSERT_NE(s.due(100), nullptr);
  EXPECT_EQ(s.due(100)->id, 0u);
  EXPECT_EQ(s.next_deadline(), 0u);
  s.mark_sent(0, 100);
  EXPECT_EQ(s.due(100)->id, 1u);
  s.mark_sent(1, 100);
  EXPECT_EQ(s.due(100), nullptr);
  // The fast retransmit counted as a send: the next timeout has doubled.
  EXPECT_EQ(s.next_deadline(), 100u + 4000u);
}

TEST(ReliableSender, RepeatedAcksOfAHigherIdCountTowardsFastRetransmit) {
  // OpenVPN repeats recent ACKs; each repeat of a higher id counts.
  ReliableSender s;
  ASSERT_TRUE(s.push(Opcode::kControlV1, {}, 0));
  ASSERT_TRUE(s.push(Opcode::kControlV1, {}, 0));
  s.mark_sent(0, 0);
  s.mark_sent(1, 0);
  EXPECT_TRUE(s.on_ack(1));
  EXPECT_FALSE(s.on_ack(1));
  EXPECT_EQ(s.due(1), nullptr);
  EXPECT_FALSE(s.on_ack(1));
  ASSERT_NE(s.due(1), nullptr);
}

TEST(ReliableSender, BurstMakesEverythingDueWithTheInitialTimeout) {
  ReliableSender s(2000);
  ASSERT_TRUE(s.push(Opcode::kControlHardResetClientV2, {}, 0));
  s.mark_sent(0, 0);
  s.mark_sent(0, 2000);  // timeout now 8000 after the next send
  EXPECT_EQ(s.due(3000), nullptr);
  s.burst(3000);
  ASSERT_NE(s.due(3000), nullptr);
  s.mark_sent(0, 3000);
  EXPECT_EQ(s.next_deadline(), 5000u);
}

// --- receive --------------------------------------------------------------------------------

TEST(ReliableReceiver, DeliversInOrderAcrossReordering) {
  ReliableReceiver r;
  EXPECT_EQ(r.on_packet(2, bytes({2})), RxVerdict::kNew);
  EXPECT_EQ(r.on_packet(1, bytes({1})), RxVerdict::kNew);
  EXPECT_FALSE(r.pop_in_order());  // 0 is missing
  EXPECT_EQ(r.on_packet(0, bytes({0})), RxVerdict::kNew);
  for (uint8_t i = 0; i < 3; ++i) {
    auto p = r.pop_in_order();
    ASSERT_TRUE(p);
    EXPECT_EQ(*p, bytes({i}));
  }
  EXPECT_FALSE(r.pop_in_order());
  EXPECT_EQ(r.next_expected(), 3u);
  EXPECT_EQ(r.buffered(), 0u);
}

TEST(ReliableReceiver, WindowIsTwelveFromNextExpected) {
  ReliableReceiver r;
  EXPECT_EQ(r.classify(11), RxVerdict::kNew);
  EXPECT_EQ(r.classify(12), RxVerdict::kBeyondWindow);
  EXPECT_EQ(r.on_packet(12, bytes({1})), RxVerdict::kBeyondWindow);
  EXPECT_EQ(r.buffered(), 0u);
  ASSERT_EQ(r.on_packet(0, {}), RxVerdict::kNew);
  ASSERT_TRUE(r.pop_in_order());
  EXPECT_EQ(r.classify(12), RxVerdict::kNew);
  EXPECT_EQ(r.classify(13), RxVerdict::kBeyondWindow);
  EXPECT_EQ(r.classify(0xffffffffu), RxVerdict::kDuplicate);  // "before" 0, by wrap-around
}

TEST(ReliableReceiver, DuplicatesBufferedOrDelivered) {
  ReliableReceiver r;
  EXPECT_EQ(r.on_packet(3, bytes({3})), RxVerdict::kNew);
  EXPECT_EQ(r.on_packet(3, bytes({4})), RxVerdict::kDuplicate);
  EXPECT_EQ(r.on_packet(0, {}), RxVerdict::kNew);
  ASSERT_TRUE(r.pop_in_order());
  EXPECT_EQ(r.on_packet(0, {}), RxVerdict::kDuplicate);
  EXPECT_EQ(r.buffered(), 1u);
}

TEST(ReliableReceiver, FloodOfBogusIdsKeepsAtMostTheWindow) {
  ReliableReceiver r;
  std::vector<uint8_t> payload(1000, 0xab);
  for (uint32_t id = 1; id < 100000; id += 7) static_cast<void>(r.on_packet(id, payload));
  for (uint32_t id = 0xfffffff0u; id != 0; ++id) static_cast<void>(r.on_packet(id, payload));
  EXPECT_LE(r.buffered(), kReceiveWindow - 1);  // id 0 never came
  EXPECT_FALSE(r.pop_in_order());
}

// --- ACKs -----------------------------------------------------------------------------------

std::vector<uint32_t> ids(const AckList& a) { return {a.ids.begin(), a.ids.begin() + a.count}; }

TEST(AckTracker, NewAcksFirstThenRecentOnesRepeated) {
  AckTracker t;
  t.add(0);
  EXPECT_EQ(ids(t.take(kAcksPiggybacked)), (std::vector<uint32_t>{0}));
  EXPECT_FALSE(t.has_pending());
  // Nothing new: the recent list is repeated (the server reset's ACK on a retransmission).
  EXPECT_EQ(ids(t.take(kAcksPiggybacked)), (std::vector<uint32_t>{0}));
  t.add(1);
  EXPECT_EQ(ids(t.take(kAcksOnAckV1)), (std::vector<uint32_t>{1, 0}));
  t.add(2);
  t.add(3);
  EXPECT_EQ(ids(t.take(kAcksOnAckV1)), (std::vector<uint32_t>{2, 3, 1, 0}));
}

TEST(AckTracker, FourPiggybackedEightOnAckV1) {
  AckTracker t;
  for (uint32_t id = 0; id < 10; ++id) t.add(id);
  EXPECT_EQ(t.pending(), kAcksOnAckV1);  // bounded: 8 and 9 are dropped (and resent later)
  EXPECT_EQ(t.would_send(kAcksPiggybacked), 4u);
  EXPECT_EQ(ids(t.take(kAcksPiggybacked)), (std::vector<uint32_t>{0, 1, 2, 3}));
  EXPECT_EQ(ids(t.take(kAcksOnAckV1)), (std::vector<uint32_t>{4, 5, 6, 7, 0, 1, 2, 3}));
  EXPECT_FALSE(t.has_pending());
  // The recent list holds 8: a new id pushes the oldest out.
  t.add(8);
  EXPECT_EQ(ids(t.take(kAcksOnAckV1)), (std::vector<uint32_t>{8, 4, 5, 6, 7, 0, 1, 2}));
}

TEST(AckTracker, RepeatedIdIsPendingOnceAndMovesToTheFront) {
  AckTracker t;
  t.add(5);
  t.add(5);
  EXPECT_EQ(t.pending(), 1u);
  t.add(6);
  EXPECT_EQ(ids(t.take(8)), (std::vector<uint32_t>{5, 6}));
  t.add(5);
  EXPECT_EQ(ids(t.take(8)), (std::vector<uint32_t>{5, 6}));
}

TEST(AckTracker, MatchesTheStockMruOrder) {
  // A stock 2.6.14 client ACKing the server's ids 1..5 one by one after ACKing its reset
  // (control-plain.json): [1,0], [2,1,0], [3,2,1,0], [4,3,2,1] on P_CONTROL_V1.
  AckTracker t;
  t.add(0);
  static_cast<void>(t.take(kAcksPiggybacked));
  t.add(1);
  EXPECT_EQ(ids(t.take(kAcksOnAckV1)), (std::vector<uint32_t>{1, 0}));
  t.add(2);
  EXPECT_EQ(ids(t.take(kAcksPiggybacked)), (std::vector<uint32_t>{2, 1, 0}));
  t.add(3);
  EXPECT_EQ(ids(t.take(kAcksOnAckV1)), (std::vector<uint32_t>{3, 2, 1, 0}));
  t.add(4);
  EXPECT_EQ(ids(t.take(kAcksPiggybacked)), (std::vector<uint32_t>{4, 3, 2, 1}));
  EXPECT_EQ(ids(t.take(kAcksOnAckV1)), (std::vector<uint32_t>{4, 3, 2, 1, 0}));
}

}  // namespace
}  // namespace ovpn::control
