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
#include <cstring>
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

// A loopback TCP connection: `ours` is the test's end, `theirs` goes to the engine.
struct TcpPair {
  io::Fd ours, theirs;
  TcpPair() {
    io::Fd listener(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof a;
    ::bind(listener.get(), reinterpret_cast<sockaddr*>(&a), sizeof a);
    ::listen(listener.get(), 1);
    ::getsockname(listener.get(), reinterpret_cast<sockaddr*>(&a), &len);
    ours.reset(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
    ::connect(ours.get(), reinterpret_cast<sockaddr*>(&a), sizeof a);
    theirs.reset(::accept4(listener.get(), nullptr, nullptr, SOCK_CLOEXEC));
  }
  // Reads one length-framed packet; empty on timeout or end of stream.
  std::vector<uint8_t> read_frame(int timeout_ms = 2000) const {
    uint8_t header[2];
    if (!read_exact(header, 2, timeout_ms)) return {};
    std::vector<uint8_t> packet((size_t{header[0]} << 8) | header[1]);
    if (!read_exact(packet.data(), packet.size(), timeout_ms)) return {};
    return packet;
  }
  bool read_exact(uint8_t* out, size_t n, int timeout_ms) const {
    for (size_t got = 0; got < n;) {
      pollfd p{ours.get(), POLLIN, 0};
      if (::poll(&p, 1, timeout_ms) != 1) return false;
      const ssize_t r = ::read(ours.get(), out + got, n - got);
      if (r <= 0) return false;
      got += static_cast<size_t>(r);
    }
    return true;
  }
};

dco::PeerConfig tcp_peer(int fd, dco::Keepalive keepalive = {}) {
  dco::PeerConfig c;
  c.id = *PeerId::make(1);
  c.transport = dco::Transport::kTcp;
  c.tcp_fd = fd;
  c.keepalive = keepalive;
  return c;
}

const dco::PeerDeleted* deleted_in(const std::vector<dco::Notification>& events) {
  for (const auto& n : events) {
    if (const auto* d = std::get_if<dco::PeerDeleted>(&n.event)) return d;
  }
  return nullptr;
}

// Control packets in both directions over a TCP peer's connection, however the stream is cut;
// the peer reads back its socket's remote address; closing the connection deletes the peer.
TEST(EngineDcoTcp, ControlBothWaysAndDisconnect) {
  auto engine = EngineDco::start(test_options(dco::Mode::kPointToPoint));
  ASSERT_TRUE(engine) << engine.error().message;
  TcpPair tcp;
  ASSERT_TRUE(tcp.theirs.valid());
  ASSERT_TRUE((*engine)->peer_new(tcp_peer(tcp.theirs.get())));
  tcp.theirs.release();  // the engine owns it now

  // Frame 1 a byte at a time, then frames 2 and 3 in one write.
  const uint8_t stream[] = {0, 4, 0x38, 1, 2, 3, 0, 2, 0x38, 9, 0, 3, 0x38, 7, 7};
  for (size_t i = 0; i < 6; ++i) {
    ASSERT_EQ(::write(tcp.ours.get(), &stream[i], 1), 1);
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  ASSERT_EQ(::write(tcp.ours.get(), stream + 6, sizeof stream - 6), ssize_t(sizeof stream - 6));
  const auto events = wait_for(**engine, 3);
  ASSERT_EQ(events.size(), 3u);
  const std::vector<std::vector<uint8_t>> expected = {{0x38, 1, 2, 3}, {0x38, 9}, {0x38, 7, 7}};
  for (size_t i = 0; i < 3; ++i) {
    const auto* control = std::get_if<dco::ControlPacket>(&events[i].event);
    ASSERT_NE(control, nullptr);
    EXPECT_EQ(control->peer, *PeerId::make(1));
    EXPECT_EQ(control->transport, dco::Transport::kTcp);
    EXPECT_EQ(control->bytes, expected[i]);
  }

  const uint8_t hello[] = {0x38, 5, 6, 7, 8};
  ASSERT_TRUE((*engine)->send_control(dco::ControlTarget{*PeerId::make(1)}, hello));
  EXPECT_EQ(tcp.read_frame(), std::vector<uint8_t>(std::begin(hello), std::end(hello)));

  const auto info = (*engine)->peer_get(*PeerId::make(1));
  ASSERT_TRUE(info);
  sockaddr_in ours{};
  socklen_t len = sizeof ours;
  ::getsockname(tcp.ours.get(), reinterpret_cast<sockaddr*>(&ours), &len);
  EXPECT_EQ(info->config.remote, Endpoint::from_sockaddr(reinterpret_cast<sockaddr*>(&ours), len));

  tcp.ours.reset();
  const auto after = wait_for(**engine, 1, 3000);
  const auto* deleted = deleted_in(after);
  ASSERT_NE(deleted, nullptr);
  EXPECT_EQ(deleted->reason, dco::DeleteReason::kTransportDisconnect);
  EXPECT_TRUE((*engine)->peer_get_all().empty());
}

// A zero-length frame breaks the stream: the peer is deleted with a transport error.
TEST(EngineDcoTcp, BrokenFramingIsATransportError) {
  auto engine = EngineDco::start(test_options(dco::Mode::kPointToPoint));
  ASSERT_TRUE(engine) << engine.error().message;
  TcpPair tcp;
  ASSERT_TRUE((*engine)->peer_new(tcp_peer(tcp.theirs.release())));
  const uint8_t zero[] = {0, 0, 0x38};
  ASSERT_EQ(::write(tcp.ours.get(), zero, sizeof zero), 3);
  const auto events = wait_for(**engine, 1, 3000);
  const auto* deleted = deleted_in(events);
  ASSERT_NE(deleted, nullptr);
  EXPECT_EQ(deleted->reason, dco::DeleteReason::kTransportError);
  EXPECT_EQ(tcp.read_frame(1000), std::vector<uint8_t>{}) << "the engine closed its end";
}

// Keepalive pings go out over the connection, sealed and framed.
TEST(EngineDcoTcp, PingsOverTheConnection) {
  auto engine = EngineDco::start(test_options(dco::Mode::kPointToPoint));
  ASSERT_TRUE(engine) << engine.error().message;
  TcpPair tcp;
  ASSERT_TRUE((*engine)->peer_new(tcp_peer(tcp.theirs.release(), dco::Keepalive{1, 30})));
  dco::KeyConfig key;
  key.peer = *PeerId::make(1);
  key.encrypt.cipher_key.assign(32, 7);
  key.decrypt.cipher_key.assign(32, 9);
  ASSERT_TRUE((*engine)->key_new(std::move(key)));
  const auto ping = tcp.read_frame(2500);
  ASSERT_EQ(ping.size(), 40u);
  EXPECT_EQ(ping[0] >> 3, 9) << "P_DATA_V2";
}

// A reader that stalls: what the socket does not take waits in the backlog, then is dropped
// with an error once the backlog is full; when the reader drains, every frame taken arrives
// whole and in order.
TEST(EngineDcoTcp, BacklogKeepsFramesWholeAndInOrder) {
  auto engine = EngineDco::start(test_options(dco::Mode::kPointToPoint));
  ASSERT_TRUE(engine) << engine.error().message;
  TcpPair tcp;
  const int small = 16384;
  ::setsockopt(tcp.ours.get(), SOL_SOCKET, SO_RCVBUF, &small, sizeof small);
  ASSERT_TRUE((*engine)->peer_new(tcp_peer(tcp.theirs.release())));
  std::vector<uint8_t> frame(60000, 0xab);
  frame[0] = 0x38;
  uint32_t taken = 0;
  for (; taken < 10000; ++taken) {
    std::memcpy(&frame[1], &taken, sizeof taken);
    if (!(*engine)->send_control(dco::ControlTarget{*PeerId::make(1)}, frame)) break;
  }
  ASSERT_LT(taken, 10000u) << "the backlog is bounded";
  ASSERT_GT(taken, TcpLink::kMaxBacklog / frame.size());
  for (uint32_t i = 0; i < taken; ++i) {
    const auto got = tcp.read_frame();
    ASSERT_EQ(got.size(), frame.size()) << "frame " << i;
    uint32_t seq;
    std::memcpy(&seq, &got[1], sizeof seq);
    ASSERT_EQ(seq, i);
    ASSERT_EQ(got.back(), 0xab);
  }
  // Drained: sending works again.
  ASSERT_TRUE((*engine)->send_control(dco::ControlTarget{*PeerId::make(1)}, frame));
}

}  // namespace
}  // namespace ovpn::engine
