// Client-to-client in a running multi-peer engine (in the private namespace of netns_main.cc):
// what one peer sends to another's VPN address or iroute comes out of the engine sealed for
// that peer, over UDP (datagrams coalesced by UDP GRO included) and from a TCP peer's stream;
// without client-to-client it never does, and each packet is counted as dropped.

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/udp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <thread>

#include "crypto/data_aead.h"
#include "engine/engine_dco.h"
#include "io/fd.h"
#include "proto/data_packet.h"

namespace ovpn::engine {
namespace {

constexpr size_t kInner = 100;  // bytes of each inner packet
constexpr size_t kWire = proto::kDataV2Overhead + kInner;

EngineOptions options(bool client_to_client) {
  EngineOptions o;
  o.mode = dco::Mode::kMultiPeer;
  o.ifname = "ovc%d";
  o.threads = 2;
  o.listen = *Endpoint::parse("127.0.0.1:0");
  o.pin_threads = false;
  o.client_to_client = client_to_client;
  return o;
}

// One side of a peer, outside the engine: a socket (UDP on loopback, or the test's end of a TCP
// connection) and the AEADs matching the engine's key for the peer.
struct Side {
  io::Fd fd;
  Endpoint endpoint;
  crypto::DataAead seal, open;
  uint32_t next_id = 1;

  // The engine decrypts with bytes `k + 100`, encrypts with `k`.
  explicit Side(uint8_t k) : seal(make(static_cast<uint8_t>(k + 100))), open(make(k)) {}
  static crypto::DataAead make(uint8_t byte) {
    const std::vector<uint8_t> key(32, byte);
    const std::array<uint8_t, 8> iv{};
    return std::move(*crypto::DataAead::create_v2(crypto::CipherAlg::kAes256Gcm, key, iv));
  }
  static dco::KeyConfig key(PeerId peer, uint8_t k) {
    dco::KeyConfig c;
    c.peer = peer;
    c.encrypt.cipher_key.assign(32, k);
    c.decrypt.cipher_key.assign(32, static_cast<uint8_t>(k + 100));
    return c;
  }

