#pragma once
// The read side of UDP segmentation offload: with TUN_F_USO4/6 the kernel hands over UDP
// super-packets (GSO_UDP_L4) that local applications sent with UDP_SEGMENT (QUIC stacks do), or
// that it forwarded after UDP GRO. The engine cuts them into the datagrams the kernel would have
// sent, each a complete IP packet with its own lengths, IPv4 id and header checksum, and a full
// UDP checksum, before sealing them. Sans-I/O, like tso_split.h.
//
//   super:  [IP][UDP][ payload ............................. ]
//   out:    [IP'][UDP'][ gso_size ] [IP'][UDP'][ gso_size ] ... [IP'][UDP'][ rest ]
//   IP': total / payload length of the datagram, IPv4 id + index; UDP': length 8 + piece.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>

#include "common/packet_buf.h"
#include "io/vnet_header.h"

namespace ovpn::engine {

struct UsoPlan {
  bool ipv6 = false;
  size_t ip_header = 0;  // bytes of the IP header (IPv4 with options; IPv6 fixed 40)
  size_t payload = 0;    // UDP payload bytes of the super-packet
  size_t segment = 0;    // payload bytes per datagram (gso_size)
  size_t segments = 0;
};

// Checks a super-packet against its header: UDP over IPv4 (not a fragment) or IPv6 (no extension
// headers), at least one payload byte, gso_size at least 1. Its length fields are not used: its
// size is. nullopt: drop it as malformed.
std::optional<UsoPlan> plan_uso(std::span<const uint8_t> super, const io::VnetHeader& header);

// Writes datagram `index` of `plan` into `out` (at its current data(), replacing its content);
// false when `out` has no room.
bool write_uso_segment(std::span<const uint8_t> super, const UsoPlan& plan, size_t index,
                       PacketBuf& out) noexcept;

}  // namespace ovpn::engine
