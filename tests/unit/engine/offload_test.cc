// The engine's TUN offloads without a device: TSO super-packets cut into segments, pending
// checksums completed, and segments merged back into GSO super-packets, each checked against an
// independent checksum and against the bytes it started from.

#include <gtest/gtest.h>

#include <cstring>
#include <vector>

#include "common/byteorder.h"
#include "engine/tcp_coalesce.h"
#include "engine/tso_split.h"
#include "proto/inet_checksum.h"

namespace ovpn::engine {
namespace {

constexpr uint8_t kAck = 0x10, kPsh = 0x08, kCwr = 0x80, kSyn = 0x02;

// An IPv4 or IPv6 TCP packet with a 12-byte timestamp option and `payload` bytes of pattern.
std::vector<uint8_t> tcp_packet(bool v6, size_t payload, uint32_t seq, uint8_t flags,
                                uint16_t sport = 40000, uint8_t fill = 0) {
  const size_t ip = v6 ? 40 : 20, tcp = 32;
  std::vector<uint8_t> p(ip + tcp + payload);
  if (v6) {
    p[0] = 0x60;
    store_be16(&p[4], static_cast<uint16_t>(tcp + payload));
    p[6] = 6;
    p[7] = 64;
    p[8] = 0xfd;
    p[23] = 2;  // fd00::2
    p[24] = 0xfd;
    p[39] = 1;  // fd00::1
  } else {
    p[0] = 0x45;
    store_be16(&p[2], static_cast<uint16_t>(p.size()));
    store_be16(&p[4], 0x1234);
    p[6] = 0x40;  // DF
    p[8] = 64;
    p[9] = 6;
    const uint8_t src[] = {10, 8, 0, 2}, dst[] = {10, 8, 0, 1};
    std::memcpy(&p[12], src, 4);
    std::memcpy(&p[16], dst, 4);
    store_be16(&p[10], proto::ipv4_header_checksum(std::span(p.data(), 20)));
  }
  uint8_t* t = &p[ip];
  store_be16(t, sport);
  store_be16(t + 2, 5201);
  store_be32(t + 4, seq);
  store_be32(t + 8, 777);
  t[12] = (tcp / 4) << 4;
  t[13] = flags;
  store_be16(t + 14, 502);
  const uint8_t ts[] = {1, 1, 8, 10, 0, 0, 0, 9, 0, 0, 0, 7};
  std::memcpy(t + 20, ts, sizeof ts);
  for (size_t i = 0; i < payload; ++i) p[ip + tcp + i] = static_cast<uint8_t>(fill + i * 13);
  return p;
}

// True when the TCP checksum of `p` verifies (the whole sum, pseudo-header included, is ~0).
bool tcp_checksum_ok(std::span<const uint8_t> p) {
  const bool v6 = (p[0] >> 4) == 6;
  const size_t ip = v6 ? 40 : 20;
  uint64_t sum = v6 ? proto::checksum_add(p.subspan(8, 32)) : proto::checksum_add(p.subspan(12, 8));
  sum += 6;
  sum += p.size() - ip;
  return proto::checksum_finish(proto::checksum_add(p.subspan(ip), sum)) == 0;
}

TEST(InetChecksum, KnownIpv4Header) {
  // The classic example header: its checksum is b861.
  const uint8_t h[] = {0x45, 0x00, 0x00, 0x73, 0x00, 0x00, 0x40, 0x00, 0x40, 0x11,
                       0x00, 0x00, 0xc0, 0xa8, 0x00, 0x01, 0xc0, 0xa8, 0x00, 0xc7};
  EXPECT_EQ(proto::ipv4_header_checksum(h), 0xb861);
}

class TsoTest : public ::testing::TestWithParam<bool> {};

TEST_P(TsoTest, SplitsIntoValidSegmentsAndMergesBack) {
  const bool v6 = GetParam();
  const size_t ip = v6 ? 40 : 20;
  auto super = tcp_packet(v6, 5000, 1000, kAck | kPsh | kCwr);
  io::VnetHeader h;
  h.gso_type = v6 ? io::VIRTIO_NET_HDR_GSO_TCPV6 : io::VIRTIO_NET_HDR_GSO_TCPV4;
  h.gso_size = 1448;
  const auto plan = plan_tso(super, h);
  ASSERT_TRUE(plan);
  ASSERT_EQ(plan->segments, 4u);

  std::vector<std::vector<uint8_t>> storage(4, std::vector<uint8_t>(2000));
  std::vector<std::span<uint8_t>> segments;
  std::vector<uint8_t> payload;
  for (size_t i = 0; i < 4; ++i) {
    PacketBuf out(storage[i].data(), storage[i].size(), 0);
    ASSERT_TRUE(write_tso_segment(super, *plan, i, out));
    const auto s = out.span();
    const size_t len = i < 3 ? 1448 : 5000 - 3 * 1448;
    ASSERT_EQ(s.size(), ip + 32 + len);
    if (!v6) {
      EXPECT_EQ(load_be16(&s[2]), s.size());
      EXPECT_EQ(load_be16(&s[4]), 0x1234 + i);
      EXPECT_EQ(load_be16(&s[10]), proto::ipv4_header_checksum(s.first(20)));
    } else {
      EXPECT_EQ(load_be16(&s[4]), 32 + len);
    }
    EXPECT_TRUE(tcp_checksum_ok(s)) << "segment " << i;
    EXPECT_EQ(load_be32(&s[ip + 4]), 1000 + i * 1448);
    EXPECT_EQ((s[ip + 13] & kPsh) != 0, i == 3);
    EXPECT_EQ((s[ip + 13] & kCwr) != 0, i == 0);
    payload.insert(payload.end(), s.begin() + static_cast<ptrdiff_t>(ip + 32), s.end());
    segments.push_back(s);
  }
  EXPECT_TRUE(std::equal(payload.begin(), payload.end(), super.begin() + ip + 32));

  // Merging: the first segment carries CWR, so it stays alone; the other three merge.
  CoalescedWrite w;
  w.payloads.reserve(64);
  EXPECT_EQ(coalesce_tcp(segments, 0, 64, w), 1u);
  ASSERT_EQ(coalesce_tcp(segments, 1, 64, w), 3u);
  EXPECT_EQ(w.vnet.gso_size, 1448);
  EXPECT_EQ(w.vnet.hdr_len, ip + 32);
  EXPECT_EQ(w.vnet.csum_start, ip);
  // The merged packet, completed as the kernel would, is one valid TCP packet with the bytes.
  std::vector<uint8_t> merged(w.headers.begin(), w.headers.begin() + w.header_size);
  for (const auto& piece : w.payloads) merged.insert(merged.end(), piece.begin(), piece.end());
  ASSERT_EQ(merged.size(), ip + 32 + 5000 - 1448);
  ASSERT_TRUE(complete_checksum(merged, w.vnet));
  EXPECT_TRUE(tcp_checksum_ok(merged));
  EXPECT_EQ(load_be32(&merged[ip + 4]), 1000 + 1448);
  EXPECT_NE(merged[ip + 13] & kPsh, 0) << "the last segment's PSH";
  if (!v6) {
    EXPECT_EQ(load_be16(&merged[10]), proto::ipv4_header_checksum(std::span(merged).first(20)));
  }
  EXPECT_TRUE(std::equal(merged.begin() + static_cast<ptrdiff_t>(ip + 32), merged.end(),
                         super.begin() + static_cast<ptrdiff_t>(ip + 32 + 1448)));
}

INSTANTIATE_TEST_SUITE_P(Ipv4AndIpv6, TsoTest, ::testing::Bool());

TEST(TcpCoalesce, MergesOnlyWhatContinuesTheFlow) {
  auto a = tcp_packet(false, 1000, 1, kAck);
  auto b = tcp_packet(false, 1000, 1001, kAck);
  auto gap = tcp_packet(false, 1000, 3001, kAck);           // sequence gap
  auto other = tcp_packet(false, 1000, 2001, kAck, 40001);  // another flow
  auto syn = tcp_packet(false, 1000, 2001, kAck | kSyn);
  auto pure_ack = tcp_packet(false, 0, 2001, kAck);
  CoalescedWrite w;
  w.payloads.reserve(64);
  for (auto* third : {&gap, &other, &syn, &pure_ack}) {
    std::vector<std::span<uint8_t>> list = {a, b, *third};
    EXPECT_EQ(coalesce_tcp(list, 0, 64, w), 2u);
  }
  auto bigger = tcp_packet(false, 1200, 2001, kAck);  // larger than the first: not a segment
  std::vector<std::span<uint8_t>> list = {a, b, bigger};
  EXPECT_EQ(coalesce_tcp(list, 0, 64, w), 2u);
  auto shorter = tcp_packet(false, 500, 2001, kAck);  // shorter: the last of the run
  auto after = tcp_packet(false, 1000, 2501, kAck);
  list = {a, b, shorter, after};
  EXPECT_EQ(coalesce_tcp(list, 0, 64, w), 3u);
  list = {a, b, after};
  EXPECT_EQ(coalesce_tcp(list, 0, 2, w), 2u) << "the segment limit";
  auto lone = tcp_packet(false, 1000, 1, kAck | kPsh);
  list = {lone, b};
  EXPECT_EQ(coalesce_tcp(list, 0, 64, w), 1u) << "a PSH ends the run at once";
}

TEST(TsoSplit, RejectsWhatIsNotATcpSuperPacket) {
  auto p = tcp_packet(false, 3000, 1, kAck);
  io::VnetHeader h;
  h.gso_type = io::VIRTIO_NET_HDR_GSO_TCPV6;  // wrong version
  h.gso_size = 1000;
  EXPECT_FALSE(plan_tso(p, h));
  h.gso_type = io::VIRTIO_NET_HDR_GSO_TCPV4;
  h.gso_size = 0;
  EXPECT_FALSE(plan_tso(p, h));
  h.gso_size = 1000;
  for (size_t cut = 0; cut < 52; ++cut) EXPECT_FALSE(plan_tso(std::span(p).first(cut), h)) << cut;
  p[9] = 17;  // UDP
  EXPECT_FALSE(plan_tso(p, h));
  io::VnetHeader bad;
  bad.csum_start = 20;
  bad.csum_offset = 5000;
  EXPECT_FALSE(complete_checksum(p, bad));
}

}  // namespace
}  // namespace ovpn::engine