  void bind_udp() {
    fd.reset(::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof a;
    ::bind(fd.get(), reinterpret_cast<sockaddr*>(&a), sizeof a);
    ::getsockname(fd.get(), reinterpret_cast<sockaddr*>(&a), &len);
    endpoint = *Endpoint::from_sockaddr(reinterpret_cast<sockaddr*>(&a), len);
  }

  // A sealed P_DATA_V2 packet for the engine's peer `peer` of an IPv4 packet src -> dst whose
  // payload starts with `seq`, at `out` (kWire bytes).
  void sealed(uint8_t* out, PeerId peer, const char* src, const char* dst, uint32_t seq) {
    uint8_t* inner = out + proto::kDataV2Overhead;
    std::memset(inner, 0xab, kInner);
    inner[0] = 0x45;
    std::memcpy(inner + 12, IpAddress::parse(src)->bytes(), 4);
    std::memcpy(inner + 16, IpAddress::parse(dst)->bytes(), 4);
    std::memcpy(inner + 20, &seq, sizeof seq);
    proto::write_data_v2_header(out, KeyId{}, peer, next_id++);
    ASSERT_TRUE(seal.seal(std::span(out, kWire)));
  }

  // The next datagram, opened: the sequence number of its inner packet from `src`; nullopt
  // when none arrived within `timeout_ms` or it is not what was sent.
  std::optional<uint32_t> receive(PeerId expected_id, const char* src, int timeout_ms = 2000) {
    pollfd p{fd.get(), POLLIN, 0};
    if (::poll(&p, 1, timeout_ms) != 1) return std::nullopt;
    std::vector<uint8_t> buf(2048);
    const ssize_t n = ::recv(fd.get(), buf.data(), buf.size(), 0);
    proto::DataV2Header header;
    if (n != static_cast<ssize_t>(kWire) ||
        proto::parse_data_v2(std::span(buf.data(), kWire), header) != Drop::kNone ||
        header.peer_id != expected_id || !open.open(std::span(buf.data(), kWire))) {
      return std::nullopt;
    }
    const uint8_t* inner = buf.data() + proto::kDataV2Overhead;
    if (std::memcmp(inner + 12, IpAddress::parse(src)->bytes(), 4) != 0) return std::nullopt;
    uint32_t seq;
    std::memcpy(&seq, inner + 20, sizeof seq);
    return seq;
  }
};

dco::PeerConfig udp_peer(uint32_t id, const Side& side, const char* vpn,
                         std::vector<const char*> routes = {}) {
  dco::PeerConfig c;
  c.id = *PeerId::make(id);
  c.remote = side.endpoint;
  c.vpn_ipv4 = *IpAddress::parse(vpn);
  for (const char* r : routes) c.routes.push_back(*IpPrefix::parse(r));
  return c;
}

class ClientToClient : public ::testing::Test {
 protected:
  // Peer 1 (10.8.0.2) and peer 2 (10.8.0.3, iroute 192.168.50.0/24), both UDP.
  void start(bool client_to_client) {
    auto engine = EngineDco::start(options(client_to_client));
    ASSERT_TRUE(engine) << engine.error().message;
    engine_ = std::move(*engine);
    one_.bind_udp();
    two_.bind_udp();
    ASSERT_TRUE(engine_->peer_new(udp_peer(1, one_, "10.8.0.2")));
    ASSERT_TRUE(engine_->peer_new(udp_peer(2, two_, "10.8.0.3", {"192.168.50.0/24"})));
    ASSERT_TRUE(engine_->key_new(Side::key(kOne, 1)));
    ASSERT_TRUE(engine_->key_new(Side::key(kTwo, 2)));
  }

  // `count` packets from peer 1 to `dst`, in one UDP_SEGMENT send per up to 60 (the engine's
  // socket may receive each send whole, coalesced).
  void send_from_one(const char* dst, uint32_t count) {
    constexpr uint32_t kPerSend = 60;
    const int segment = kWire;
    ASSERT_EQ(::setsockopt(one_.fd.get(), SOL_UDP, UDP_SEGMENT, &segment, sizeof segment), 0);
    sockaddr_storage to;
    const socklen_t len = engine_->local_endpoint().to_sockaddr(to);
    for (uint32_t first = 0; first < count; first += kPerSend) {
      const uint32_t n = std::min(kPerSend, count - first);
      std::vector<uint8_t> message(n * kWire);
      for (uint32_t i = 0; i < n; ++i) {
        one_.sealed(&message[i * kWire], kOne, "10.8.0.2", dst, first + i);
      }
      ASSERT_EQ(::sendto(one_.fd.get(), message.data(), message.size(), 0,
                         reinterpret_cast<sockaddr*>(&to), len),
                ssize_t(message.size()));
    }
  }

  dco::PeerStats stats(PeerId id) const { return engine_->peer_get(id)->stats; }

