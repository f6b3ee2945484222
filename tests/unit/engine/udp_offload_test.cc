// UDP segmentation offload without a device: UDP super-packets cut into datagrams (lengths, ids
// and checksums checked by recomputation), and decrypted datagrams merged into super-packets
// only when the kernel would cut them back into the same datagrams.

#include <gtest/gtest.h>

#include <vector>

#include "engine/tso_split.h"
#include "engine/udp_coalesce.h"
#include "engine/uso_split.h"
#include "udp_packets.h"

namespace ovpn::engine {
namespace {

using test::udp_checksum_ok;
using test::udp_packet;
using test::UdpSpec;

using Packets = std::vector<std::vector<uint8_t>>;

std::vector<std::span<uint8_t>> spans_of(Packets& packets) {
  return std::vector<std::span<uint8_t>>(packets.begin(), packets.end());
}

// `count` datagrams of one flow with consecutive ids, of `size` bytes but the last (`last`).
Packets run_of(bool v6, size_t count, size_t size, size_t last) {
  Packets out;
  for (size_t i = 0; i < count; ++i) {
    UdpSpec s{.v6 = v6, .payload = i + 1 == count ? last : size};
    s.id = static_cast<uint16_t>(0xfffe + i);  // wraps
    s.fill = static_cast<uint8_t>(i * 31);
    out.push_back(udp_packet(s));
  }
  return out;
}

// The super-packet a write of `w` gives the kernel, its checksum completed as the kernel would.
std::vector<uint8_t> merged_packet(const CoalescedWrite& w) {
  std::vector<uint8_t> p(w.headers.begin(), w.headers.begin() + w.header_size);
  for (const auto& piece : w.payloads) p.insert(p.end(), piece.begin(), piece.end());
  EXPECT_TRUE(complete_checksum(p, w.vnet));
  return p;
}

io::VnetHeader uso_header(bool v6, uint16_t gso_size) {
  io::VnetHeader h;
  h.flags = io::VIRTIO_NET_HDR_F_NEEDS_CSUM;
  h.gso_type = io::VIRTIO_NET_HDR_GSO_UDP_L4;
  h.gso_size = gso_size;
  h.csum_start = v6 ? 40 : 20;
  h.csum_offset = 6;
  return h;
}

class UsoTest : public ::testing::TestWithParam<bool> {};

// Merge a run, then cut the super-packet as the kernel hands it over: the datagrams come back
// byte for byte, and the super-packet itself is one valid UDP packet.
TEST_P(UsoTest, MergesARunAndCutsItBackByteForByte) {
  const bool v6 = GetParam();
  const size_t ip = v6 ? 40 : 20;
  Packets run = run_of(v6, 5, 333, 17);  // odd sizes, a short last one
  auto spans = spans_of(run);
  CoalescedWrite w;
  w.payloads.reserve(kMaxUdpSegments);
  ASSERT_EQ(coalesce_udp(spans, 0, 128, w), 5u);
  EXPECT_EQ(w.packets, 5u);
  EXPECT_EQ(w.vnet.gso_type, io::VIRTIO_NET_HDR_GSO_UDP_L4);
  EXPECT_TRUE(w.vnet.needs_csum());
  EXPECT_EQ(w.vnet.gso_size, 333);
  EXPECT_EQ(w.vnet.hdr_len, ip + 8);
  EXPECT_EQ(w.vnet.csum_start, ip);
  EXPECT_EQ(w.vnet.csum_offset, 6);
  ASSERT_EQ(w.payloads.size(), 5u);

  const auto super = merged_packet(w);
  const size_t total = ip + 8 + 4 * 333 + 17;
  ASSERT_EQ(super.size(), total);
  EXPECT_EQ(load_be16(&super[ip + 4]), total - ip) << "UDP length: the whole payload";
  if (v6) {
    EXPECT_EQ(load_be16(&super[4]), total - 40);
  } else {
    EXPECT_EQ(load_be16(&super[2]), total);
    EXPECT_EQ(load_be16(&super[4]), 0xfffe) << "the first datagram's id";
    EXPECT_EQ(load_be16(&super[10]), proto::ipv4_header_checksum(std::span(super).first(20)));
  }
  EXPECT_TRUE(udp_checksum_ok(super));

  const auto plan = plan_uso(super, uso_header(v6, w.vnet.gso_size));
  ASSERT_TRUE(plan);
  ASSERT_EQ(plan->segments, 5u);
  std::vector<uint8_t> storage(2048);
  for (size_t i = 0; i < 5; ++i) {
    PacketBuf out(storage.data(), storage.size(), 0);
    ASSERT_TRUE(write_uso_segment(super, *plan, i, out));
    EXPECT_TRUE(std::equal(run[i].begin(), run[i].end(), out.span().begin(), out.span().end()))
        << "datagram " << i;
  }
}

TEST_P(UsoTest, CutsASuperPacketIntoValidDatagrams) {
  const bool v6 = GetParam();
  const size_t ip = v6 ? 40 : 20;
  // What the kernel hands over for a UDP_SEGMENT send of 1000 bytes in 333-byte pieces: the
  // lengths cover the whole packet, the checksum field holds the pseudo-header sum.
  auto super = udp_packet(UdpSpec{.v6 = v6, .payload = 1000, .id = 0x2000});
  const auto plan = plan_uso(super, uso_header(v6, 333));
  ASSERT_TRUE(plan);
  EXPECT_EQ(plan->ipv6, v6);
  EXPECT_EQ(plan->ip_header, ip);
  EXPECT_EQ(plan->payload, 1000u);
  ASSERT_EQ(plan->segments, 4u);
  std::vector<uint8_t> storage(2048);
  std::vector<uint8_t> payload;
  for (size_t i = 0; i < 4; ++i) {
    PacketBuf out(storage.data(), storage.size(), 0);
    ASSERT_TRUE(write_uso_segment(super, *plan, i, out));
    const auto s = out.span();
    const size_t len = i < 3 ? 333 : 1;
    ASSERT_EQ(s.size(), ip + 8 + len);
    EXPECT_EQ(load_be16(&s[ip + 4]), 8 + len);
    if (v6) {
      EXPECT_EQ(load_be16(&s[4]), 8 + len);
    } else {
      EXPECT_EQ(load_be16(&s[2]), s.size());
      EXPECT_EQ(load_be16(&s[4]), 0x2000 + i);
      EXPECT_EQ(load_be16(&s[10]), proto::ipv4_header_checksum(s.first(20)));
    }
    EXPECT_TRUE(udp_checksum_ok(s)) << "datagram " << i;
    EXPECT_TRUE(std::equal(s.begin() + static_cast<ptrdiff_t>(ip),
                           s.begin() + static_cast<ptrdiff_t>(ip + 4),
                           super.begin() + static_cast<ptrdiff_t>(ip)))
        << "ports";
    payload.insert(payload.end(), s.begin() + static_cast<ptrdiff_t>(ip + 8), s.end());
  }
  EXPECT_TRUE(std::equal(payload.begin(), payload.end(), super.begin() + ip + 8, super.end()));

  // One piece that fits gso_size is one datagram.
  const auto one = plan_uso(super, uso_header(v6, 1000));
  ASSERT_TRUE(one);
  EXPECT_EQ(one->segments, 1u);
  // A datagram whose checksum sums to zero carries 0xffff.
  auto zero = udp_packet(UdpSpec{.v6 = v6, .payload = 10});
  store_be16(&zero[ip + 6], 0);
  store_be16(&zero[zero.size() - 2], 0);
  const uint16_t c = proto::checksum_finish(proto::checksum_add(
      std::span(zero).subspan(ip),
      proto::pseudo_header_sum(std::span(zero).first(ip), 17, zero.size() - ip)));
  store_be16(&zero[zero.size() - 2], c);  // now the whole sum is all ones
  const auto zplan = plan_uso(zero, uso_header(v6, 100));
  ASSERT_TRUE(zplan);
  PacketBuf out(storage.data(), storage.size(), 0);
  ASSERT_TRUE(write_uso_segment(zero, *zplan, 0, out));
  EXPECT_EQ(load_be16(&out.span()[ip + 6]), 0xffff);
  EXPECT_TRUE(udp_checksum_ok(out.span()));
  // No room: refused, nothing written past the buffer.
  std::vector<uint8_t> small(ip + 8 + 100);
  PacketBuf tight(small.data(), small.size(), 0);
  EXPECT_FALSE(write_uso_segment(super, *plan, 0, tight));
}

INSTANTIATE_TEST_SUITE_P(Ipv4AndIpv6, UsoTest, ::testing::Bool());

TEST(UdpCoalesce, RunsEndWhereTheKernelWouldNotCutTheSameDatagrams) {
  CoalescedWrite w;
  w.payloads.reserve(kMaxUdpSegments);
  const UdpSpec base{.payload = 100, .id = 10};
  auto with = [&](auto change) {
    UdpSpec s = base;
    s.id = 11;
    change(s);
    return udp_packet(s);
  };
  const auto head = udp_packet(base);
  struct Case {
    const char* what;
    std::vector<uint8_t> second;
  };
  const Case refused[] = {
      {"another source port", with([](UdpSpec& s) { s.sport = 1; })},
      {"another destination port", with([](UdpSpec& s) { s.dport = 1; })},
      {"another TTL", with([](UdpSpec& s) { s.ttl = 63; })},
      {"another TOS", with([](UdpSpec& s) { s.tos = 4; })},
      {"DF differs", with([](UdpSpec& s) { s.df = false; })},
      {"larger than the first", with([](UdpSpec& s) { s.payload = 101; })},
      {"empty", with([](UdpSpec& s) { s.payload = 0; })},
      {"IPv6", with([](UdpSpec& s) { s.v6 = true; })},
  };
  for (const auto& c : refused) {
    Packets list = {head, c.second};
    auto spans = spans_of(list);
    EXPECT_EQ(coalesce_udp(spans, 0, 64, w), 1u) << c.what;
  }

  auto other_address = with([](UdpSpec&) {});
  other_address[19] = 9;  // another destination (checksums stale: not looked at)
  auto fragment = with([](UdpSpec&) {});
  fragment[6] |= 0x20;  // more fragments
  auto options = with([](UdpSpec&) {});
  options[0] = 0x46;
  auto udp_length = with([](UdpSpec&) {});
  store_be16(&udp_length[24], 100);
  auto ip_length = with([](UdpSpec&) {});
  store_be16(&ip_length[2], 127);
  auto tcp = with([](UdpSpec&) {});
  tcp[9] = 6;
  for (auto* bad : {&other_address, &fragment, &options, &udp_length, &ip_length, &tcp}) {
    Packets list = {head, *bad};
    auto spans = spans_of(list);
    EXPECT_EQ(coalesce_udp(spans, 0, 64, w), 1u);
    list = {*bad, head};
    spans = spans_of(list);
    EXPECT_EQ(coalesce_udp(spans, 0, 64, w), 1u) << "as the first";
  }
}

TEST(UdpCoalesce, IdsCountUpWithoutDfAndAreFreeWithIt) {
  CoalescedWrite w;
  w.payloads.reserve(kMaxUdpSegments);
  auto run = [&](std::initializer_list<uint16_t> ids, bool df) {
    Packets list;
    for (uint16_t id : ids) list.push_back(udp_packet(UdpSpec{.id = id, .df = df}));
    auto spans = spans_of(list);
    return coalesce_udp(spans, 0, 64, w);
  };
  EXPECT_EQ(run({7, 8, 9, 10}, false), 4u);
  EXPECT_EQ(run({0xffff, 0, 1}, false), 3u) << "wraps";
  EXPECT_EQ(run({7, 8, 10}, false), 2u) << "a gap (a datagram lost upstream)";
  EXPECT_EQ(run({0, 0, 0}, false), 1u) << "fixed without DF";
  EXPECT_EQ(run({0, 0, 0}, true), 3u) << "fixed, DF";
  EXPECT_EQ(run({7, 8, 10, 3}, true), 4u) << "gaps, DF";
}

TEST(UdpCoalesce, ShortLastAndLimits) {
  CoalescedWrite w;
  w.payloads.reserve(kMaxUdpSegments);
  Packets list = run_of(false, 4, 100, 40);
  auto spans = spans_of(list);
  EXPECT_EQ(coalesce_udp(spans, 0, 64, w), 4u);
  EXPECT_EQ(w.payloads.back().size(), 40u);
  // A short one ends the run; the next starts a new one.
  list = run_of(false, 3, 100, 40);
  list.push_back(udp_packet(UdpSpec{.payload = 100, .id = 1}));
  spans = spans_of(list);
  EXPECT_EQ(coalesce_udp(spans, 0, 64, w), 3u);
  EXPECT_EQ(coalesce_udp(spans, 3, 64, w), 1u) << "alone at the end";
  // The caller's limit, and the kernel's segment limit.
  list = run_of(false, 100, 64, 64);
  spans = spans_of(list);
  EXPECT_EQ(coalesce_udp(spans, 0, 10, w), 10u);
  EXPECT_EQ(coalesce_udp(spans, 0, 1000, w), kMaxUdpSegments);
  EXPECT_EQ(coalesce_udp(spans, 90, 1000, w), 10u) << "to the end of the list";
  // 64 KiB in all: 1400-byte payloads, 46 fit in 65535 bytes with the headers.
  list = run_of(true, 60, 1400, 1400);
  spans = spans_of(list);
  EXPECT_EQ(coalesce_udp(spans, 0, 64, w), 46u);
  size_t total = w.header_size;
  for (const auto& piece : w.payloads) total += piece.size();
  EXPECT_LE(total, 65535u);
}

TEST(UdpCoalesce, Ipv6WithoutChecksumIsNotMerged) {
  CoalescedWrite w;
  w.payloads.reserve(kMaxUdpSegments);
  Packets list = run_of(true, 3, 100, 100);
  store_be16(&list[1][46], 0);
  auto spans = spans_of(list);
  EXPECT_EQ(coalesce_udp(spans, 0, 64, w), 1u);
  EXPECT_EQ(coalesce_udp(spans, 1, 64, w), 1u);
  // Another flow label is another flow.
  list = run_of(true, 2, 100, 100);
  list[1][3] = 1;
  spans = spans_of(list);
  EXPECT_EQ(coalesce_udp(spans, 0, 64, w), 1u);
}

TEST(UsoSplit, RejectsWhatIsNotAUdpSuperPacket) {
  auto p = udp_packet(UdpSpec{.payload = 300});
  EXPECT_TRUE(plan_uso(p, uso_header(false, 100)));
  io::VnetHeader tcp = uso_header(false, 100);
  tcp.gso_type = io::VIRTIO_NET_HDR_GSO_TCPV4;
  EXPECT_FALSE(plan_uso(p, tcp));
  EXPECT_FALSE(plan_uso(p, uso_header(false, 0)));
  for (size_t cut = 0; cut <= 28; ++cut) {
    EXPECT_FALSE(plan_uso(std::span(p).first(cut), uso_header(false, 100))) << cut;
  }
  auto fragment = p;
  fragment[7] = 1;  // offset 8
  EXPECT_FALSE(plan_uso(fragment, uso_header(false, 100)));
  auto not_udp = p;
  not_udp[9] = 6;
  EXPECT_FALSE(plan_uso(not_udp, uso_header(false, 100)));
  auto short_ihl = p;
  short_ihl[0] = 0x44;
  EXPECT_FALSE(plan_uso(short_ihl, uso_header(false, 100)));
  auto v6 = udp_packet(UdpSpec{.v6 = true, .payload = 300});
  EXPECT_TRUE(plan_uso(v6, uso_header(true, 100)));
  v6[6] = 0;  // a hop-by-hop extension header
  EXPECT_FALSE(plan_uso(v6, uso_header(true, 100)));
  // The TCP splitter leaves UDP super-packets alone.
  EXPECT_FALSE(plan_tso(p, uso_header(false, 100)));
}

}  // namespace
}  // namespace ovpn::engine
