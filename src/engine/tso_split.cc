#include "engine/tso_split.h"

#include <algorithm>
#include <cstring>

#include "common/byteorder.h"
#include "engine/inner_ip.h"
#include "proto/inet_checksum.h"

namespace ovpn::engine {
namespace {

constexpr uint8_t kTcp = 6;
constexpr uint8_t kFin = 0x01;
constexpr uint8_t kPsh = 0x08;
constexpr uint8_t kCwr = 0x80;

}  // namespace

std::optional<TsoPlan> plan_tso(std::span<const uint8_t> super, const io::VnetHeader& header) {
  TsoPlan plan;
  if (super.empty()) return std::nullopt;
  const uint8_t version = super[0] >> 4;
  if (header.gso_type == io::VIRTIO_NET_HDR_GSO_TCPV4 && version == 4) {
    if (super.size() < 20) return std::nullopt;
    plan.ip_header = size_t{super[0] & 0x0fu} * 4;
    if (plan.ip_header < 20 || super[9] != kTcp) return std::nullopt;
    // A fragment cannot be a TSO packet.
    if ((load_be16(&super[6]) & 0x3fff) != 0) return std::nullopt;
  } else if (header.gso_type == io::VIRTIO_NET_HDR_GSO_TCPV6 && version == 6) {
    if (super.size() < 40 || super[6] != kTcp) return std::nullopt;
    plan.ipv6 = true;
    plan.ip_header = 40;
  } else {
    return std::nullopt;
  }
  if (super.size() < plan.ip_header + 20) return std::nullopt;
  plan.tcp_header = static_cast<size_t>(super[plan.ip_header + 12] >> 4) * 4;
  const size_t headers = plan.ip_header + plan.tcp_header;
  if (plan.tcp_header < 20 || super.size() < headers) return std::nullopt;
  plan.payload = super.size() - headers;
  plan.mss = header.gso_size;
  if (plan.mss == 0 || plan.payload == 0) return std::nullopt;
  plan.segments = (plan.payload + plan.mss - 1) / plan.mss;
  return plan;
}

bool write_tso_segment(std::span<const uint8_t> super, const TsoPlan& plan, size_t index,
                       PacketBuf& out) noexcept {
  const size_t headers = plan.ip_header + plan.tcp_header;
  const size_t offset = index * plan.mss;
  const size_t length = std::min(plan.mss, plan.payload - offset);
  out.trim(0);
  uint8_t* p = out.put(headers + length);
  if (p == nullptr) return false;
  std::memcpy(p, super.data(), headers);
  // The payload is copied and summed in one pass; the TCP header (a multiple of 4 bytes long)
  // is summed after its fields are set, and the two sums add up.
  const uint64_t payload_sum =
      proto::checksum_copy(p + headers, super.subspan(headers + offset, length));

  uint8_t* ip = p;
  uint8_t* tcp = p + plan.ip_header;
  set_ip_lengths(ip, plan.ip_header, plan.ipv6, plan.tcp_header + length,
                 static_cast<uint16_t>(index));
  store_be32(tcp + 4, static_cast<uint32_t>(load_be32(tcp + 4) + offset));
  const bool last = index + 1 == plan.segments;
  if (!last) tcp[13] &= static_cast<uint8_t>(~(kFin | kPsh));
  if (index != 0) tcp[13] &= static_cast<uint8_t>(~kCwr);
  store_be16(tcp + 16, 0);
  const uint64_t pseudo =
      proto::pseudo_header_sum(std::span(ip, plan.ip_header), kTcp, plan.tcp_header + length);
  store_be16(tcp + 16, proto::checksum_finish(proto::checksum_add(std::span(tcp, plan.tcp_header),
                                                                  pseudo + payload_sum)));
  return true;
}

bool complete_checksum(std::span<uint8_t> packet, const io::VnetHeader& header) noexcept {
  const size_t start = header.csum_start;
  const size_t field = start + header.csum_offset;
  if (start >= packet.size() || field + 2 > packet.size()) return false;
  // The field holds the pseudo-header sum: summing the range over it gives the full sum.
  const uint16_t check = proto::checksum_finish(proto::checksum_add(packet.subspan(start)));
  // 0 and 0xffff are the same sum; UDP reads 0 as "no checksum", so never store 0.
  store_be16(&packet[field], check == 0 ? 0xffff : check);
  return true;
}

}  // namespace ovpn::engine
