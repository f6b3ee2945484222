#pragma once
// The one ICMP echo a load-driver client sends through its tunnel, and the check of the reply.
//
//   IPv4 header (20, no options) | ICMP echo (8): type, code, checksum, id, sequence | payload
//
// Thread: any (pure).

#include <cstdint>
#include <span>
#include <vector>

#include "common/ip_address.h"

namespace ovpn::load {

// An IPv4 ICMP echo request from `source` to `destination` with `id` and `sequence`, and
// `payload_size` bytes of a fixed pattern.
std::vector<uint8_t> make_echo_request(const IpAddress& source, const IpAddress& destination,
                                       uint16_t id, uint16_t sequence, size_t payload_size = 32);

// True when `packet` is the IPv4 echo reply from `destination` to `source` with `id` and
// `sequence` (checksums are left to the kernel that made it).
bool is_echo_reply(std::span<const uint8_t> packet, const IpAddress& source,
                   const IpAddress& destination, uint16_t id, uint16_t sequence);

}  // namespace ovpn::load
