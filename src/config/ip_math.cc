// Address arithmetic for the server options (see ip_math.h).

#include "config/ip_math.h"

namespace ovpn::config {

uint32_t v4_number(const IpAddress& address) noexcept {
  const uint8_t* b = address.bytes();
  return (uint32_t{b[0]} << 24) | (uint32_t{b[1]} << 16) | (uint32_t{b[2]} << 8) | b[3];
}

std::optional<uint8_t> netmask_length(const IpAddress& netmask) noexcept {
  if (!netmask.is_v4()) return std::nullopt;
  const uint32_t mask = v4_number(netmask);
  const uint32_t inverted = ~mask;
  if ((inverted & (inverted + 1)) != 0) return std::nullopt;  // host part not all ones
  uint8_t length = 0;
  for (uint32_t m = mask; (m & 0x80000000u) != 0; m <<= 1) ++length;
  return length;
}

IpAddress v4_netmask(uint8_t length) noexcept {
  const uint32_t mask = length == 0 ? 0 : ~uint32_t{0} << (32 - (length > 32 ? 32 : length));
  return IpAddress::v4(mask);
}

IpAddress v6_add(const IpAddress& address, uint64_t offset) noexcept {
  in6_addr a = address.to_in6_addr();
  uint64_t carry = offset;
  for (int i = 15; i >= 0 && carry != 0; --i) {
    const uint64_t sum = a.s6_addr[i] + (carry & 0xff);
    a.s6_addr[i] = static_cast<uint8_t>(sum);
    carry = (carry >> 8) + (sum >> 8);
  }
  return IpAddress::v6(a);
}

bool host_bits_clear(const IpAddress& address, unsigned length) noexcept {
  const auto prefix = IpPrefix::make(address, length);
  return prefix && prefix->address == address;
}

}  // namespace ovpn::config
