#pragma once
// Address arithmetic the server options need: IPv4 addresses as host-order numbers, netmasks as
// prefix lengths, and offsets into an IPv6 network (OpenVPN's server helpers take "network + 1",
// "+ 2", "+ 0x1000" ...).

#include <cstdint>
#include <optional>

#include "common/ip_address.h"

namespace ovpn::config {

// An IPv4 address as a host-order number (the address must be IPv4).
uint32_t v4_number(const IpAddress& address) noexcept;

// The prefix length of an IPv4 netmask, or nullopt when `netmask` is not IPv4 or its ones are
// not contiguous (255.0.255.0).
std::optional<uint8_t> netmask_length(const IpAddress& netmask) noexcept;

// The IPv4 netmask of a prefix length 0..32.
IpAddress v4_netmask(uint8_t length) noexcept;

// `address` + `offset`, with the carry running through all 128 bits (IPv6 only).
IpAddress v6_add(const IpAddress& address, uint64_t offset) noexcept;

// True when the bits of `address` after the first `length` are zero.
bool host_bits_clear(const IpAddress& address, unsigned length) noexcept;

}  // namespace ovpn::config
