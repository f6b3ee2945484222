#pragma once
// The few fields of a tunnelled IP packet the engine routes by: version, source, destination.
// Bounds-checked: anything that is not a plausible IPv4 or IPv6 header gives nullopt.

#include <cstdint>
#include <cstring>
#include <optional>
#include <span>

#include "common/ip_address.h"

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

}  // namespace ovpn::engine
