// The fake DCO passes the conformance suite, and its simulation hooks produce the
// notifications the engine would.

#include "fakes/fake_dco.h"
#include "conformance.h"

namespace ovpn::dco::test {
namespace {

Expected<std::unique_ptr<Dco>> make_fake(Mode mode) {
  auto fake = FakeDco::create(mode);
  if (!fake) return forward_error(std::move(fake));
  return std::unique_ptr<Dco>(std::move(*fake));
}

INSTANTIATE_TEST_SUITE_P(Fake, DcoConformance, ::testing::Values(DcoFactory{"fake", make_fake}),
                         factory_name);

TEST(FakeDco, SimulatedEventsArriveInOrder) {
  auto dco = FakeDco::create(Mode::kMultiPeer);
  ASSERT_TRUE(dco);
  PeerConfig c;
  c.id = *PeerId::make(4);
  c.remote = *Endpoint::parse("10.0.0.4:1194");
  c.vpn_ipv4 = *IpAddress::parse("10.8.0.4");
  ASSERT_TRUE((*dco)->peer_new(c));
  KeyConfig k;
  k.peer = c.id;
  k.key_id = *KeyId::make(2);
  k.encrypt.cipher_key.assign(32, 1);
  k.decrypt.cipher_key.assign(32, 2);
  ASSERT_TRUE((*dco)->key_new(std::move(k)));

  (*dco)->simulate_control_packet(ControlPacket{std::nullopt,
                                                Transport::kUdp,
                                                *Endpoint::parse("10.0.0.9:5000"),
                                                *Endpoint::parse("10.0.0.1:1194"),
                                                {0x38}});
  ASSERT_TRUE((*dco)->simulate_key_exhausted(c.id));
  ASSERT_TRUE((*dco)->simulate_float(c.id, *Endpoint::parse("10.0.0.5:1194")));
  ASSERT_TRUE((*dco)->simulate_peer_gone(c.id, DeleteReason::kExpired));

  std::vector<Notification> events;
  ASSERT_EQ((*dco)->read_notifications(events, 10), 4u);
  EXPECT_TRUE(std::holds_alternative<ControlPacket>(events[0].event));
  EXPECT_EQ(std::get<KeySwapNeeded>(events[1].event).key_id.value(), 2);
  EXPECT_EQ(std::get<PeerFloated>(events[2].event).remote.to_string(), "10.0.0.5:1194");
  EXPECT_EQ(std::get<PeerDeleted>(events[3].event).reason, DeleteReason::kExpired);
  for (size_t i = 0; i < 4; ++i) EXPECT_EQ(events[i].seq, i + 1);
}

TEST(FakeDco, RecordsSentControlPackets) {
  auto dco = FakeDco::create(Mode::kPointToPoint);
  ASSERT_TRUE(dco);
  const uint8_t bytes[] = {0x28, 0, 1};
  const Endpoint remote = *Endpoint::parse("[fd00::1]:1194");
  ASSERT_TRUE((*dco)->send_control(ControlTarget{remote}, bytes));
  auto sent = (*dco)->take_sent();
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(std::get<Endpoint>(sent[0].target), remote);
  EXPECT_EQ(sent[0].bytes, std::vector<uint8_t>(bytes, bytes + 3));
  EXPECT_TRUE((*dco)->take_sent().empty());
}

}  // namespace
}  // namespace ovpn::dco::test
