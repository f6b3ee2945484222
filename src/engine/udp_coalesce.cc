#include "engine/udp_coalesce.h"

#include <algorithm>
#include <cstring>

#include "common/byteorder.h"
#include "engine/inner_ip.h"
#include "proto/inet_checksum.h"

namespace ovpn::engine {
namespace {

constexpr uint8_t kUdp = 17;
constexpr size_t kUdpHeader = 8;
constexpr size_t kMaxLength = 65535;
constexpr uint8_t kDf = 0x40;  // in byte 6 of the IPv4 header

// Where a datagram's parts are; ip == 0 when the packet is not a mergeable UDP datagram.
struct Datagram {
  size_t ip = 0;  // IP header length
  size_t payload = 0;
  bool v6 = false;
};

Datagram inspect(std::span<const uint8_t> p) {
  Datagram d;
  if (p.size() < 20 + kUdpHeader) return d;
  if ((p[0] >> 4) == 4) {
    if ((p[0] & 0x0f) != 5 || p[9] != kUdp || load_be16(&p[2]) != p.size()) return d;
    if ((load_be16(&p[6]) & 0x3fff) != 0) return d;  // a fragment
    d.ip = 20;
  } else if ((p[0] >> 4) == 6) {
    if (p.size() < 40 + kUdpHeader || p[6] != kUdp) return d;
    if (size_t{load_be16(&p[4])} + 40 != p.size()) return d;
    if (load_be16(&p[40 + 6]) == 0) return d;  // no checksum: invalid on IPv6
    d.ip = 40;
    d.v6 = true;
  } else {
    return d;
  }
  if (load_be16(&p[d.ip + 4]) != p.size() - d.ip) {  // the UDP length
    d.ip = 0;
    return d;
  }
  d.payload = p.size() - d.ip - kUdpHeader;
  return d;
}

// Whether `b` has the addresses, ports and IP fields of `a` (ids aside).
bool same_flow(std::span<const uint8_t> a, std::span<const uint8_t> b, bool v6) {
  if (v6) {
    // Version, class, flow label; next header, hop limit, addresses and ports (6..43).
    return std::memcmp(a.data(), b.data(), 4) == 0 && std::memcmp(&a[6], &b[6], 38) == 0;
  }
  // TOS; DF; TTL and protocol; addresses and ports (12..23).
  return a[1] == b[1] && a[6] == b[6] && std::memcmp(&a[8], &b[8], 2) == 0 &&
         std::memcmp(&a[12], &b[12], 12) == 0;
}

}  // namespace

size_t coalesce_udp(std::span<const std::span<uint8_t>> packets, size_t first, size_t max_segments,
                    CoalescedWrite& out) {
  const std::span<const uint8_t> head = packets[first];
  const Datagram dh = inspect(head);
  if (dh.ip == 0 || dh.payload == 0) return 1;
  const size_t limit = std::min(max_segments, kMaxUdpSegments);
  // Ids matter without DF only (IPv4; same_flow() keeps DF the same on the whole run).
  const bool check_ids = !dh.v6 && (head[6] & kDf) == 0;
  const uint16_t id = check_ids ? load_be16(&head[4]) : 0;
  size_t count = 1;
  size_t total = head.size();
  while (count < limit && first + count < packets.size()) {
    const std::span<const uint8_t> next = packets[first + count];
    const Datagram dn = inspect(next);
    if (dn.ip != dh.ip || dn.payload == 0 || dn.payload > dh.payload) break;
    if (!same_flow(head, next, dh.v6)) break;
    if (check_ids && load_be16(&next[4]) != static_cast<uint16_t>(id + count)) break;
    if (total + dn.payload > kMaxLength) break;
    total += dn.payload;
    ++count;
    if (dn.payload < dh.payload) break;  // a short datagram ends the run
  }
  if (count == 1) return 1;

  out.packets = count;
  out.header_size = dh.ip + kUdpHeader;
  std::memcpy(out.headers.data(), head.data(), out.header_size);
  uint8_t* ip = out.headers.data();
  uint8_t* udp = ip + dh.ip;
  const size_t udp_length = total - dh.ip;
  set_ip_lengths(ip, dh.ip, dh.v6, udp_length);
  store_be16(udp + 4, static_cast<uint16_t>(udp_length));
  // CHECKSUM_PARTIAL: the field holds the pseudo-header sum, not complemented.
  const uint64_t sum = proto::pseudo_header_sum(std::span(ip, dh.ip), kUdp, udp_length);
  store_be16(udp + 6, static_cast<uint16_t>(~proto::checksum_finish(sum)));

  out.payloads.clear();
  for (size_t i = 0; i < count; ++i) {
    out.payloads.push_back(packets[first + i].subspan(out.header_size));
  }
  out.vnet = io::VnetHeader{};
  out.vnet.flags = io::VIRTIO_NET_HDR_F_NEEDS_CSUM;
  out.vnet.gso_type = io::VIRTIO_NET_HDR_GSO_UDP_L4;
  out.vnet.hdr_len = static_cast<uint16_t>(out.header_size);
  out.vnet.gso_size = static_cast<uint16_t>(dh.payload);
  out.vnet.csum_start = static_cast<uint16_t>(dh.ip);
  out.vnet.csum_offset = 6;
  return count;
}

}  // namespace ovpn::engine
