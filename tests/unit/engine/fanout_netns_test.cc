// The crypto fan-out in a running engine of two shards and a real TUN (in the private namespace
// of netns_main.cc): one peer's packets, sent in numbered order, large receives of them opened
// by both shards, come out of the TUN in the order sent; what a local application sends in
// large bursts, sealed by both shards, reaches the peer in order with consecutive packet ids.
// The peer's counters see every packet exactly once and the replay window refuses none. The
// DCO API's engine_get (what `dcoctl show` prints) reports fan-out on and the same figures.
//
//   test peer 127.0.0.1 <== DATA_V2 over UDP ==> engine 127.0.0.1, 2 shards, --fanout on
//                                                 [ovf0 10.8.0.1/24] local sockets on 10.8.0.1

#include <gtest/gtest.h>
#include <netinet/in.h>
#include <netinet/udp.h>
#include <poll.h>
#include <sys/socket.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <functional>
#include <optional>
#include <thread>

#include "crypto/data_aead.h"
#include "engine/engine_dco.h"
#include "engine_info_via_api.h"
#include "engine_peer_sockets.h"
#include "io/fd.h"
#include "io/netlink.h"
#include "proto/data_packet.h"
#include "udp_packets.h"

namespace ovpn::engine {
namespace {

using test::aead;
using test::bind_any_port;
using test::receive;
using test::udp_packet;
using test::UdpSpec;

const PeerId kPeer = *PeerId::make(1);
constexpr size_t kPayload = 1300;  // inner UDP payload: 1328-byte inner packets
constexpr size_t kPerSend = 40;    // one UDP_SEGMENT send: one large receive for the engine
constexpr size_t kSends = 50;

io::Fd udp_socket() {
  io::Fd fd(::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
  const int size = 8 << 20;
  ::setsockopt(fd.get(), SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof size);
  return fd;
}

// The payload of packet `seq`: its number, then a pattern of it.
void fill_payload(uint8_t* p, uint32_t seq) {
  std::memcpy(p, &seq, sizeof seq);
  for (size_t i = sizeof seq; i < kPayload; ++i) p[i] = static_cast<uint8_t>(seq + i);
}
bool payload_is(std::span<const uint8_t> p, uint32_t seq) {
  if (p.size() != kPayload) return false;
  std::vector<uint8_t> want(kPayload);
  fill_payload(want.data(), seq);
  return std::equal(p.begin(), p.end(), want.begin());
}

class FanoutThroughEngine : public ::testing::Test {
 protected:
  void SetUp() override {
    EngineOptions o;
    o.ifname = "ovf%d";
    o.threads = 2;
    o.listen = *Endpoint::parse("127.0.0.1:0");
    o.pin_threads = false;
    o.fanout = true;
    auto engine = EngineDco::start(o);
    ASSERT_TRUE(engine) << engine.error().message;
    engine_ = std::move(*engine);
    auto nl = io::NetlinkSocket::open();
    ASSERT_TRUE(nl) << nl.error().message;
    ASSERT_TRUE(nl->link_set_up(engine_->ifindex(), true));
    ASSERT_TRUE(nl->addr_new(engine_->ifindex(), *IpAddress::parse("10.8.0.1"), 24));

    peer_socket_ = udp_socket();
    dco::PeerConfig c;
    c.id = kPeer;
    c.remote = bind_any_port(peer_socket_, *IpAddress::parse("127.0.0.1"));
    ASSERT_TRUE(engine_->peer_new(c));
    dco::KeyConfig k;
    k.peer = kPeer;
    k.encrypt.cipher_key.assign(32, 1);  // engine -> peer
    k.decrypt.cipher_key.assign(32, 2);  // peer -> engine
    ASSERT_TRUE(engine_->key_new(std::move(k)));
  }

  // Inner packets of one size, each sealed into its own DATA_V2 datagram with the next packet
  // id, in one UDP_SEGMENT send (the engine receives them coalesced, or as one batch).
  void send_sealed(const std::vector<std::vector<uint8_t>>& inner) {
    const size_t wire = proto::kDataV2Overhead + inner.front().size();
    std::vector<uint8_t> message(wire * inner.size());
    for (size_t i = 0; i < inner.size(); ++i) {
      uint8_t* at = &message[i * wire];
      proto::write_data_v2_header(at, KeyId{}, kPeer, next_id_++);
      std::memcpy(at + proto::kDataV2Overhead, inner[i].data(), inner[i].size());
      ASSERT_TRUE(seal_.seal(std::span(at, wire)));
    }
    const int segment = static_cast<int>(wire);
    ASSERT_EQ(::setsockopt(peer_socket_.get(), SOL_UDP, UDP_SEGMENT, &segment, sizeof segment), 0);
    sockaddr_storage to;
    const socklen_t len = engine_->local_endpoint().to_sockaddr(to);
    ASSERT_EQ(::sendto(peer_socket_.get(), message.data(), message.size(), 0,
                       reinterpret_cast<sockaddr*>(&to), len),
              static_cast<ssize_t>(message.size()));
  }

  dco::PeerStats settled(const std::function<bool(const dco::PeerStats&)>& done) const {
    dco::PeerStats s = engine_->peer_get(kPeer)->stats;
    for (int i = 0; i < 200 && !done(s); ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
      s = engine_->peer_get(kPeer)->stats;
    }
    return s;
  }

  // For the log: whether the other shard took part (timing-dependent, so not asserted).
  static void print(const char* what, const FanoutStats& a, const FanoutStats& b) {
    std::printf("fan-out, %s: %llu jobs, %llu items, %llu by the helper, %llu wakes\n", what,
                static_cast<unsigned long long>(b.jobs - a.jobs),
                static_cast<unsigned long long>(b.items - a.items),
                static_cast<unsigned long long>(b.helped_items - a.helped_items),
                static_cast<unsigned long long>(b.wakes - a.wakes));
  }

  std::unique_ptr<EngineDco> engine_;
  io::Fd peer_socket_;
  crypto::DataAead seal_ = aead(2), open_ = aead(1);
  uint32_t next_id_ = 1;
};

TEST_F(FanoutThroughEngine, ReceivedPacketsOfOnePeerReachTunInOrder) {
  io::Fd receiver = udp_socket();
  const Endpoint at = bind_any_port(receiver, *IpAddress::parse("10.8.0.1"));
  auto packet = [&](uint32_t seq) {
    auto p = udp_packet(UdpSpec{.payload = kPayload, .dport = at.port()});
    fill_payload(&p[28], seq);
    store_be16(&p[26], 0);  // no UDP checksum (IPv4): the payload was patched
    return p;
  };
  // The kernel adds the local route of a new address a moment after the ack: probes until one
  // gets through.
  uint64_t probes = 0;
  std::optional<std::vector<uint8_t>> got;
  for (int i = 0; i < 20 && !got; ++i, ++probes) {
    send_sealed({packet(0xffffffff)});
    got = receive(receiver, 100);
  }
  ASSERT_TRUE(got) << "nothing came through the tunnel";
  while (receive(receiver, 50)) {
  }

  const FanoutStats before = engine_->fanout_stats();
  uint32_t seq = 0;
  for (size_t s = 0; s < kSends; ++s) {
    std::vector<std::vector<uint8_t>> burst;
    for (size_t i = 0; i < kPerSend; ++i) burst.push_back(packet(seq + static_cast<uint32_t>(i)));
    send_sealed(burst);
    for (size_t i = 0; i < kPerSend; ++i, ++seq) {
      const auto d = receive(receiver);
      ASSERT_TRUE(d) << "packet " << seq << " lost";
      ASSERT_TRUE(payload_is(*d, seq))
          << "packet " << seq << " is not the one sent " << seq << "th";
    }
  }
  const uint64_t total = probes + kSends * kPerSend;
  const dco::PeerStats st =
      settled([&](const dco::PeerStats& s) { return s.vpn_rx.packets >= total; });
  EXPECT_EQ(st.vpn_rx.packets, total) << "each packet counted once";
  EXPECT_EQ(st.link_rx.packets, total);
  EXPECT_EQ(st.drops[static_cast<size_t>(Drop::kReplay)], 0u);
  EXPECT_EQ(st.drops[static_cast<size_t>(Drop::kBadTag)], 0u);
  const FanoutStats after = engine_->fanout_stats();
  print("receive", before, after);
  EXPECT_GE(after.jobs - before.jobs, 1u) << "large receives are fanned out";
  EXPECT_GE(after.items - before.items, kPerSend);

  const auto api = test::engine_info_via_api(*engine_);
  test::expect_same_figures(api);
  EXPECT_TRUE(api.reply.offloads.fanout);
  EXPECT_EQ(api.reply.threads, 2u);
  EXPECT_GE(api.reply.fanout.jobs, after.jobs);
  EXPECT_GE(api.reply.fanout.items, after.items);
}

TEST_F(FanoutThroughEngine, SentPacketsOfOneFlowLeaveInOrder) {
  io::Fd app = udp_socket();
  bind_any_port(app, *IpAddress::parse("10.8.0.1"));
  const int segment = kPayload;
  ASSERT_EQ(::setsockopt(app.get(), SOL_UDP, UDP_SEGMENT, &segment, sizeof segment), 0);
  sockaddr_storage to;
  const socklen_t to_len = Endpoint(*IpAddress::parse("10.8.0.2"), 7777).to_sockaddr(to);

  const FanoutStats before = engine_->fanout_stats();
  uint32_t seq = 0;
  uint64_t last_id = 0;
  uint64_t others = 0;  // what else the interface sent (none expected over IPv4)
  for (size_t s = 0; s < kSends; ++s) {
    std::vector<uint8_t> burst(kPerSend * kPayload);
    for (size_t i = 0; i < kPerSend; ++i) {
      fill_payload(&burst[i * kPayload], seq + static_cast<uint32_t>(i));
    }
    ASSERT_EQ(::sendto(app.get(), burst.data(), burst.size(), 0, reinterpret_cast<sockaddr*>(&to),
                       to_len),
              static_cast<ssize_t>(burst.size()))
        << std::strerror(errno);
    for (size_t i = 0; i < kPerSend;) {
      auto wire = receive(peer_socket_);
      ASSERT_TRUE(wire) << "packet " << seq << " lost";
      proto::DataV2Header h;
      ASSERT_EQ(proto::parse_data_v2(*wire, h), Drop::kNone);
      ASSERT_EQ(h.packet_id, last_id + 1) << "packet ids leave in order";
      last_id = h.packet_id;
      ASSERT_TRUE(open_.open(*wire));
      const auto inner = std::span(*wire).subspan(proto::kDataV2Overhead);
      if (inner.size() < 28 || inner[9] != 17 || load_be16(&inner[22]) != 7777) {
        ++others;
        continue;
      }
      ASSERT_TRUE(payload_is(inner.subspan(28), seq)) << "packet " << seq << " out of order";
      ++i;
      ++seq;
    }
  }
  const uint64_t total = kSends * kPerSend + others;
  const dco::PeerStats st =
      settled([&](const dco::PeerStats& s) { return s.link_tx.packets >= total; });
  EXPECT_EQ(st.vpn_tx.packets, total) << "each packet counted once";
  EXPECT_EQ(st.link_tx.packets, total);
  const FanoutStats after = engine_->fanout_stats();
  print("send", before, after);
  if (engine_->tun_uso()) {
    // The kernel hands each burst over as one super-packet: its segments are one run.
    EXPECT_GE(after.jobs - before.jobs, 1u) << "large runs are fanned out";
  }

  const auto api = test::engine_info_via_api(*engine_);
  test::expect_same_figures(api);
  EXPECT_TRUE(api.reply.offloads.fanout);
  EXPECT_EQ(api.reply.offloads.tun_uso, engine_->tun_uso());
  EXPECT_GE(api.reply.fanout.jobs, after.jobs);
}

}  // namespace
}  // namespace ovpn::engine
