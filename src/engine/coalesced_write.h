#pragma once
// One GSO write to TUN, as the coalescers (tcp_coalesce.h, udp_coalesce.h) plan it: the
// virtio-net header, the patched headers of the first packet of the run, then each packet's
// payload where it was decrypted (not copied: the kernel gathers them in one copy).

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "io/vnet_header.h"

namespace ovpn::engine {

struct CoalescedWrite {
  io::VnetHeader vnet;
  std::array<uint8_t, 120> headers{};  // IP (20..60 or 40) + TCP (20..60) or UDP (8)
  size_t header_size = 0;
  std::vector<std::span<const uint8_t>> payloads;  // reserved once by the owner
  size_t packets = 0;                              // packets merged (1: written as it came)
};

}  // namespace ovpn::engine
