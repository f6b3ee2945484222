// UDP segmentation offload through a running engine and a real TUN (in the private namespace of
// netns_main.cc), both ways:
//   * a run of sealed datagrams of one inner UDP flow, received in one coalesced receive, is
//     written to TUN as one UDP super-packet, and a local socket receives every datagram as sent;
//   * what a local application sends with UDP_SEGMENT reaches the TUN as one super-packet, and
//     the peer receives it as separate datagrams, each with correct lengths and checksum.
//
//   test peer 127.0.0.1 <== DATA_V2 over UDP ==> engine 127.0.0.1  [ovu0 10.8.0.1/24, fd00::1/64]
//                                                         local sockets on 10.8.0.1 / fd00::1
//
// The DCO API's engine_get (what `dcoctl show` prints) reports the same offloads and figures.

#include <gtest/gtest.h>
#include <netinet/in.h>
#include <netinet/udp.h>
#include <poll.h>
#include <sys/socket.h>

#include <array>
#include <chrono>
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
using test::udp_checksum_ok;
using test::udp_packet;
using test::UdpSpec;

const PeerId kPeer = *PeerId::make(1);

io::Fd udp_socket(int family) { return io::Fd(::socket(family, SOCK_DGRAM | SOCK_CLOEXEC, 0)); }

class UdpOffloadThroughEngine : public ::testing::TestWithParam<bool> {
 protected:
  void SetUp() override {
    EngineOptions o;
    o.ifname = "ovu%d";
    o.threads = 1;
    o.listen = *Endpoint::parse("127.0.0.1:0");
    o.pin_threads = false;
    auto engine = EngineDco::start(o);
    ASSERT_TRUE(engine) << engine.error().message;
    engine_ = std::move(*engine);
    if (!engine_->tun_uso()) GTEST_SKIP() << "no TUN USO here";

    auto nl = io::NetlinkSocket::open();
    ASSERT_TRUE(nl) << nl.error().message;
    const int ifindex = engine_->ifindex();
    ASSERT_TRUE(nl->link_set_up(ifindex, true));
    ASSERT_TRUE(nl->addr_new(ifindex, *IpAddress::parse("10.8.0.1"), 24));
    ASSERT_TRUE(nl->addr_new(ifindex, *IpAddress::parse("fd00::1"), 64));

    peer_socket_ = udp_socket(AF_INET);
    peer_ = bind_any_port(peer_socket_, *IpAddress::parse("127.0.0.1"));
    dco::PeerConfig c;
    c.id = kPeer;
    c.remote = peer_;
    ASSERT_TRUE(engine_->peer_new(c));
    dco::KeyConfig k;
    k.peer = kPeer;
    k.encrypt.cipher_key.assign(32, 1);  // engine -> peer
    k.decrypt.cipher_key.assign(32, 2);  // peer -> engine
    ASSERT_TRUE(engine_->key_new(std::move(k)));
  }

  bool v6() const { return GetParam(); }
  IpAddress local() const { return *IpAddress::parse(v6() ? "fd00::1" : "10.8.0.1"); }

  // Inner packets, each sealed into its own DATA_V2 datagram, sent in one UDP_SEGMENT send
  // when they all have the same size (the engine then receives them in one coalesced buffer).
  void send_sealed(const std::vector<std::vector<uint8_t>>& inner) {
    std::vector<uint8_t> message;
    size_t wire = 0;
    bool same = true;
    for (const auto& p : inner) {
      const size_t n = proto::kDataV2Overhead + p.size();
      same = same && (wire == 0 || wire == n);
      wire = n;
      const size_t at = message.size();
      message.resize(at + n);
      proto::write_data_v2_header(&message[at], KeyId{}, kPeer, next_id_++);
      std::copy(p.begin(), p.end(), message.begin() + static_cast<ptrdiff_t>(at + 24));
      ASSERT_TRUE(seal_.seal(std::span(&message[at], n)));
    }
    const int segment = static_cast<int>(wire);
    ASSERT_TRUE(same);
    ASSERT_EQ(::setsockopt(peer_socket_.get(), SOL_UDP, UDP_SEGMENT, &segment, sizeof segment), 0);
    sockaddr_storage to;
    const socklen_t len = engine_->local_endpoint().to_sockaddr(to);
    ASSERT_EQ(::sendto(peer_socket_.get(), message.data(), message.size(), 0,
                       reinterpret_cast<sockaddr*>(&to), len),
              static_cast<ssize_t>(message.size()));
  }

