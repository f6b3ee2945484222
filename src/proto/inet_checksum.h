#pragma once
// The Internet checksum (RFC 1071): a ones' complement sum of 16-bit big-endian words, used by
// IPv4 headers, TCP and UDP. The engine needs it where the kernel left checksums to it: TSO
// super-packets it cuts into segments, and packets read from TUN with the checksum pending
// (virtio NEEDS_CSUM).

#include <cstddef>
#include <cstdint>
#include <span>

namespace ovpn::proto {

// Adds `bytes` (taken as big-endian 16-bit words, an odd last byte padded with zero) to a
// running sum. Sums of separate ranges combine only when every range but the last has an even
// length.
uint64_t checksum_add(std::span<const uint8_t> bytes, uint64_t sum = 0) noexcept;

// Copies `src` to `dst` (room for src.size() bytes, not overlapping) and returns what
// checksum_add(src, sum) does, in one pass over the bytes: the segment splitters' copy of a
// payload and its sum.
uint64_t checksum_copy(uint8_t* dst, std::span<const uint8_t> src, uint64_t sum = 0) noexcept;

// Folds a running sum to 16 bits and complements it: the value stored in a checksum field.
uint16_t checksum_finish(uint64_t sum) noexcept;

// The running sum of the TCP/UDP pseudo-header of the IPv4 or IPv6 packet starting at `ip`
// (source, destination, protocol, and `length`: the transport header plus payload).
uint64_t pseudo_header_sum(std::span<const uint8_t> ip, uint8_t protocol, size_t length) noexcept;

// The IPv4 header checksum of `header` (its checksum field taken as zero).
uint16_t ipv4_header_checksum(std::span<const uint8_t> header) noexcept;

}  // namespace ovpn::proto
