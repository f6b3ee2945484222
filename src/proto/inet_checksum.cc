#include "proto/inet_checksum.h"

#include <cstring>

namespace ovpn::proto {

uint64_t checksum_add(std::span<const uint8_t> bytes, uint64_t sum) noexcept {
  // Sum 32-bit big-endian words into 64 bits: no carry can be lost for any packet size here,
  // and the fold at the end gives the same result as 16-bit ones' complement addition.
  const uint8_t* p = bytes.data();
  size_t n = bytes.size();
  while (n >= 4) {
    sum += (uint64_t{p[0]} << 24) | (uint64_t{p[1]} << 16) | (uint64_t{p[2]} << 8) | p[3];
    p += 4;
    n -= 4;
  }
  if (n >= 2) {
    sum += (uint64_t{p[0]} << 8) | p[1];
    p += 2;
    n -= 2;
  }
  if (n == 1) sum += uint64_t{p[0]} << 8;
  return sum;
}

uint16_t checksum_finish(uint64_t sum) noexcept {
  while ((sum >> 16) != 0) sum = (sum & 0xffff) + (sum >> 16);
  return static_cast<uint16_t>(~sum);
}

uint64_t pseudo_header_sum(std::span<const uint8_t> ip, uint8_t protocol, size_t length) noexcept {
  const bool v6 = (ip[0] >> 4) == 6;
  uint64_t sum = v6 ? checksum_add(ip.subspan(8, 32)) : checksum_add(ip.subspan(12, 8));
  return sum + protocol + length;
}

uint16_t ipv4_header_checksum(std::span<const uint8_t> header) noexcept {
  uint64_t sum = checksum_add(header.first(10));
  sum = checksum_add(header.subspan(12), sum);
  return checksum_finish(sum);
}

}  // namespace ovpn::proto
