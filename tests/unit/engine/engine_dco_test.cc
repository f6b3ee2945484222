// The engine behind the DCO API, in a private network namespace (netns_main.cc): it passes
// the conformance suite every DCO passes, and does what only a real engine can: pass control
// packets up (none lost under load), send control packets out, expire silent peers, and stop a
// key before its packet ids run out.

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <set>
#include <thread>

#include "../dco/conformance.h"
#include "engine/engine_dco.h"
#include "io/fd.h"
#include "io/netlink.h"

namespace ovpn::engine {
namespace {

EngineOptions test_options(dco::Mode mode) {
  EngineOptions o;
  o.mode = mode;
  o.ifname = "ovt%d";
  o.threads = 2;
  o.listen = *Endpoint::parse("127.0.0.1:0");
  o.pin_threads = false;
  o.housekeeping_ms = 50;
  return o;
}

Expected<std::unique_ptr<dco::Dco>> make_engine(dco::Mode mode) {
  auto engine = EngineDco::start(test_options(mode));
  if (!engine) return forward_error(std::move(engine));
  return std::unique_ptr<dco::Dco>(std::move(*engine));
}

using dco::test::DcoConformance;
INSTANTIATE_TEST_SUITE_P(Engine, DcoConformance,
                         ::testing::Values(dco::test::DcoFactory{"engine", make_engine}),
                         dco::test::factory_name);

// A plain UDP socket on 127.0.0.1 playing the remote peer.
struct Remote {
  io::Fd fd{::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0)};
  Endpoint endpoint;
  Remote() {
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof a;
    ::bind(fd.get(), reinterpret_cast<sockaddr*>(&a), sizeof a);
    ::getsockname(fd.get(), reinterpret_cast<sockaddr*>(&a), &len);
    endpoint = *Endpoint::from_sockaddr(reinterpret_cast<sockaddr*>(&a), len);
  }
  void send(const Endpoint& to, std::span<const uint8_t> bytes) const {
    sockaddr_storage ss;
    const socklen_t len = to.to_sockaddr(ss);
    ::sendto(fd.get(), bytes.data(), bytes.size(), 0, reinterpret_cast<sockaddr*>(&ss), len);
  }
  std::vector<uint8_t> receive(int timeout_ms = 2000) const {
    pollfd p{fd.get(), POLLIN, 0};
    if (::poll(&p, 1, timeout_ms) != 1) return {};
    std::vector<uint8_t> buf(65536);
    const ssize_t n = ::recv(fd.get(), buf.data(), buf.size(), 0);
    buf.resize(n > 0 ? static_cast<size_t>(n) : 0);
    return buf;
  }
};

// Collects notifications until `count` arrived or the deadline passed.
std::vector<dco::Notification> wait_for(dco::Dco& dco, size_t count, int timeout_ms = 5000) {
  std::vector<dco::Notification> out;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  while (out.size() < count && std::chrono::steady_clock::now() < deadline) {
    pollfd p{dco.notification_fd(), POLLIN, 0};
    ::poll(&p, 1, 50);
    dco.read_notifications(out, 1024);
  }
  return out;
}

dco::PeerConfig peer_at(const Endpoint& remote, dco::Keepalive keepalive = {}) {
  dco::PeerConfig c;
  c.id = *PeerId::make(1);
  c.remote = remote;
  c.keepalive = keepalive;
  return c;
}

TEST(EngineDco, ControlPacketsGoUpInOrderNoneLost) {
  auto engine = EngineDco::start(test_options(dco::Mode::kPointToPoint));
  ASSERT_TRUE(engine) << engine.error().message;
  Remote remote;
  constexpr size_t kPackets = 2000;
  for (size_t i = 0; i < kPackets; ++i) {
    const uint8_t packet[] = {
        0x38, 0, 0, 0, 0, static_cast<uint8_t>(i >> 8), static_cast<uint8_t>(i), 0, 0, 0};
    remote.send((*engine)->local_endpoint(), packet);
    if (i % 200 == 199) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  const auto events = wait_for(**engine, kPackets);
  ASSERT_EQ(events.size(), kPackets);
  for (size_t i = 0; i < events.size(); ++i) {
    EXPECT_EQ(events[i].seq, i + 1);
    const auto* control = std::get_if<dco::ControlPacket>(&events[i].event);
    ASSERT_NE(control, nullptr);
    EXPECT_EQ(control->remote, remote.endpoint);
    EXPECT_EQ(control->transport, dco::Transport::kUdp);
    EXPECT_EQ(control->local.port(), (*engine)->local_endpoint().port());
    ASSERT_EQ(control->bytes.size(), 10u);
  }
}

TEST(EngineDco, SendsControlPacketsToPeersAndAddresses) {
  auto engine = EngineDco::start(test_options(dco::Mode::kPointToPoint));
  ASSERT_TRUE(engine) << engine.error().message;
  Remote remote;
  const uint8_t hello[] = {0x38, 1, 2, 3, 4, 5, 6, 7, 8};
  ASSERT_TRUE((*engine)->send_control(dco::ControlTarget{remote.endpoint}, hello));
  EXPECT_EQ(remote.receive(), std::vector<uint8_t>(std::begin(hello), std::end(hello)));
  ASSERT_TRUE((*engine)->peer_new(peer_at(remote.endpoint)));
  ASSERT_TRUE((*engine)->send_control(dco::ControlTarget{*PeerId::make(1)}, hello));
  EXPECT_EQ(remote.receive(), std::vector<uint8_t>(std::begin(hello), std::end(hello)));
}

TEST(EngineDco, PingsWhenIdleAndExpiresWhenSilent) {
  auto engine = EngineDco::start(test_options(dco::Mode::kPointToPoint));
  ASSERT_TRUE(engine) << engine.error().message;
  Remote remote;
  ASSERT_TRUE((*engine)->peer_new(peer_at(remote.endpoint, dco::Keepalive{1, 2})));
  dco::KeyConfig key;
  key.peer = *PeerId::make(1);
  key.encrypt.cipher_key.assign(32, 7);
  key.decrypt.cipher_key.assign(32, 9);
  ASSERT_TRUE((*engine)->key_new(std::move(key)));

  // A keepalive ping: a sealed P_DATA_V2 packet of 8 + 16 + 16 bytes, within about a second.
  const auto ping = remote.receive(2500);
  ASSERT_EQ(ping.size(), 40u);
  EXPECT_EQ(ping[0] >> 3, 9) << "P_DATA_V2";

  // Nothing comes back: the peer expires after its 2 s timeout.
  const auto events = wait_for(**engine, 1, 5000);
  ASSERT_EQ(events.size(), 1u);
  const auto* deleted = std::get_if<dco::PeerDeleted>(&events[0].event);
  ASSERT_NE(deleted, nullptr);
  EXPECT_EQ(deleted->reason, dco::DeleteReason::kExpired);
  EXPECT_TRUE((*engine)->peer_get_all().empty());
}

TEST(EngineDco, KeyStopsBeforeItsPacketIdsRunOut) {
  EngineOptions o = test_options(dco::Mode::kPointToPoint);
  o.packet_id_last = 100;
  auto engine = EngineDco::start(o);
  ASSERT_TRUE(engine) << engine.error().message;
  // Route 10.77.0.0/24 into the tunnel and send UDP datagrams there.
  auto nl = io::NetlinkSocket::open();
  ASSERT_TRUE(nl);
  const int ifindex = (*engine)->ifindex();
  ASSERT_TRUE(nl->addr_new(ifindex, *IpAddress::parse("10.77.0.1"), 24));
  ASSERT_TRUE(nl->link_set_up(ifindex, true));
  Remote remote;
  ASSERT_TRUE((*engine)->peer_new(peer_at(remote.endpoint)));
  dco::KeyConfig key;
  key.peer = *PeerId::make(1);
  key.key_id = *KeyId::make(3);
  key.encrypt.cipher_key.assign(32, 7);
  key.decrypt.cipher_key.assign(32, 9);
  ASSERT_TRUE((*engine)->key_new(std::move(key)));

  io::Fd sender(::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
  sockaddr_in to{};
  to.sin_family = AF_INET;
  to.sin_port = htons(9);
  inet_pton(AF_INET, "10.77.0.2", &to.sin_addr);
  const char payload[] = "x";
  // The kernel may route a few packets of its own into the link (IPv6 router solicitations):
  // they take ids too. Whatever was sent, the ids on the wire are 1..100, each once.
  std::set<uint32_t> ids;
  for (int i = 0; i < 150; ++i) {
    ::sendto(sender.get(), payload, 1, 0, reinterpret_cast<sockaddr*>(&to), sizeof to);
    for (auto packet = remote.receive(i < 90 ? 1000 : 50); !packet.empty();
         packet = remote.receive(0)) {
      ASSERT_GE(packet.size(), 8u);
      const uint32_t id = (uint32_t{packet[4]} << 24) | (uint32_t{packet[5]} << 16) |
                          (uint32_t{packet[6]} << 8) | packet[7];
      EXPECT_TRUE(ids.insert(id).second) << "packet id " << id << " reused";
    }
  }
  ASSERT_EQ(ids.size(), 100u);
  EXPECT_EQ(*ids.begin(), 1u);
  EXPECT_EQ(*ids.rbegin(), 100u);
  const auto info = (*engine)->peer_get(*PeerId::make(1));
  ASSERT_TRUE(info);
  EXPECT_GE(info->stats.drops[static_cast<size_t>(Drop::kPacketIdExhausted)], 50u);
  const auto events = wait_for(**engine, 1);
  ASSERT_EQ(events.size(), 1u);
  const auto* swap = std::get_if<dco::KeySwapNeeded>(&events[0].event);
  ASSERT_NE(swap, nullptr);
  EXPECT_EQ(swap->key_id.value(), 3);
}

}  // namespace
}  // namespace ovpn::engine
