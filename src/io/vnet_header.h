#pragma once
// The virtio-net header that a TUN device with IFF_VNET_HDR puts in front of every packet
// (struct virtio_net_hdr, 10 bytes, native byte order for legacy virtio on a little-endian
// host). With TUNSETOFFLOAD the kernel hands the engine TCP super-packets of up to 64 KiB
// (gso_type TCPV4/TCPV6, cut into gso_size segments by the engine) and packets whose TCP/UDP
// checksum is left to the engine (NEEDS_CSUM: sum from csum_start, store at +csum_offset).

#include <cstddef>
#include <cstdint>
#include <cstring>

namespace ovpn::io {

// The virtio ABI's values (linux/virtio_net.h, which does not compile as C++).
inline constexpr uint8_t VIRTIO_NET_HDR_F_NEEDS_CSUM = 1;
inline constexpr uint8_t VIRTIO_NET_HDR_GSO_NONE = 0;
inline constexpr uint8_t VIRTIO_NET_HDR_GSO_TCPV4 = 1;
inline constexpr uint8_t VIRTIO_NET_HDR_GSO_UDP = 3;
inline constexpr uint8_t VIRTIO_NET_HDR_GSO_TCPV6 = 4;
inline constexpr uint8_t VIRTIO_NET_HDR_GSO_UDP_L4 = 5;
inline constexpr uint8_t VIRTIO_NET_HDR_GSO_ECN = 0x80;

struct VnetHeader {
  uint8_t flags = 0;     // VIRTIO_NET_HDR_F_*
  uint8_t gso_type = 0;  // VIRTIO_NET_HDR_GSO_* (the ECN bit masked off)
  uint16_t hdr_len = 0;
  uint16_t gso_size = 0;
  uint16_t csum_start = 0;
  uint16_t csum_offset = 0;

  // struct virtio_net_hdr: flags, gso_type (u8); hdr_len, gso_size, csum_start, csum_offset
  // (u16, host order).
  static constexpr size_t kSize = 10;

  bool needs_csum() const noexcept { return (flags & VIRTIO_NET_HDR_F_NEEDS_CSUM) != 0; }
  bool is_gso() const noexcept { return gso_type != VIRTIO_NET_HDR_GSO_NONE; }

  static VnetHeader parse(const uint8_t* bytes) noexcept {
    VnetHeader h;
    h.flags = bytes[0];
    h.gso_type = static_cast<uint8_t>(bytes[1] & ~VIRTIO_NET_HDR_GSO_ECN);
    std::memcpy(&h.hdr_len, bytes + 2, 2);
    std::memcpy(&h.gso_size, bytes + 4, 2);
    std::memcpy(&h.csum_start, bytes + 6, 2);
    std::memcpy(&h.csum_offset, bytes + 8, 2);
    return h;
  }
  // The inverse of parse(): the 10 bytes for a write.
  void write(uint8_t* out) const noexcept {
    out[0] = flags;
    out[1] = gso_type;
    std::memcpy(out + 2, &hdr_len, 2);
    std::memcpy(out + 4, &gso_size, 2);
    std::memcpy(out + 6, &csum_start, 2);
    std::memcpy(out + 8, &csum_offset, 2);
  }
};

}  // namespace ovpn::io
