#include "engine/tcp_coalesce.h"

#include <cstring>

#include "common/byteorder.h"
#include "engine/inner_ip.h"
#include "proto/inet_checksum.h"

namespace ovpn::engine {
namespace {

constexpr uint8_t kTcp = 6;
// Flags that end or forbid a merge: FIN, SYN, RST, URG, ECE, CWR. PSH may be on the last.
constexpr uint8_t kNoMerge = 0x01 | 0x02 | 0x04 | 0x20 | 0x40 | 0x80;
constexpr uint8_t kPsh = 0x08;
constexpr size_t kMaxLength = 65535;

// Where a TCP segment's parts are; ip == 0 when the packet is not a mergeable TCP segment.
struct Segment {
  size_t ip = 0;   // IP header length
  size_t tcp = 0;  // TCP header length
  size_t payload = 0;
  bool v6 = false;
};

Segment inspect(std::span<const uint8_t> p) {
  Segment s;
  if (p.size() < 40) return s;
  if ((p[0] >> 4) == 4) {
    const size_t ihl = size_t{p[0] & 0x0fu} * 4;
    if (ihl != 20 || p[9] != kTcp || load_be16(&p[2]) != p.size()) return s;
    if ((load_be16(&p[6]) & 0x3fff) != 0) return s;  // a fragment
    s.ip = 20;
  } else if ((p[0] >> 4) == 6) {
    if (p.size() < 60 || p[6] != kTcp || size_t{load_be16(&p[4])} + 40 != p.size()) return s;
    s.ip = 40;
    s.v6 = true;
  } else {
    return s;
  }
  s.tcp = static_cast<size_t>(p[s.ip + 12] >> 4) * 4;
  if (s.tcp < 20 || s.ip + s.tcp > p.size()) {
    s.ip = 0;
    return s;
  }
  s.payload = p.size() - s.ip - s.tcp;
  return s;
}

// Whether `b` continues `a` (same flow and fields, contiguous sequence numbers).
bool continues(std::span<const uint8_t> a, const Segment& sa, std::span<const uint8_t> b,
               const Segment& sb) {
  if (sb.ip != sa.ip || sb.tcp != sa.tcp || sb.v6 != sa.v6) return false;
  if (sa.v6) {
    // Version, class, flow label; next header and hop limit; addresses.
    if (std::memcmp(a.data(), b.data(), 4) != 0 || std::memcmp(&a[6], &b[6], 34) != 0) return false;
  } else {
    // TOS; DF; TTL and protocol; addresses (the id and checksum may differ).
    if (a[1] != b[1] || a[6] != b[6] || std::memcmp(&a[8], &b[8], 2) != 0 ||
        std::memcmp(&a[12], &b[12], 8) != 0) {
      return false;
    }
  }
  const uint8_t* ta = a.data() + sa.ip;
  const uint8_t* tb = b.data() + sb.ip;
  // Ports; ACK number; data offset, flags other than PSH, window; options.
  if (std::memcmp(ta, tb, 4) != 0 || std::memcmp(ta + 8, tb + 8, 5) != 0) return false;
  if ((ta[13] & ~kPsh) != (tb[13] & ~kPsh) || std::memcmp(ta + 14, tb + 14, 2) != 0) return false;
  if (std::memcmp(ta + 20, tb + 20, sa.tcp - 20) != 0) return false;
  return load_be32(tb + 4) == static_cast<uint32_t>(load_be32(ta + 4) + sa.payload);
}

}  // namespace

size_t coalesce_tcp(std::span<const std::span<uint8_t>> packets, size_t first, size_t max_segments,
                    CoalescedWrite& out) {
  const std::span<const uint8_t> head = packets[first];
  const Segment sh = inspect(head);
  if (sh.ip == 0 || sh.payload == 0 || (head[sh.ip + 13] & (kNoMerge | kPsh)) != 0) return 1;
  size_t count = 1;
  size_t total = head.size();
  uint8_t flags = head[sh.ip + 13];
  std::span<const uint8_t> prev = head;
  Segment sp = sh;
  while (count < max_segments && first + count < packets.size()) {
    const std::span<const uint8_t> next = packets[first + count];
    const Segment sn = inspect(next);
    if (sn.ip == 0 || sn.payload == 0 || sn.payload > sh.payload) break;
    if ((next[sn.ip + 13] & kNoMerge) != 0 || !continues(prev, sp, next, sn)) break;
    if (total + sn.payload > kMaxLength) break;
    total += sn.payload;
    flags |= next[sn.ip + 13];
    ++count;
    prev = next;
    sp = sn;
    // A short segment or a PSH ends the run.
    if (sn.payload < sh.payload || (next[sn.ip + 13] & kPsh) != 0) break;
  }
  if (count == 1) return 1;

  out.packets = count;
  out.header_size = sh.ip + sh.tcp;
  std::memcpy(out.headers.data(), head.data(), out.header_size);
  uint8_t* ip = out.headers.data();
  uint8_t* tcp = ip + sh.ip;
  const size_t tcp_length = total - sh.ip;
  set_ip_lengths(ip, sh.ip, sh.v6, tcp_length);
  tcp[13] = flags;
  // CHECKSUM_PARTIAL: the field holds the pseudo-header sum, not complemented.
  const uint64_t sum = proto::pseudo_header_sum(std::span(ip, sh.ip), kTcp, tcp_length);
  store_be16(tcp + 16, static_cast<uint16_t>(~proto::checksum_finish(sum)));

  out.payloads.clear();
  for (size_t i = 0; i < count; ++i) {
    const std::span<const uint8_t> p = packets[first + i];
    out.payloads.push_back(p.subspan(sh.ip + sh.tcp));
  }
  out.vnet = io::VnetHeader{};
  out.vnet.flags = io::VIRTIO_NET_HDR_F_NEEDS_CSUM;
  out.vnet.gso_type = sh.v6 ? io::VIRTIO_NET_HDR_GSO_TCPV6 : io::VIRTIO_NET_HDR_GSO_TCPV4;
  out.vnet.hdr_len = static_cast<uint16_t>(out.header_size);
  out.vnet.gso_size = static_cast<uint16_t>(sh.payload);
  out.vnet.csum_start = static_cast<uint16_t>(sh.ip);
  out.vnet.csum_offset = 16;
  return count;
}

}  // namespace ovpn::engine
