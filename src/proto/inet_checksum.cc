#include "proto/inet_checksum.h"

#include <bit>
#include <cstring>

namespace ovpn::proto {

namespace {

// The ones' complement sum does not depend on byte order (RFC 1071, 2.B): add the bytes as
// native 64-bit words into 128-bit accumulators (an add and an add-with-carry per word; no carry
// is lost below 2^64 words), fold with the end-around carry (2^64 = 1 modulo 2^16 - 1), and swap
// to big-endian once. With kCopy, the bytes read are also written to `dst` in the same pass.
// This runs over every byte of every TSO / USO segment the engine cuts.
template <bool kCopy>
uint64_t sum_bytes(const uint8_t* p, size_t n, [[maybe_unused]] uint8_t* dst) noexcept {
  unsigned __int128 acc0 = 0;
  unsigned __int128 acc1 = 0;
  auto take = [&](size_t bytes) {
    uint64_t word = 0;
    std::memcpy(&word, p, bytes);
    if constexpr (kCopy) {
      std::memcpy(dst, p, bytes);
      dst += bytes;
    }
    p += bytes;
    return word;
  };
  for (; n >= 16; n -= 16) {
    acc0 += take(8);
    acc1 += take(8);
  }
  if (n >= 8) {
    acc0 += take(8);
    n -= 8;
  }
  if (n >= 4) {
    acc1 += take(4);
    n -= 4;
  }
  if (n >= 2) {
    acc0 += take(2);
    n -= 2;
  }
  // An odd last byte is the high half of a zero-padded big-endian word.
  if (n == 1) {
    const uint64_t last = take(1);
    acc1 += std::endian::native == std::endian::little ? last : last << 8;
  }
  const unsigned __int128 acc = acc0 + acc1;  // each is below 2^64 times the words: no overflow
  uint64_t native = static_cast<uint64_t>(acc);
  const uint64_t high = static_cast<uint64_t>(acc >> 64);
  native += high;
  if (native < high) ++native;  // end-around carry
  native = (native & 0xffffffffu) + (native >> 32);
  while ((native >> 16) != 0) native = (native & 0xffff) + (native >> 16);
  if constexpr (std::endian::native == std::endian::little) {
    native = ((native & 0xff) << 8) | (native >> 8);
  }
  return native;
}

}  // namespace

uint64_t checksum_add(std::span<const uint8_t> bytes, uint64_t sum) noexcept {
  return sum + sum_bytes<false>(bytes.data(), bytes.size(), nullptr);
}

uint64_t checksum_copy(uint8_t* dst, std::span<const uint8_t> src, uint64_t sum) noexcept {
  return sum + sum_bytes<true>(src.data(), src.size(), dst);
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
