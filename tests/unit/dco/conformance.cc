// The DCO API conformance suite (see conformance.h): peers, keys and notifications as the Linux
// ovpn module's netlink API defines them.

#include "conformance.h"

#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

namespace ovpn::dco::test {
namespace {

PeerId id(uint32_t v) { return *PeerId::make(v); }
Endpoint ep(const char* text) { return *Endpoint::parse(text); }
IpAddress ip(const char* text) { return *IpAddress::parse(text); }

PeerConfig udp_peer(uint32_t n, Mode mode) {
  PeerConfig c;
  c.id = id(n);
  c.remote = Endpoint(IpAddress::v4(0x0a000000u + n), 1194);
  if (mode == Mode::kMultiPeer) c.vpn_ipv4 = IpAddress::v4(0x0a080000u + n);
  return c;
}

KeyConfig key(uint32_t peer, KeySlot slot, unsigned key_id,
              crypto::CipherAlg alg = crypto::CipherAlg::kAes256Gcm) {
  KeyConfig k;
  k.peer = id(peer);
  k.slot = slot;
  k.key_id = *KeyId::make(key_id);
  k.alg = alg;
  k.encrypt.cipher_key.assign(crypto::cipher_key_size(alg), static_cast<uint8_t>(key_id));
  k.decrypt.cipher_key.assign(crypto::cipher_key_size(alg), static_cast<uint8_t>(key_id + 100));
  return k;
}

std::vector<Notification> drain(Dco& dco) {
  std::vector<Notification> out;
  while (dco.read_notifications(out, 64) > 0) {
  }
  return out;
}

bool readable(int fd) {
  pollfd p{fd, POLLIN, 0};
  return ::poll(&p, 1, 0) == 1 && (p.revents & POLLIN) != 0;
}

TEST_P(DcoConformance, PeerLifecycle) {
  auto dco = make(Mode::kMultiPeer);
  ASSERT_TRUE(dco);
  ASSERT_TRUE(dco->peer_new(udp_peer(1, Mode::kMultiPeer)));
  ASSERT_TRUE(dco->peer_new(udp_peer(2, Mode::kMultiPeer)));
  EXPECT_EQ(dco->peer_new(udp_peer(1, Mode::kMultiPeer)).error().code, Errc::kExists);

  auto info = dco->peer_get(id(1));
  ASSERT_TRUE(info);
  EXPECT_EQ(info->config.id, id(1));
  EXPECT_EQ(info->config.remote, ep("10.0.0.1:1194"));
  EXPECT_EQ(info->config.vpn_ipv4, ip("10.8.0.1"));
  EXPECT_TRUE(info->keys.empty());
  EXPECT_EQ(dco->peer_get_all().size(), 2u);

  ASSERT_TRUE(dco->peer_del(id(1)));
  EXPECT_EQ(dco->peer_get(id(1)).error().code, Errc::kNotFound);
  EXPECT_EQ(dco->peer_del(id(1)).error().code, Errc::kNotFound);
  EXPECT_EQ(dco->peer_get_all().size(), 1u);

  const auto events = drain(*dco);
  ASSERT_EQ(events.size(), 1u);
  const auto* deleted = std::get_if<PeerDeleted>(&events[0].event);
  ASSERT_NE(deleted, nullptr);
  EXPECT_EQ(deleted->peer, id(1));
  EXPECT_EQ(deleted->reason, DeleteReason::kUserspace);
}

TEST_P(DcoConformance, PeerConfigRules) {
  auto mp = make(Mode::kMultiPeer);
  auto p2p = make(Mode::kPointToPoint);
  ASSERT_TRUE(mp && p2p);
  auto rejected = [](Dco& dco, PeerConfig c) {
    auto st = dco.peer_new(std::move(c));
    return !st && st.error().code == Errc::kInvalidArgument;
  };
  PeerConfig c = udp_peer(1, Mode::kMultiPeer);
  c.vpn_ipv4.reset();
  EXPECT_TRUE(rejected(*mp, c)) << "multi-peer without a VPN address";
  EXPECT_TRUE(rejected(*p2p, udp_peer(1, Mode::kMultiPeer))) << "point-to-point with one";
  c = udp_peer(1, Mode::kPointToPoint);
  c.remote.reset();
  EXPECT_TRUE(rejected(*p2p, c)) << "UDP without a remote";
  c = udp_peer(1, Mode::kPointToPoint);
  c.transport = Transport::kTcp;
  EXPECT_TRUE(rejected(*p2p, c)) << "TCP without a socket";
  c = udp_peer(1, Mode::kPointToPoint);
  c.id = PeerId::undefined();
  EXPECT_TRUE(rejected(*p2p, c)) << "undefined id";
  c = udp_peer(1, Mode::kPointToPoint);
  c.keepalive = {10, 0};
  EXPECT_TRUE(rejected(*p2p, c)) << "keepalive interval without timeout";
  c = udp_peer(1, Mode::kMultiPeer);
  c.vpn_ipv4 = ip("fd00::1");
  EXPECT_TRUE(rejected(*mp, c)) << "IPv6 address as vpn_ipv4";
  EXPECT_TRUE(mp->peer_get_all().empty());
  EXPECT_TRUE(p2p->peer_get_all().empty());
}

TEST_P(DcoConformance, PointToPointReplacesItsPeer) {
  auto dco = make(Mode::kPointToPoint);
  ASSERT_TRUE(dco);
  ASSERT_TRUE(dco->peer_new(udp_peer(1, Mode::kPointToPoint)));
  ASSERT_TRUE(dco->peer_new(udp_peer(2, Mode::kPointToPoint)));
  const auto all = dco->peer_get_all();
  ASSERT_EQ(all.size(), 1u);
  EXPECT_EQ(all[0].config.id, id(2));
  const auto events = drain(*dco);
  ASSERT_EQ(events.size(), 1u);
  const auto* deleted = std::get_if<PeerDeleted>(&events[0].event);
  ASSERT_NE(deleted, nullptr);
  EXPECT_EQ(deleted->peer, id(1));
  EXPECT_EQ(deleted->reason, DeleteReason::kTeardown);
}

TEST_P(DcoConformance, PeerSet) {
  auto dco = make(Mode::kMultiPeer);
  ASSERT_TRUE(dco);
  ASSERT_TRUE(dco->peer_new(udp_peer(1, Mode::kMultiPeer)));
  PeerUpdate u;
  u.id = id(1);
  u.remote = ep("[fd00::7]:4000");
  u.keepalive = Keepalive{10, 60};
  u.routes = std::vector<IpPrefix>{*IpPrefix::parse("192.168.7.0/24")};
  ASSERT_TRUE(dco->peer_set(u));
  auto info = dco->peer_get(id(1));
  ASSERT_TRUE(info);
  EXPECT_EQ(info->config.remote, ep("[fd00::7]:4000"));
  EXPECT_EQ(info->config.keepalive, (Keepalive{10, 60}));
  ASSERT_EQ(info->config.routes.size(), 1u);
  EXPECT_EQ(info->config.routes[0].to_string(), "192.168.7.0/24");
  EXPECT_EQ(info->config.vpn_ipv4, ip("10.8.0.1"));  // untouched

  u.id = id(9);
  EXPECT_EQ(dco->peer_set(u).error().code, Errc::kNotFound);
}

TEST_P(DcoConformance, KeySlotsAndSwap) {
  auto dco = make(Mode::kPointToPoint);
  ASSERT_TRUE(dco);
  ASSERT_TRUE(dco->peer_new(udp_peer(1, Mode::kPointToPoint)));
  EXPECT_EQ(dco->key_get(id(1), KeySlot::kPrimary).error().code, Errc::kNotFound);

  ASSERT_TRUE(dco->key_new(key(1, KeySlot::kPrimary, 0)));
  ASSERT_TRUE(dco->key_new(key(1, KeySlot::kSecondary, 1, crypto::CipherAlg::kChaCha20Poly1305)));
  auto primary = dco->key_get(id(1), KeySlot::kPrimary);
  ASSERT_TRUE(primary);
  EXPECT_EQ(primary->key_id.value(), 0);
  EXPECT_EQ(primary->alg, crypto::CipherAlg::kAes256Gcm);
  EXPECT_EQ(dco->peer_get(id(1))->keys.size(), 2u);

  ASSERT_TRUE(dco->key_swap(id(1)));
  primary = dco->key_get(id(1), KeySlot::kPrimary);
  auto secondary = dco->key_get(id(1), KeySlot::kSecondary);
  ASSERT_TRUE(primary && secondary);
  EXPECT_EQ(primary->key_id.value(), 1);
  EXPECT_EQ(primary->slot, KeySlot::kPrimary);
  EXPECT_EQ(primary->alg, crypto::CipherAlg::kChaCha20Poly1305);
  EXPECT_EQ(secondary->key_id.value(), 0);
  EXPECT_EQ(secondary->slot, KeySlot::kSecondary);

  ASSERT_TRUE(dco->key_del(id(1), KeySlot::kSecondary));
  EXPECT_EQ(dco->key_get(id(1), KeySlot::kSecondary).error().code, Errc::kNotFound);
  EXPECT_EQ(dco->peer_get(id(1))->keys.size(), 1u);
  // Swapping with an empty slot leaves the primary empty.
  ASSERT_TRUE(dco->key_swap(id(1)));
  EXPECT_FALSE(dco->key_get(id(1), KeySlot::kPrimary));
  EXPECT_TRUE(dco->key_get(id(1), KeySlot::kSecondary));
}

TEST_P(DcoConformance, KeyRules) {
  auto dco = make(Mode::kPointToPoint);
  ASSERT_TRUE(dco);
  EXPECT_EQ(dco->key_new(key(1, KeySlot::kPrimary, 0)).error().code, Errc::kNotFound);
  ASSERT_TRUE(dco->peer_new(udp_peer(1, Mode::kPointToPoint)));
  KeyConfig k = key(1, KeySlot::kPrimary, 0);
  k.encrypt.cipher_key.resize(16);  // AES-256-GCM takes 32
  EXPECT_EQ(dco->key_new(std::move(k)).error().code, Errc::kInvalidArgument);
  for (auto alg : crypto::kAllCipherAlgs) {
    EXPECT_TRUE(dco->key_new(key(1, KeySlot::kPrimary, 3, alg))) << crypto::cipher_name(alg);
  }
  EXPECT_EQ(dco->key_swap(id(7)).error().code, Errc::kNotFound);
  EXPECT_EQ(dco->key_del(id(7), KeySlot::kPrimary).error().code, Errc::kNotFound);
}

TEST_P(DcoConformance, DeletingAPeerDropsItsKeys) {
  auto dco = make(Mode::kMultiPeer);
  ASSERT_TRUE(dco);
  ASSERT_TRUE(dco->peer_new(udp_peer(1, Mode::kMultiPeer)));
  ASSERT_TRUE(dco->key_new(key(1, KeySlot::kPrimary, 0)));
  ASSERT_TRUE(dco->peer_del(id(1)));
  ASSERT_TRUE(dco->peer_new(udp_peer(1, Mode::kMultiPeer)));
  EXPECT_FALSE(dco->key_get(id(1), KeySlot::kPrimary));
}

TEST_P(DcoConformance, NotificationsAreNumberedWithoutGaps) {
  auto dco = make(Mode::kMultiPeer);
  ASSERT_TRUE(dco);
  EXPECT_FALSE(readable(dco->notification_fd()));
  constexpr uint32_t kPeers = 1000;
  for (uint32_t n = 1; n <= kPeers; ++n) ASSERT_TRUE(dco->peer_new(udp_peer(n, Mode::kMultiPeer)));
  for (uint32_t n = 1; n <= kPeers; ++n) ASSERT_TRUE(dco->peer_del(id(n)));
  EXPECT_TRUE(readable(dco->notification_fd()));

  std::vector<Notification> events;
  // In small reads, to cross the batch boundaries.
  while (dco->read_notifications(events, 7) > 0) {
  }
  EXPECT_FALSE(readable(dco->notification_fd()));
  ASSERT_EQ(events.size(), kPeers);
  for (size_t i = 0; i < events.size(); ++i) {
    EXPECT_EQ(events[i].seq, events[0].seq + i);
    const auto* deleted = std::get_if<PeerDeleted>(&events[i].event);
    ASSERT_NE(deleted, nullptr);
    EXPECT_EQ(deleted->peer, id(static_cast<uint32_t>(i + 1)));
  }
}

TEST_P(DcoConformance, SendControlToAnUnknownPeerFails) {
  auto dco = make(Mode::kMultiPeer);
  ASSERT_TRUE(dco);
  const uint8_t bytes[] = {0x38, 1, 2, 3};
  EXPECT_EQ(dco->send_control(ControlTarget{id(5)}, bytes).error().code, Errc::kNotFound);
}

// The DCO owns a TCP peer's socket: deleting the peer closes it.
TEST_P(DcoConformance, TcpPeerOwnsItsSocket) {
  auto dco = make(Mode::kMultiPeer);
  ASSERT_TRUE(dco);
  int fds[2];
  ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM, 0, fds), 0);
  PeerConfig c = udp_peer(1, Mode::kMultiPeer);
  c.transport = Transport::kTcp;
  c.remote.reset();
  c.tcp_fd = fds[0];
  ASSERT_TRUE(dco->peer_new(std::move(c)));
  ASSERT_TRUE(dco->peer_del(id(1)));
  char byte;
  EXPECT_EQ(::read(fds[1], &byte, 1), 0) << "the other end sees the close";
  ::close(fds[1]);
}

}  // namespace
}  // namespace ovpn::dco::test
