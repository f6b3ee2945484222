#pragma once
// The few fields of a tunnelled IP packet the engine routes by: version, source, destination.
// Bounds-checked: anything that is not a plausible IPv4 or IPv6 header gives nullopt.

#include <cstdint>
#include <cstring>
#include <optional>
#include <span>

#include "common/byteorder.h"
#include "common/ip_address.h"
#include "proto/inet_checksum.h"

namespace ovpn::engine {

inline constexpr size_t kIpv4HeaderMin = 20;
inline constexpr size_t kIpv6Header = 40;

// Offsets of the source address: IPv4 12, IPv6 8; the destination follows it.
inline std::optional<IpAddress> inner_address(std::span<const uint8_t> packet,
                                              bool destination) noexcept {
  if (packet.empty()) return std::nullopt;
  const unsigned version = packet[0] >> 4;
  if (version == 4 && packet.size() >= kIpv4HeaderMin) {
    in_addr a{};
    std::memcpy(&a.s_addr, packet.data() + (destination ? 16 : 12), 4);
    return IpAddress::v4(a);
  }
  if (version == 6 && packet.size() >= kIpv6Header) {
    in6_addr a{};
    std::memcpy(a.s6_addr, packet.data() + (destination ? 24 : 8), 16);
    return IpAddress::v6(a);
  }
  return std::nullopt;
}

inline std::optional<IpAddress> inner_destination(std::span<const uint8_t> p) noexcept {
  return inner_address(p, true);
}
inline std::optional<IpAddress> inner_source(std::span<const uint8_t> p) noexcept {
  return inner_address(p, false);
}

// Rewrites the IP header of a segment cut from, or a packet merged into, a super-packet for an
// L4 length of `l4_length`: IPv6's payload length, or IPv4's total length, its id advanced by
// `id_add` and its header checksum. Thread: any (pure on `ip`).
inline void set_ip_lengths(uint8_t* ip, size_t ip_header, bool ipv6, size_t l4_length,
                           uint16_t id_add = 0) noexcept {
  if (ipv6) {
    store_be16(ip + 4, static_cast<uint16_t>(l4_length));
    return;
  }
  store_be16(ip + 2, static_cast<uint16_t>(ip_header + l4_length));
  store_be16(ip + 4, static_cast<uint16_t>(load_be16(ip + 4) + id_add));
  store_be16(ip + 10, 0);
  store_be16(ip + 10, proto::ipv4_header_checksum(std::span(ip, ip_header)));
}

}  // namespace ovpn::engine
