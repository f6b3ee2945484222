#include "engine/uso_split.h"

#include <algorithm>
#include <cstring>

#include "common/byteorder.h"
#include "engine/inner_ip.h"
#include "proto/inet_checksum.h"

namespace ovpn::engine {
namespace {

constexpr uint8_t kUdp = 17;
constexpr size_t kUdpHeader = 8;

}  // namespace

std::optional<UsoPlan> plan_uso(std::span<const uint8_t> super, const io::VnetHeader& header) {
  if (header.gso_type != io::VIRTIO_NET_HDR_GSO_UDP_L4 || super.empty()) return std::nullopt;
  UsoPlan plan;
  const uint8_t version = super[0] >> 4;
  if (version == 4) {
    if (super.size() < 20) return std::nullopt;
    plan.ip_header = size_t{super[0] & 0x0fu} * 4;
    if (plan.ip_header < 20 || super[9] != kUdp) return std::nullopt;
    if ((load_be16(&super[6]) & 0x3fff) != 0) return std::nullopt;  // a fragment
  } else if (version == 6) {
    if (super.size() < 40 || super[6] != kUdp) return std::nullopt;
    plan.ipv6 = true;
    plan.ip_header = 40;
  } else {
    return std::nullopt;
  }
  if (super.size() <= plan.ip_header + kUdpHeader) return std::nullopt;
  plan.payload = super.size() - plan.ip_header - kUdpHeader;
  plan.segment = header.gso_size;
  if (plan.segment == 0) return std::nullopt;
  plan.segments = (plan.payload + plan.segment - 1) / plan.segment;
  return plan;
}

bool write_uso_segment(std::span<const uint8_t> super, const UsoPlan& plan, size_t index,
                       PacketBuf& out) noexcept {
  const size_t headers = plan.ip_header + kUdpHeader;
  const size_t offset = index * plan.segment;
  const size_t length = std::min(plan.segment, plan.payload - offset);
  out.trim(0);
  uint8_t* p = out.put(headers + length);
  if (p == nullptr) return false;
  std::memcpy(p, super.data(), headers);
  // Copied and summed in one pass; the 8-byte UDP header's sum is added once it is set.
  const uint64_t payload_sum =
      proto::checksum_copy(p + headers, super.subspan(headers + offset, length));

  uint8_t* ip = p;
  uint8_t* udp = p + plan.ip_header;
  const size_t udp_length = kUdpHeader + length;
  set_ip_lengths(ip, plan.ip_header, plan.ipv6, udp_length, static_cast<uint16_t>(index));
  store_be16(udp + 4, static_cast<uint16_t>(udp_length));
  store_be16(udp + 6, 0);
  const uint16_t check = proto::checksum_finish(proto::checksum_add(
      std::span(udp, kUdpHeader),
      proto::pseudo_header_sum(std::span(ip, plan.ip_header), kUdp, udp_length) + payload_sum));
  // 0 means "no checksum" to UDP: a sum that comes out 0 is sent as 0xffff (RFC 768).
  store_be16(udp + 6, check == 0 ? 0xffff : check);
  return true;
}

}  // namespace ovpn::engine
