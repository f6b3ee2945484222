// The control channel's rules, packet by packet, mostly in plain mode so that the packets can
// be read: resets at message id 0, the stateless-cookie ACK, session ids, windows,
// back-pressure, sizing, soft resets, and bad input.

#include "control/control_channel.h"

#include <gtest/gtest.h>

#include "channel_fixtures.h"

namespace ovpn::control {
namespace {

using namespace test_fixtures;  // NOLINT: test helpers
using proto::Opcode;
using proto::Role;

constexpr proto::SessionId kOtherSid{9, 9, 9, 9, 9, 9, 9, 9};

// A client that has sent its reset and received the server's (plain mode).
struct ClientAfterReset {
  TlsWrapContext wrap = plain_context(Role::kClient);
  ControlChannel ch = make_channel(config(Role::kClient), wrap);
  ClientAfterReset() {
    EXPECT_EQ(drain(ch, 0).size(), 1u);
    EXPECT_EQ(
        ch.on_packet(
            plain_packet(Opcode::kControlHardResetServerV2, kServerSid, {0}, kClientSid, 0), 10),
        ControlDrop::kNone);
  }
};

TEST(ControlChannel, ClientStartsWithAHardResetAtIdZero) {
  auto wrap = plain_context(Role::kClient);
  auto ch = make_channel(config(Role::kClient), wrap, 500);
  const auto out = drain(ch, 500);
  ASSERT_EQ(out.size(), 1u);
  // 38 <sid> 00 00000000: 14 bytes, as the stock client's.
  EXPECT_EQ(out[0].size(), 14u);
  const Parsed p = parse_plain(out[0]);
  EXPECT_EQ(p.op, Opcode::kControlHardResetClientV2);
  EXPECT_EQ(p.sid, kClientSid);
  EXPECT_TRUE(p.acks.empty());
  EXPECT_EQ(p.message_id, 0u);
  EXPECT_TRUE(p.payload.empty());
  EXPECT_FALSE(ch.own_reset_acked());
  EXPECT_EQ(ch.next_timeout_ms(), 2500u);
  // Not ACKed: again at 2.5 s, 6.5 s, 14.5 s.
  EXPECT_TRUE(drain(ch, 2499).empty());
  EXPECT_EQ(drain(ch, 2500).size(), 1u);
  EXPECT_EQ(ch.next_timeout_ms(), 6500u);
  EXPECT_EQ(drain(ch, 6500).size(), 1u);
  EXPECT_EQ(ch.next_timeout_ms(), 14500u);
  EXPECT_EQ(ch.stats().tx_retransmits, 2u);
}

TEST(ControlChannel, ServerAnswersTheClientResetWithItsOwnAndTheAck) {
  auto cwrap = plain_context(Role::kClient);
  auto swrap = plain_context(Role::kServer);
  auto client = make_channel(config(Role::kClient), cwrap);
  auto server = make_channel(config(Role::kServer), swrap);
  EXPECT_TRUE(drain(server, 0).empty());  // nothing before the client's reset
  EXPECT_FALSE(server.next_timeout_ms());

  const auto reset = drain(client, 0);
  ASSERT_EQ(reset.size(), 1u);
  EXPECT_EQ(server.on_packet(reset[0], 1), ControlDrop::kNone);
  EXPECT_TRUE(server.peer_reset_seen());
  EXPECT_EQ(server.peer_session_id(), kClientSid);
  const auto answer = drain(server, 1);
  ASSERT_EQ(answer.size(), 1u);
  const Parsed p = parse_plain(answer[0]);
  EXPECT_EQ(p.op, Opcode::kControlHardResetServerV2);
  EXPECT_EQ(p.acks, (std::vector<uint32_t>{0}));
  EXPECT_EQ(p.ack_sid, kClientSid);
  EXPECT_EQ(p.message_id, 0u);
  EXPECT_EQ(answer[0].size(), 26u);  // as the stock server's

  EXPECT_EQ(client.on_packet(answer[0], 2), ControlDrop::kNone);
  EXPECT_TRUE(client.own_reset_acked());
  EXPECT_TRUE(client.peer_reset_seen());
  EXPECT_EQ(client.peer_session_id(), kServerSid);
}

TEST(ControlChannel, FirstDataPacketAfterTheServerResetAcksItWithTheServerSid) {
  // A 2.6 UDP server's sid is a stateless cookie: our next packet must carry ACK 0 + its sid.
  ClientAfterReset c;
  const std::vector<uint8_t> hello(300, 0x16);
  ASSERT_TRUE(c.ch.write(hello));
  const auto out = drain(c.ch, 20);
  ASSERT_EQ(out.size(), 1u);
  const Parsed p = parse_plain(out[0]);
  EXPECT_EQ(p.op, Opcode::kControlV1);
  EXPECT_EQ(p.message_id, 1u);
  EXPECT_EQ(p.acks, (std::vector<uint32_t>{0}));
  EXPECT_EQ(p.ack_sid, kServerSid);
  EXPECT_EQ(p.payload, hello);
  // Lost: the retransmission still carries the ACK, from the recent-ACK list.
  const auto again = drain(c.ch, 2020);
  ASSERT_EQ(again.size(), 1u);
  const Parsed q = parse_plain(again[0]);
  EXPECT_EQ(q.message_id, 1u);
  EXPECT_EQ(q.acks, (std::vector<uint32_t>{0}));
  EXPECT_EQ(q.ack_sid, kServerSid);
}

TEST(ControlChannel, WithNothingToSendTheResetIsAckedByAnAckV1) {
  ClientAfterReset c;
  EXPECT_EQ(c.ch.next_timeout_ms(), 0u);  // due now
  const auto out = drain(c.ch, 20);
  ASSERT_EQ(out.size(), 1u);
  const Parsed p = parse_plain(out[0]);
  EXPECT_EQ(p.op, Opcode::kAckV1);
  EXPECT_EQ(p.acks, (std::vector<uint32_t>{0}));
  EXPECT_EQ(p.ack_sid, kServerSid);
  EXPECT_FALSE(p.message_id);
  EXPECT_EQ(out[0].size(), 22u);
  EXPECT_TRUE(drain(c.ch, 20).empty());  // one ACK per received packet
  EXPECT_FALSE(c.ch.next_timeout_ms());
}

TEST(ControlChannel, DataWaitsUntilOurResetIsAcked) {
  auto wrap = plain_context(Role::kClient);
  auto ch = make_channel(config(Role::kClient), wrap);
  ASSERT_TRUE(ch.write(std::vector<uint8_t>(100, 1)));
  EXPECT_EQ(drain(ch, 0).size(), 1u);  // the reset only
  EXPECT_EQ(ch.write_pending(), 100u);
}

TEST(ControlChannel, SessionIdsAreChecked) {
  ClientAfterReset c;
  const std::vector<uint8_t> data{1, 2, 3};
  // Another sender's session id.
  EXPECT_EQ(c.ch.on_packet(plain_packet(Opcode::kControlV1, kOtherSid, {}, {}, 1, data), 30),
            ControlDrop::kWrongSession);
  // ACKs for another session than ours.
  EXPECT_EQ(
      c.ch.on_packet(plain_packet(Opcode::kControlV1, kServerSid, {0}, kOtherSid, 1, data), 30),
      ControlDrop::kBadAckSession);
  // A second server reset from another sid (a restarted server): dropped, the first one stands.
  EXPECT_EQ(c.ch.on_packet(
                plain_packet(Opcode::kControlHardResetServerV2, kOtherSid, {0}, kClientSid, 0), 30),
            ControlDrop::kWrongSession);
  EXPECT_EQ(c.ch.stats().rx[static_cast<size_t>(ControlDrop::kWrongSession)], 2u);
  EXPECT_EQ(c.ch.stats().rx[static_cast<size_t>(ControlDrop::kBadAckSession)], 1u);
  EXPECT_EQ(c.ch.readable(), 0u);
  EXPECT_EQ(c.ch.peer_session_id(), kServerSid);
}

TEST(ControlChannel, NothingButTheResetBeforeThePeerSidIsKnown) {
  auto wrap = plain_context(Role::kClient);
  auto ch = make_channel(config(Role::kClient), wrap);
  const std::vector<uint8_t> data{1};
  EXPECT_EQ(ch.on_packet(plain_packet(Opcode::kControlV1, kServerSid, {0}, kClientSid, 1, data), 0),
            ControlDrop::kUnknownSession);
  EXPECT_EQ(ch.on_packet(plain_packet(Opcode::kAckV1, kServerSid, {0}, kClientSid, {}), 0),
            ControlDrop::kUnknownSession);
  EXPECT_FALSE(ch.own_reset_acked());
}

TEST(ControlChannel, UnexpectedOpcodesAndResetIdsAreDropped) {
  auto wrap = plain_context(Role::kClient);
  auto ch = make_channel(config(Role::kClient), wrap);
  auto drop = [&](Opcode op, std::optional<uint32_t> id, uint8_t key_id = 0) {
    return ch.on_packet(plain_packet(op, kServerSid, {}, {}, id, {}, key_id), 0);
  };
  EXPECT_EQ(drop(Opcode::kControlHardResetClientV2, 0), ControlDrop::kUnexpectedOpcode);
  EXPECT_EQ(drop(Opcode::kControlHardResetServerV1, 0), ControlDrop::kUnexpectedOpcode);
  EXPECT_EQ(drop(Opcode::kControlSoftResetV1, 0), ControlDrop::kUnexpectedOpcode);
  EXPECT_EQ(drop(Opcode::kControlWkcV1, 1), ControlDrop::kUnexpectedOpcode);
  EXPECT_EQ(drop(Opcode::kControlHardResetServerV2, 1), ControlDrop::kUnexpectedOpcode);
  EXPECT_EQ(drop(Opcode::kControlV1, 0), ControlDrop::kUnexpectedOpcode);
  EXPECT_EQ(drop(Opcode::kControlHardResetServerV2, 0, 1), ControlDrop::kWrongKeyId);
  const uint8_t data_v2[] = {0x48, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 0};
  EXPECT_EQ(ch.on_packet(data_v2, 0), ControlDrop::kMalformed);  // not a control envelope
  EXPECT_EQ(ch.on_packet({}, 0), ControlDrop::kMalformed);
  const uint8_t short_packet[] = {0x40, 1, 2};
  EXPECT_EQ(ch.on_packet(short_packet, 0), ControlDrop::kMalformed);
  EXPECT_FALSE(ch.peer_reset_seen());
  EXPECT_FALSE(ch.failed());
}

TEST(ControlChannel, ReorderedDataIsDeliveredInOrderAndEveryIdAcked) {
  ClientAfterReset c;
  drain(c.ch, 10);
  const std::vector<uint8_t> a{'a'}, b{'b'}, d{'c'};
  EXPECT_EQ(c.ch.on_packet(plain_packet(Opcode::kControlV1, kServerSid, {}, {}, 3, d), 20),
            ControlDrop::kNone);
  EXPECT_EQ(c.ch.on_packet(plain_packet(Opcode::kControlV1, kServerSid, {}, {}, 2, b), 20),
            ControlDrop::kNone);
  EXPECT_EQ(c.ch.readable(), 0u);
  EXPECT_EQ(c.ch.on_packet(plain_packet(Opcode::kControlV1, kServerSid, {}, {}, 1, a), 20),
            ControlDrop::kNone);
  EXPECT_EQ(read_all(c.ch), (std::vector<uint8_t>{'a', 'b', 'c'}));
  const auto out = drain(c.ch, 20);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(parse_plain(out[0]).acks, (std::vector<uint32_t>{3, 2, 1, 0}));
}

TEST(ControlChannel, DuplicatesAreAckedAgainButNotDelivered) {
  ClientAfterReset c;
  drain(c.ch, 10);
  const std::vector<uint8_t> a{'a'};
  const auto pkt = plain_packet(Opcode::kControlV1, kServerSid, {}, {}, 1, a);
  EXPECT_EQ(c.ch.on_packet(pkt, 20), ControlDrop::kNone);
  drain(c.ch, 20);
  EXPECT_EQ(c.ch.on_packet(pkt, 30), ControlDrop::kDuplicate);
  // The server's reset again (its retransmission): also ACKed again.
  EXPECT_EQ(
      c.ch.on_packet(
          plain_packet(Opcode::kControlHardResetServerV2, kServerSid, {0}, kClientSid, 0), 30),
      ControlDrop::kDuplicate);
  EXPECT_EQ(read_all(c.ch), a);
  const auto out = drain(c.ch, 30);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(parse_plain(out[0]).acks, (std::vector<uint32_t>{1, 0}));
}

TEST(ControlChannel, BeyondTheReceiveWindowIsDroppedWithoutAck) {
  ClientAfterReset c;
  drain(c.ch, 10);
  const std::vector<uint8_t> x{'x'};
  // next_expected is 1: ids 1..12 fit, 13 does not.
  EXPECT_EQ(c.ch.on_packet(plain_packet(Opcode::kControlV1, kServerSid, {}, {}, 13, x), 20),
            ControlDrop::kBeyondWindow);
  EXPECT_TRUE(drain(c.ch, 20).empty());
  EXPECT_EQ(c.ch.on_packet(plain_packet(Opcode::kControlV1, kServerSid, {}, {}, 12, x), 20),
            ControlDrop::kNone);
  const auto out = drain(c.ch, 20);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(parse_plain(out[0]).acks.front(), 12u);
}

TEST(ControlChannel, AnAckV1CarriesUpToEightAndAControlV1UpToFour) {
  ClientAfterReset c;
  drain(c.ch, 10);
  const std::vector<uint8_t> x{'x'};
  for (uint32_t id = 1; id <= 9; ++id) {
    ASSERT_EQ(c.ch.on_packet(plain_packet(Opcode::kControlV1, kServerSid, {}, {}, id, x), 20),
              ControlDrop::kNone);
  }
  auto out = drain(c.ch, 20);
  ASSERT_EQ(out.size(), 1u);  // 8 of the 9 were kept pending: one P_ACK_V1 of 8
  EXPECT_EQ(parse_plain(out[0]).acks, (std::vector<uint32_t>{1, 2, 3, 4, 5, 6, 7, 8}));
  // The ninth did not fit the pending list: dropped, ACKed when the server resends id 9.
  ASSERT_TRUE(c.ch.write(std::vector<uint8_t>(10, 1)));
  out = drain(c.ch, 30);
  ASSERT_EQ(out.size(), 1u);
  const Parsed p = parse_plain(out[0]);
  EXPECT_EQ(p.op, Opcode::kControlV1);
  EXPECT_EQ(p.acks, (std::vector<uint32_t>{1, 2, 3, 4}));
}

TEST(ControlChannel, PlainClientMayLimitAckV1ToFour) {
  TlsWrapContext wrap = plain_context(Role::kClient);
  ChannelConfig cfg = config(Role::kClient);
  cfg.max_acks_on_ack_v1 = 4;
  auto ch = make_channel(cfg, wrap);
  drain(ch, 0);
  ASSERT_EQ(ch.on_packet(
                plain_packet(Opcode::kControlHardResetServerV2, kServerSid, {0}, kClientSid, 0), 1),
            ControlDrop::kNone);
  const std::vector<uint8_t> x{'x'};
  for (uint32_t id = 1; id <= 5; ++id) {
    ASSERT_EQ(ch.on_packet(plain_packet(Opcode::kControlV1, kServerSid, {}, {}, id, x), 2),
              ControlDrop::kNone);
  }
  const auto out = drain(ch, 3);
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(parse_plain(out[0]).acks.size(), 4u);
  EXPECT_EQ(parse_plain(out[0]).acks, (std::vector<uint32_t>{0, 1, 2, 3}));
  EXPECT_EQ(parse_plain(out[1]).acks, (std::vector<uint32_t>{4, 5, 0, 1}));
}

TEST(ControlChannel, SendWindowFullIsBackPressure) {
  ClientAfterReset c;
  ASSERT_TRUE(c.ch.write(std::vector<uint8_t>(20000, 7)));
  auto out = drain(c.ch, 20);
  ASSERT_EQ(out.size(), kSendWindow);
  EXPECT_TRUE(c.ch.send_window_full());
  EXPECT_GT(c.ch.write_pending(), 0u);
  for (size_t i = 0; i < out.size(); ++i) EXPECT_EQ(parse_plain(out[i]).message_id, i + 1);
  EXPECT_EQ(c.ch.next_timeout_ms(), 2020u);  // retransmits only
  // The server ACKs id 1: one more packet (id 7) may go.
  ASSERT_EQ(
      c.ch.on_packet(plain_packet(Opcode::kAckV1, kServerSid, {1}, kClientSid, std::nullopt), 30),
      ControlDrop::kNone);
  EXPECT_FALSE(c.ch.send_window_full());
  out = drain(c.ch, 30);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(parse_plain(out[0]).message_id, 7u);
  // ACKing 3..7 leaves 2 unacked: ids up to 7 only (8 - 2 >= 6), though slots are free.
  ASSERT_EQ(
      c.ch.on_packet(
          plain_packet(Opcode::kAckV1, kServerSid, {3, 4, 5, 6, 7}, kClientSid, std::nullopt), 40),
      ControlDrop::kNone);
  EXPECT_TRUE(c.ch.send_window_full());
  // Id 2 has seen three ACKs of higher ids: a fast retransmit, long before its 2 s timeout.
  out = drain(c.ch, 40);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(parse_plain(out[0]).message_id, 2u);
  ASSERT_EQ(
      c.ch.on_packet(plain_packet(Opcode::kAckV1, kServerSid, {2}, kClientSid, std::nullopt), 50),
      ControlDrop::kNone);
  EXPECT_FALSE(c.ch.send_window_full());
  EXPECT_EQ(drain(c.ch, 50).size(), kSendWindow);
}

TEST(ControlChannel, WriteBufferIsBounded) {
  ClientAfterReset c;
  ASSERT_TRUE(c.ch.write(std::vector<uint8_t>(kMaxWriteBuffer, 1)));
  auto full = c.ch.write(std::vector<uint8_t>(1, 1));
  ASSERT_FALSE(full);
  EXPECT_EQ(full.error().code, Errc::kExhausted);
}

TEST(ControlChannel, ReadBufferFullStopsAcking) {
  ClientAfterReset c;
  drain(c.ch, 10);
  const std::vector<uint8_t> big(2000, 3);
  uint32_t id = 1;
  while (c.ch.readable() < kMaxReadBuffer) {
    ASSERT_EQ(c.ch.on_packet(plain_packet(Opcode::kControlV1, kServerSid, {}, {}, id, big), 20),
              ControlDrop::kNone);
    ++id;
    drain(c.ch, 20);
  }
  EXPECT_EQ(c.ch.on_packet(plain_packet(Opcode::kControlV1, kServerSid, {}, {}, id, big), 20),
            ControlDrop::kReadBufferFull);
  EXPECT_TRUE(drain(c.ch, 20).empty());
  std::vector<uint8_t> sink(kMaxReadBuffer);
  EXPECT_GT(c.ch.read(sink), 0u);
  EXPECT_EQ(c.ch.on_packet(plain_packet(Opcode::kControlV1, kServerSid, {}, {}, id, big), 20),
            ControlDrop::kNone);
}

TEST(ControlChannel, PacketsStayWithinTlsMtu) {
  for (const bool crypt : {false, true}) {
    SCOPED_TRACE(crypt ? "tls-crypt" : "plain");
    auto cwrap = crypt ? tls_crypt_context(Role::kClient) : plain_context(Role::kClient);
    auto swrap = crypt ? tls_crypt_context(Role::kServer) : plain_context(Role::kServer);
    auto client = make_channel(config(Role::kClient), cwrap);
    auto server = make_channel(config(Role::kServer), swrap);
    for (const auto& p : drain(client, 0)) ASSERT_EQ(server.on_packet(p, 0), ControlDrop::kNone);
    for (const auto& p : drain(server, 0)) ASSERT_EQ(client.on_packet(p, 0), ControlDrop::kNone);
    ASSERT_TRUE(client.write(std::vector<uint8_t>(5000, 1)));
    // Plain: 1250 - 28 (UDP/IPv4) - 1 - 8 - 13 (ACK 0 and sid) - 4 = 1196, the stock value;
    // tls-crypt plans 56 bytes of overhead (40 real): 1140, as the stock server's first packet.
    EXPECT_EQ(client.payload_budget(Opcode::kControlV1), crypt ? 1140u : 1196u);
    for (const auto& p : drain(client, 0)) {
      EXPECT_LE(p.size(), kDefaultTlsMtu - kUdp4Overhead);
      EXPECT_EQ(server.on_packet(p, 0), ControlDrop::kNone);
    }
    EXPECT_EQ(read_all(server), std::vector<uint8_t>(5000, 1));
  }
}

TEST(ControlChannel, TooSmallOutputBufferChangesNothing) {
  ClientAfterReset c;
  ASSERT_TRUE(c.ch.write(std::vector<uint8_t>(50, 5)));
  std::vector<uint8_t> tiny(20);
  EXPECT_FALSE(c.ch.poll_transmit(20, tiny));
  const auto out = drain(c.ch, 20);
  ASSERT_EQ(out.size(), 1u);
  const Parsed p = parse_plain(out[0]);
  EXPECT_EQ(p.message_id, 1u);
  EXPECT_EQ(p.acks, (std::vector<uint32_t>{0}));  // the ACK was not lost
}

TEST(ControlChannel, TlsCryptReplayedPacketIsDropped) {
  auto cwrap = tls_crypt_context(Role::kClient);
  auto swrap = tls_crypt_context(Role::kServer);
  auto client = make_channel(config(Role::kClient), cwrap);
  auto server = make_channel(config(Role::kServer), swrap);
  const auto reset = drain(client, 0);
  ASSERT_EQ(reset.size(), 1u);
  EXPECT_EQ(server.on_packet(reset[0], 0), ControlDrop::kNone);
  EXPECT_EQ(server.on_packet(reset[0], 0), ControlDrop::kReplay);
  // The retransmission takes a new replay id: a duplicate message, but not a replay.
  const auto again = drain(client, 2000);
  ASSERT_EQ(again.size(), 1u);
  EXPECT_NE(again[0], reset[0]);
  EXPECT_EQ(server.on_packet(again[0], 2000), ControlDrop::kDuplicate);
  // Tampered: fails authentication, and does not touch the replay window.
  auto bad = drain(client, 6000).at(0);
  bad.back() ^= 1;
  EXPECT_EQ(server.on_packet(bad, 6000), ControlDrop::kBadAuth);
  bad.back() ^= 1;
  EXPECT_EQ(server.on_packet(bad, 6000), ControlDrop::kDuplicate);
}

TEST(ControlChannel, MalformedResetPayloadFailsTheChannel) {
  auto wrap = plain_context(Role::kClient);
  auto ch = make_channel(config(Role::kClient), wrap);
  drain(ch, 0);
  const uint8_t bad_tlv[] = {0x00, 0x01, 0x00, 0x05, 0x00};
  EXPECT_EQ(ch.on_packet(plain_packet(Opcode::kControlHardResetServerV2, kServerSid, {0},
                                      kClientSid, 0, bad_tlv),
                         1),
            ControlDrop::kBadResetPayload);
  EXPECT_TRUE(ch.failed());
  ASSERT_TRUE(ch.error());
  EXPECT_EQ(ch.error()->code, Errc::kMalformed);
  EXPECT_TRUE(drain(ch, 5000).empty());
  EXPECT_FALSE(ch.write(std::vector<uint8_t>(1, 1)));
}

TEST(ControlChannel, UnknownTlvsInTheResetAreSkipped) {
  auto wrap = plain_context(Role::kClient);
  auto ch = make_channel(config(Role::kClient), wrap);
  drain(ch, 0);
  const uint8_t tlvs[] = {0x12, 0x34, 0x00, 0x01, 0xff, 0x00, 0x01, 0x00, 0x02, 0x00, 0x01};
  EXPECT_EQ(
      ch.on_packet(
          plain_packet(Opcode::kControlHardResetServerV2, kServerSid, {0}, kClientSid, 0, tlvs), 1),
      ControlDrop::kNone);
  EXPECT_FALSE(ch.resend_wkc());  // RESEND_WKC means nothing without tls-crypt-v2
  EXPECT_EQ(ch.readable(), 0u);   // TLVs are not TLS bytes
}

TEST(ControlChannel, SoftResetBothWays) {
  auto cwrap = plain_context(Role::kClient);
  auto swrap = plain_context(Role::kServer);
  ChannelConfig ccfg = config(Role::kClient);
  ccfg.reset = ResetKind::kSoft;
  ccfg.key_id = *KeyId::make(1);
  ccfg.peer_session_id = kServerSid;
  ChannelConfig scfg = config(Role::kServer);
  scfg.reset = ResetKind::kSoft;
  scfg.key_id = *KeyId::make(1);
  scfg.peer_session_id = kClientSid;
  // The server initiates; the client's key state is made when the server's reset arrives.
  auto server = make_channel(scfg, swrap);
  const auto s_reset = drain(server, 0);
  ASSERT_EQ(s_reset.size(), 1u);
  Parsed p = parse_plain(s_reset[0]);
  EXPECT_EQ(p.op, Opcode::kControlSoftResetV1);
  EXPECT_EQ(p.key_id, 1);
  EXPECT_EQ(p.message_id, 0u);
  EXPECT_TRUE(p.acks.empty());

  auto client = make_channel(ccfg, cwrap);
  EXPECT_EQ(client.on_packet(s_reset[0], 1), ControlDrop::kNone);
  const auto c_reset = drain(client, 1);
  ASSERT_EQ(c_reset.size(), 1u);
  p = parse_plain(c_reset[0]);
  EXPECT_EQ(p.op, Opcode::kControlSoftResetV1);
  EXPECT_EQ(p.message_id, 0u);
  EXPECT_EQ(p.acks, (std::vector<uint32_t>{0}));  // as the stock responder's

  EXPECT_EQ(server.on_packet(c_reset[0], 2), ControlDrop::kNone);
  EXPECT_TRUE(server.own_reset_acked());
  const auto ack = drain(server, 2);
  ASSERT_EQ(ack.size(), 1u);
  EXPECT_EQ(parse_plain(ack[0]).op, Opcode::kAckV1);
  EXPECT_EQ(client.on_packet(ack[0], 3), ControlDrop::kNone);
  EXPECT_TRUE(client.own_reset_acked() && client.all_acked() && server.all_acked());
  // Key id 0 packets belong to the old key state.
  EXPECT_EQ(client.on_packet(plain_packet(Opcode::kControlV1, kServerSid, {}, {}, 1, {}, 0), 3),
            ControlDrop::kWrongKeyId);
}

TEST(ControlChannel, ConfigsThatCannotWorkAreRefused) {
  auto wrap = plain_context(Role::kClient);
  auto bad = [&](auto edit) {
    ChannelConfig c = config(Role::kClient);
    edit(c);
    return !ControlChannel::create(c, wrap, 0).has_value();
  };
  EXPECT_TRUE(bad([](ChannelConfig& c) { c.tls_mtu = 153; }));
  EXPECT_TRUE(bad([](ChannelConfig& c) { c.tls_mtu = 2049; }));
  EXPECT_TRUE(bad([](ChannelConfig& c) { c.own_session_id = {}; }));
  EXPECT_TRUE(bad([](ChannelConfig& c) { c.key_id = *KeyId::make(1); }));
  EXPECT_TRUE(bad([](ChannelConfig& c) { c.reset = ResetKind::kSoft; }));
  EXPECT_TRUE(bad([](ChannelConfig& c) { c.max_acks_on_ack_v1 = 9; }));
  EXPECT_TRUE(bad([](ChannelConfig& c) { c.tls_timeout_ms = 0; }));
  EXPECT_FALSE(bad([](ChannelConfig& c) { c.tls_mtu = 154; }));
}

TEST(ControlChannel, FloodOfBogusPacketsKeepsMemoryBounded) {
  ClientAfterReset c;
  drain(c.ch, 10);
  uint32_t x = 12345;
  auto rnd = [&] { return x = x * 1103515245u + 12345u; };
  const std::vector<uint8_t> payload(1000, 0x42);
  for (int i = 0; i < 20000; ++i) {
    const uint32_t id = rnd();
    static_cast<void>(c.ch.on_packet(
        plain_packet(Opcode::kControlV1, kServerSid, {rnd() % 50}, kClientSid, id, payload), 20));
    if (i % 100 == 0) drain(c.ch, 20);
  }
  // Every stored id was in the window, so at most 12 packets' worth arrived in order. Half of
  // the id space counts as "before" the window (duplicates, ACKed), half as beyond it.
  EXPECT_LE(c.ch.readable(), kReceiveWindow * payload.size());
  const auto& rx = c.ch.stats().rx;
  EXPECT_GT(rx[static_cast<size_t>(ControlDrop::kBeyondWindow)], 9000u);
  EXPECT_GT(rx[static_cast<size_t>(ControlDrop::kDuplicate)], 9000u);
}

}  // namespace
}  // namespace ovpn::control
