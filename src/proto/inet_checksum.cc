#include "proto/inet_checksum.h"

#include <bit>
#include <cstring>

namespace ovpn::proto {

uint64_t checksum_add(std::span<const uint8_t> bytes, uint64_t sum) noexcept {
  // The ones' complement sum does not depend on byte order (RFC 1071, 2.B): add the bytes as
  // native 32-bit words, eight bytes a step into two 64-bit accumulators (no carry is lost
  // below 16 GiB), then fold to 16 bits and swap to big-endian once. This runs over every byte
  // of every TSO / USO segment the engine cuts.
  const uint8_t* p = bytes.data();
  size_t n = bytes.size();
  uint64_t low = 0;
  uint64_t high = 0;
  for (; n >= 8; p += 8, n -= 8) {
    uint64_t word;
    std::memcpy(&word, p, 8);
    low += word & 0xffffffffu;
    high += word >> 32;
  }
  uint64_t native = low + high;
  if (n >= 4) {
    uint32_t word;
    std::memcpy(&word, p, 4);
    native += word;
    p += 4;
    n -= 4;
  }
  if (n >= 2) {
    uint16_t word;
    std::memcpy(&word, p, 2);
    native += word;
    p += 2;
    n -= 2;
  }
  // An odd last byte is the high half of a zero-padded big-endian word.
  if (n == 1) native += std::endian::native == std::endian::little ? p[0] : uint64_t{p[0]} << 8;
  while ((native >> 16) != 0) native = (native & 0xffff) + (native >> 16);
  if constexpr (std::endian::native == std::endian::little) {
    native = ((native & 0xff) << 8) | (native >> 8);
  }
  return sum + native;
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