  OffloadStats settled_stats(const std::function<bool(const OffloadStats&)>& done) const {
    OffloadStats s = engine_->offload_stats();
    for (int i = 0; i < 100 && !done(s); ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
      s = engine_->offload_stats();
    }
    return s;
  }

  std::unique_ptr<EngineDco> engine_;
  io::Fd peer_socket_;
  Endpoint peer_;
  crypto::DataAead seal_ = aead(2), open_ = aead(1);
  uint32_t next_id_ = 1;
};

TEST_P(UdpOffloadThroughEngine, DatagramsOfOneFlowAreWrittenAsOneSuperPacket) {
  io::Fd receiver = udp_socket(v6() ? AF_INET6 : AF_INET);
  const Endpoint at = bind_any_port(receiver, local());
  // The kernel adds the local route of a new address a moment after the ack: one datagram until
  // it gets through (as a retransmission would).
  const auto probe = udp_packet(UdpSpec{.v6 = v6(), .payload = 5, .dport = at.port()});
  std::optional<std::vector<uint8_t>> got;
  for (int i = 0; i < 20 && !got; ++i) {
    send_sealed({probe});
    got = receive(receiver, 100);
  }
  ASSERT_TRUE(got) << "nothing came through the tunnel";
  while (receive(receiver, 50)) {
  }

  constexpr size_t kCount = 40;  // 64-byte payloads, ids counting up, as iperf3 sends them
  std::vector<std::vector<uint8_t>> run;
  for (size_t i = 0; i < kCount; ++i) {
    run.push_back(udp_packet(UdpSpec{.v6 = v6(),
                                     .payload = 64,
                                     .id = static_cast<uint16_t>(100 + i),
                                     .dport = at.port(),
                                     .fill = static_cast<uint8_t>(i)}));
  }
  const OffloadStats before = engine_->offload_stats();
  send_sealed(run);
  const size_t ip = v6() ? 40 : 20;
  for (size_t i = 0; i < kCount; ++i) {
    const auto d = receive(receiver);
    ASSERT_TRUE(d) << "datagram " << i;
    ASSERT_TRUE(std::equal(d->begin(), d->end(), run[i].begin() + static_cast<ptrdiff_t>(ip + 8),
                           run[i].end()))
        << "datagram " << i << " is not the one sent " << i << "th";
  }
  const OffloadStats after = settled_stats(
      [&](const OffloadStats& s) { return s.udp_gso_packets >= before.udp_gso_packets + kCount; });
  EXPECT_EQ(after.udp_gso_packets - before.udp_gso_packets, kCount)
      << "every datagram of the run in a super-packet";
  EXPECT_GE(after.udp_gso_writes - before.udp_gso_writes, 1u);
  EXPECT_LE(after.udp_gso_writes - before.udp_gso_writes, 2u);
  EXPECT_EQ(after.gso_refused, 0u) << "the kernel took every merge";

  const auto api = test::engine_info_via_api(*engine_);
  test::expect_same_figures(api);
  EXPECT_GE(api.reply.tun.udp_gso_packets, after.udp_gso_packets);
  const dco::EngineInfo& e = api.reply;
  EXPECT_EQ(e.ifname, engine_->ifname());
  EXPECT_EQ(e.local, engine_->local_endpoint());
  EXPECT_EQ(e.threads, 1u);
  EXPECT_TRUE(e.offloads.tun_vnet_hdr);
  EXPECT_TRUE(e.offloads.tun_tso);
  EXPECT_TRUE(e.offloads.tun_uso) << "the fixture skips without USO";
  EXPECT_FALSE(e.offloads.fanout) << "one shard: no fan-out";
  EXPECT_EQ(e.fanout, dco::FanoutCounters{});
}

