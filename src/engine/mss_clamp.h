#pragma once
// MSS clamping (OpenVPN's --mssfix) in the engine, in both directions: a TCP SYN whose MSS
// option announces more than the tunnel can carry in one packet gets the smaller value, so TCP
// never sends segments that would be fragmented. The Linux kernel DCO does not do this; its
// users ask for it.
//
// Only the MSS option's two bytes and the TCP checksum change (the checksum incrementally, as
// RFC 1624 describes). IPv4 fragments and IPv6 packets with extension headers before TCP are
// left alone.

#include <cstdint>
#include <span>

namespace ovpn::engine {

// `max_mss_v4` is the largest MSS for IPv4; IPv6 gets 20 bytes less (its larger header).
// Returns true when the packet was changed.
bool clamp_mss(std::span<uint8_t> ip_packet, uint16_t max_mss_v4) noexcept;

// The IPv4 MSS that fits a tunnel MTU: MTU - 20 (IPv4) - 20 (TCP).
constexpr uint16_t mss_for_mtu(uint32_t tunnel_mtu) noexcept {
  return tunnel_mtu > 40 ? static_cast<uint16_t>(tunnel_mtu - 40) : 0;
}

}  // namespace ovpn::engine
