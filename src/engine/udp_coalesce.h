#pragma once
// UDP segmentation offload on the TUN write: consecutive decrypted datagrams of one flow become
// one UDP super-packet (GSO_UDP_L4), which the kernel cuts back into the same datagrams (for a
// local socket, in udp_rcv_segment) after one write and one trip through the IP layer instead
// of one each. A run is what the kernel's own UDP GRO would merge, but for the ids under DF:
//   * IPv4 without options or IPv6 without extension headers, not a fragment, lengths exact;
//   * the same addresses, ports, TOS / traffic class and flow label, TTL / hop limit, DF;
//   * without DF, IPv4 ids counting up by one, as the kernel's segmentation writes them; with
//     DF any ids (an atomic datagram's id means nothing, RFC 6864): the datagrams come out
//     numbered id, id+1, ... from the first one's, whatever was lost between them upstream;
//   * every payload of the first one's size (gso_size, at least 1 byte) but a shorter,
//     non-empty last one, which ends the run;
//   * at most kMaxUdpSegments datagrams and 65535 bytes in all.
// A zero UDP checksum on IPv6 (which the receiver drops) never merges. As for TCP, the merged
// checksum is left to the kernel (NEEDS_CSUM with the pseudo-header sum over the whole length).
//
//   in:   [IP][UDP len=8+g][ g ]  [IP][UDP][ g ]  [IP][UDP][ r <= g ]
//   out:  vnet{GSO_UDP_L4, gso_size g, csum 6 after the UDP start}
//         [IP total][UDP len=8+g+g+r, pseudo sum][ g ][ g ][ r ]

#include <cstddef>
#include <cstdint>
#include <span>

#include "engine/coalesced_write.h"

namespace ovpn::engine {

// UDP_MAX_SEGMENTS of Linux 6.2 .. 6.9 (later kernels take 128): a GSO_UDP_L4 write with more
// payload than gso_size times this is refused with EINVAL.
inline constexpr size_t kMaxUdpSegments = 64;

// Merges as many of packets[first..] as the rules allow (at most `max_segments`, capped at
// kMaxUdpSegments) into `out`. Returns how many it took (at least 1). With 1, `out` is not filled:
// write packets[first] as is.
size_t coalesce_udp(std::span<const std::span<uint8_t>> packets, size_t first, size_t max_segments,
                    CoalescedWrite& out);

}  // namespace ovpn::engine
