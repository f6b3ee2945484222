#pragma once
// What the engine does with the offloads of a TUN with a virtio-net header (io/vnet_header.h):
// cut a TCP super-packet (TSO, IPv4 or IPv6, up to 64 KiB) into the segments the kernel would
// have sent, each a complete IP packet with its own length, IPv4 id and header checksum, TCP
// sequence number, flags and full TCP checksum; and complete a checksum left pending on a
// single packet. Sans-I/O, so that it is tested byte for byte.
//
//   super:  [IP][TCP][ payload ....................................... ]
//   out:    [IP'][TCP'][ gso_size ] [IP'][TCP'][ gso_size ] ... [IP'][TCP'][ rest ]
//   TCP': seq + offset; FIN and PSH only on the last, CWR only on the first.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>

#include "common/packet_buf.h"
#include "io/vnet_header.h"

namespace ovpn::engine {

struct TsoPlan {
  bool ipv6 = false;
  size_t ip_header = 0;   // bytes of the IP header (IPv4 with options; IPv6 fixed 40)
  size_t tcp_header = 0;  // bytes of the TCP header with options
  size_t payload = 0;     // TCP payload bytes of the super-packet
  size_t mss = 0;         // payload bytes per segment (gso_size)
  size_t segments = 0;
};

// Checks a super-packet against its header: TCP over IPv4 or IPv6 (no IPv6 extension headers),
// lengths consistent, gso_size within 1..payload. nullopt: drop it as malformed.
std::optional<TsoPlan> plan_tso(std::span<const uint8_t> super, const io::VnetHeader& header);

// Writes segment `index` of `plan` into `out` (at its current data(), replacing its content);
// false when `out` has no room.
bool write_tso_segment(std::span<const uint8_t> super, const TsoPlan& plan, size_t index,
                       PacketBuf& out) noexcept;

// Completes the checksum at csum_start + csum_offset (NEEDS_CSUM): the kernel has put the
// pseudo-header sum there. False when the offsets do not fit the packet.
bool complete_checksum(std::span<uint8_t> packet, const io::VnetHeader& header) noexcept;

}  // namespace ovpn::engine