  static inline const PeerId kOne = *PeerId::make(1);
  static inline const PeerId kTwo = *PeerId::make(2);
  std::unique_ptr<EngineDco> engine_;
  Side one_{1}, two_{2};
};

// Over 64 packets (a shard's batch of forwarded packets) in coalesced receives, to peer 2's
// VPN address and to its iroute: all arrive at peer 2, in order, sealed with its key.
TEST_F(ClientToClient, ForwardsUdpPacketsToTheOtherPeer) {
  start(true);
  constexpr uint32_t kCount = 150;
  send_from_one("10.8.0.3", kCount);
  send_from_one("192.168.50.9", 1);
  for (uint32_t i = 0; i < kCount; ++i) {
    ASSERT_EQ(two_.receive(kTwo, "10.8.0.2"), std::optional<uint32_t>(i));
  }
  ASSERT_EQ(two_.receive(kTwo, "10.8.0.2"), std::optional<uint32_t>(0));
  // The shard counts a send once sendmmsg returned, which may be after peer 2 got it.
  for (int i = 0; i < 100 && stats(kTwo).link_tx.packets != kCount + 1; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  const dco::PeerStats s1 = stats(kOne), s2 = stats(kTwo);
  EXPECT_EQ(s1.vpn_rx.packets, kCount + 1);
  EXPECT_EQ(s1.link_rx.packets, kCount + 1);
  EXPECT_EQ(s2.vpn_tx.packets, kCount + 1);
  EXPECT_EQ(s2.vpn_tx.bytes, (kCount + 1) * kInner);
  EXPECT_EQ(s2.link_tx.packets, kCount + 1);
  EXPECT_EQ(s1.drops[static_cast<size_t>(Drop::kClientToClient)], 0u);
}

// Without client-to-client nothing reaches peer 2; every packet is a counted drop.
TEST_F(ClientToClient, DropsBetweenPeersWithoutIt) {
  start(false);
  send_from_one("10.8.0.3", 5);
  send_from_one("192.168.50.9", 5);
  EXPECT_EQ(two_.receive(kTwo, "10.8.0.2", 300), std::nullopt);
  dco::PeerStats s1;
  for (int i = 0; i < 100; ++i) {
    s1 = stats(kOne);
    if (s1.drops[static_cast<size_t>(Drop::kClientToClient)] == 10) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_EQ(s1.drops[static_cast<size_t>(Drop::kClientToClient)], 10u);
  EXPECT_EQ(s1.vpn_rx.packets, 0u);
  EXPECT_EQ(stats(kTwo).vpn_tx.packets, 0u);
}

// A TCP peer's frames, many in one write: the forwarded packets leave before the link's
// receive buffer is reused.
TEST_F(ClientToClient, ForwardsFromATcpPeer) {
  start(true);
  io::Fd listener(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof a;
  ASSERT_EQ(::bind(listener.get(), reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
  ASSERT_EQ(::listen(listener.get(), 1), 0);
  ::getsockname(listener.get(), reinterpret_cast<sockaddr*>(&a), &len);
  Side three(3);
  three.fd.reset(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  ASSERT_EQ(::connect(three.fd.get(), reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
  io::Fd theirs(::accept4(listener.get(), nullptr, nullptr, SOCK_CLOEXEC));
  dco::PeerConfig c;
  c.id = *PeerId::make(3);
  c.transport = dco::Transport::kTcp;
  c.tcp_fd = theirs.get();
  c.vpn_ipv4 = *IpAddress::parse("10.8.0.4");
  ASSERT_TRUE(engine_->peer_new(c));
  theirs.release();
  ASSERT_TRUE(engine_->key_new(Side::key(c.id, 3)));

  constexpr uint32_t kCount = 100;
  std::vector<uint8_t> stream(kCount * (2 + kWire));
  for (uint32_t i = 0; i < kCount; ++i) {
    uint8_t* frame = &stream[i * (2 + kWire)];
    frame[0] = 0;
    frame[1] = static_cast<uint8_t>(kWire);
    three.sealed(frame + 2, c.id, "10.8.0.4", "10.8.0.3", i);
  }
  ASSERT_EQ(::write(three.fd.get(), stream.data(), stream.size()), ssize_t(stream.size()));
  for (uint32_t i = 0; i < kCount; ++i) {
    ASSERT_EQ(two_.receive(kTwo, "10.8.0.4"), std::optional<uint32_t>(i));
  }
  EXPECT_EQ(stats(c.id).vpn_rx.packets, kCount);
  EXPECT_EQ(stats(kTwo).vpn_tx.packets, kCount);  // counted before the send
}

}  // namespace
}  // namespace ovpn::engine
