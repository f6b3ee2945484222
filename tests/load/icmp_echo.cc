#include "icmp_echo.h"

#include <cstring>

#include "common/byteorder.h"
#include "proto/inet_checksum.h"

namespace ovpn::load {
namespace {

constexpr size_t kIpHeader = 20;
constexpr size_t kIcmpHeader = 8;
constexpr uint8_t kProtoIcmp = 1;
constexpr uint8_t kEchoRequest = 8;
constexpr uint8_t kEchoReply = 0;

}  // namespace

std::vector<uint8_t> make_echo_request(const IpAddress& source, const IpAddress& destination,
                                       uint16_t id, uint16_t sequence, size_t payload_size) {
  std::vector<uint8_t> p(kIpHeader + kIcmpHeader + payload_size);
  uint8_t* ip = p.data();
  ip[0] = 0x45;  // version 4, 5 words
  store_be16(ip + 2, static_cast<uint16_t>(p.size()));
  store_be16(ip + 4, id);
  ip[6] = 0x40;  // don't fragment
  ip[8] = 64;    // TTL
  ip[9] = kProtoIcmp;
  std::memcpy(ip + 12, source.bytes(), 4);
  std::memcpy(ip + 16, destination.bytes(), 4);
  store_be16(ip + 10, proto::ipv4_header_checksum(std::span(ip, kIpHeader)));
  uint8_t* icmp = ip + kIpHeader;
  icmp[0] = kEchoRequest;
  store_be16(icmp + 4, id);
  store_be16(icmp + 6, sequence);
  for (size_t i = 0; i < payload_size; ++i) icmp[kIcmpHeader + i] = static_cast<uint8_t>(i);
  const auto icmp_bytes = std::span<const uint8_t>(icmp, kIcmpHeader + payload_size);
  store_be16(icmp + 2, proto::checksum_finish(proto::checksum_add(icmp_bytes)));
  return p;
}

bool is_echo_reply(std::span<const uint8_t> packet, const IpAddress& source,
                   const IpAddress& destination, uint16_t id, uint16_t sequence) {
  if (packet.size() < kIpHeader + kIcmpHeader || (packet[0] >> 4) != 4) return false;
  const size_t ihl = size_t{packet[0] & 0x0fu} * 4;
  if (ihl < kIpHeader || packet.size() < ihl + kIcmpHeader || packet[9] != kProtoIcmp) {
    return false;
  }
  // The reply goes back: from the echo's destination to its source.
  if (std::memcmp(packet.data() + 12, destination.bytes(), 4) != 0 ||
      std::memcmp(packet.data() + 16, source.bytes(), 4) != 0) {
    return false;
  }
  const uint8_t* icmp = packet.data() + ihl;
  return icmp[0] == kEchoReply && load_be16(icmp + 4) == id && load_be16(icmp + 6) == sequence;
}

}  // namespace ovpn::load