TEST_P(UdpOffloadThroughEngine, UdpSegmentSendReachesThePeerAsValidDatagrams) {
  io::Fd app = udp_socket(v6() ? AF_INET6 : AF_INET);
  bind_any_port(app, local());
  constexpr int kSegment = 333;
  ASSERT_EQ(::setsockopt(app.get(), SOL_UDP, UDP_SEGMENT, &kSegment, sizeof kSegment), 0);
  std::vector<uint8_t> payload(1000);
  for (size_t i = 0; i < payload.size(); ++i) payload[i] = static_cast<uint8_t>(i * 5 + 1);
  const Endpoint to(*IpAddress::parse(v6() ? "fd00::2" : "10.8.0.2"), 7777);
  sockaddr_storage ss;
  const socklen_t len = to.to_sockaddr(ss);
  const OffloadStats before = engine_->offload_stats();
  ASSERT_EQ(
      ::sendto(app.get(), payload.data(), payload.size(), 0, reinterpret_cast<sockaddr*>(&ss), len),
      static_cast<ssize_t>(payload.size()))
      << std::strerror(errno);

  // The peer gets sealed datagrams; skip what else the interface sends (router solicitations).
  const size_t ip = v6() ? 40 : 20;
  std::vector<uint8_t> joined;
  size_t datagrams = 0;
  while (joined.size() < payload.size()) {
    auto wire = receive(peer_socket_);
    ASSERT_TRUE(wire) << "after " << datagrams << " datagrams";
    ASSERT_TRUE(open_.open(*wire));
    const auto inner = std::span(*wire).subspan(proto::kDataV2Overhead);
    if (inner.size() < ip + 8 || inner[v6() ? 6 : 9] != 17 || load_be16(&inner[ip + 2]) != 7777) {
      continue;
    }
    const size_t piece = std::min<size_t>(kSegment, payload.size() - joined.size());
    ASSERT_EQ(inner.size(), ip + 8 + piece) << "datagram " << datagrams;
    EXPECT_EQ(load_be16(&inner[ip + 4]), 8 + piece);
    EXPECT_EQ(load_be16(&inner[v6() ? 4 : 2]), v6() ? 8 + piece : inner.size());
    if (!v6()) {
      EXPECT_EQ(load_be16(&inner[10]), proto::ipv4_header_checksum(inner.first(20)));
    }
    EXPECT_TRUE(udp_checksum_ok(inner)) << "datagram " << datagrams;
    joined.insert(joined.end(), inner.begin() + static_cast<ptrdiff_t>(ip + 8), inner.end());
    ++datagrams;
  }
  EXPECT_EQ(datagrams, 4u);
  EXPECT_EQ(joined, payload);
  const OffloadStats after =
      settled_stats([&](const OffloadStats& s) { return s.uso_reads > before.uso_reads; });
  EXPECT_EQ(after.uso_reads - before.uso_reads, 1u) << "one super-packet from the kernel";
  EXPECT_EQ(after.uso_segments - before.uso_segments, 4u);

  const auto api = test::engine_info_via_api(*engine_);
  test::expect_same_figures(api);
  EXPECT_GE(api.reply.tun.uso_reads, 1u);
  EXPECT_GE(api.reply.tun.uso_segments, 4u);
}

INSTANTIATE_TEST_SUITE_P(Ipv4AndIpv6, UdpOffloadThroughEngine, ::testing::Bool(),
                         [](const auto& p) { return p.param ? "ipv6" : "ipv4"; });

}  // namespace
}  // namespace ovpn::engine
