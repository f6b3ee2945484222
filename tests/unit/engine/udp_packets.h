#pragma once
// IPv4 / IPv6 UDP datagrams built by hand for the UDP offload tests, and an independent check
// of their checksums.

#include <cstdint>
#include <cstring>
#include <span>
#include <vector>

#include "common/byteorder.h"
#include "proto/inet_checksum.h"

namespace ovpn::engine::test {

struct UdpSpec {
  bool v6 = false;
  size_t payload = 100;
  uint16_t id = 0x1000;  // IPv4
  bool df = true;        // IPv4
  uint16_t sport = 40000;
  uint16_t dport = 5201;
  uint8_t ttl = 64;
  uint8_t tos = 0;
  uint8_t fill = 0;  // payload byte i is fill + 7 i
};

// A datagram fd00::2 -> fd00::1 or 10.8.0.2 -> 10.8.0.1 with correct lengths and checksums.
inline std::vector<uint8_t> udp_packet(const UdpSpec& s) {
  const size_t ip = s.v6 ? 40 : 20;
  std::vector<uint8_t> p(ip + 8 + s.payload);
  if (s.v6) {
    p[0] = static_cast<uint8_t>(0x60 | (s.tos >> 4));
    p[1] = static_cast<uint8_t>(s.tos << 4);
    store_be16(&p[4], static_cast<uint16_t>(8 + s.payload));
    p[6] = 17;
    p[7] = s.ttl;
    p[8] = 0xfd;
    p[23] = 2;
    p[24] = 0xfd;
    p[39] = 1;
  } else {
    p[0] = 0x45;
    p[1] = s.tos;
    store_be16(&p[2], static_cast<uint16_t>(p.size()));
    store_be16(&p[4], s.id);
    p[6] = s.df ? 0x40 : 0;
    p[8] = s.ttl;
    p[9] = 17;
    const uint8_t src[] = {10, 8, 0, 2}, dst[] = {10, 8, 0, 1};
    std::memcpy(&p[12], src, 4);
    std::memcpy(&p[16], dst, 4);
    store_be16(&p[10], proto::ipv4_header_checksum(std::span(p.data(), 20)));
  }
  uint8_t* u = &p[ip];
  store_be16(u, s.sport);
  store_be16(u + 2, s.dport);
  store_be16(u + 4, static_cast<uint16_t>(8 + s.payload));
  for (size_t i = 0; i < s.payload; ++i) p[ip + 8 + i] = static_cast<uint8_t>(s.fill + i * 7);
  const uint16_t check = proto::checksum_finish(
      proto::checksum_add(std::span(p).subspan(ip),
                          proto::pseudo_header_sum(std::span(p).first(ip), 17, 8 + s.payload)));
  store_be16(u + 6, check == 0 ? 0xffff : check);
  return p;
}

// True when the UDP checksum of `p` (IPv4 without options or IPv6) verifies: the sum over the
// pseudo-header, the header and the payload is all ones. Written without the engine's
// pseudo_header_sum, so that it checks it.
inline bool udp_checksum_ok(std::span<const uint8_t> p) {
  const bool v6 = (p[0] >> 4) == 6;
  const size_t ip = v6 ? 40 : 20;
  if (load_be16(&p[ip + 6]) == 0) return false;
  uint64_t sum = v6 ? proto::checksum_add(p.subspan(8, 32)) : proto::checksum_add(p.subspan(12, 8));
  sum += 17;
  sum += p.size() - ip;
  return proto::checksum_finish(proto::checksum_add(p.subspan(ip), sum)) == 0;
}

}  // namespace ovpn::engine::test
