// Fuzz target: UDP segmentation offload on arbitrary packets. The coalescer sees decrypted
// packets, which a peer controls; the USO splitter sees what the kernel hands over.
//
// Input: [vnet header, 10 bytes][then packets, each a 2-byte big-endian length and its bytes]
// (the format of tcp_offload).
//
// Invariants: coalesce_udp takes 1..remaining packets and at most kMaxUdpSegments; a merge of
// n > 1 has payload pieces inside their packets, all of gso_size but a last of 1..gso_size,
// 65535 bytes at most, and a GSO_UDP_L4 header the kernel accepts (NEEDS_CSUM, csum_offset 6).
// Round trip: the merged packet, its checksum completed, cut by plan_uso/write_uso_segment gives
// back each merged datagram byte for byte except the IPv4 id and the checksums, and every
// checksum verifies. plan_uso/write_uso_segment on any input write only inside the output, each
// datagram of the planned size with valid IPv4 header and UDP checksums.

#include <algorithm>
#include <vector>

#include "common/byteorder.h"
#include "common/packet_buf.h"
#include "engine/tso_split.h"
#include "engine/udp_coalesce.h"
#include "engine/uso_split.h"
#include "fuzz_target.h"
#include "proto/inet_checksum.h"

namespace engine = ovpn::engine;
namespace proto = ovpn::proto;

namespace {

// Whether the UDP datagram at `ip_header` into `p` has a valid checksum (the whole sum is ~0).
bool udp_sum_ok(std::span<const uint8_t> p, size_t ip_header) {
  const auto udp = p.subspan(ip_header);
  const uint64_t pseudo = proto::pseudo_header_sum(p.first(ip_header), 17, udp.size());
  return proto::checksum_finish(proto::checksum_add(udp, pseudo)) == 0;
}

bool ipv4_header_ok(std::span<const uint8_t> p, size_t ip_header) {
  return ovpn::load_be16(&p[10]) == proto::ipv4_header_checksum(p.first(ip_header));
}

// The bytes of `a` and `b` are the same outside the IPv4 id and header checksum and the UDP
// checksum.
bool same_datagram(std::span<const uint8_t> a, std::span<const uint8_t> b, size_t ip_header,
                   bool v6) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    const bool skipped = (!v6 && (i == 4 || i == 5 || i == 10 || i == 11)) || i == ip_header + 6 ||
                         i == ip_header + 7;
    if (!skipped && a[i] != b[i]) return false;
  }
  return true;
}

}  // namespace

OVPN_FUZZ_TARGET(udp_offload) {
  if (size < ovpn::io::VnetHeader::kSize) return 0;
  const auto header = ovpn::io::VnetHeader::parse(data);
  std::vector<std::vector<uint8_t>> packets =
      ovpn::fuzz::length_framed(std::span(data, size).subspan(ovpn::io::VnetHeader::kSize), 256);
  std::vector<std::span<uint8_t>> spans(packets.begin(), packets.end());
  std::vector<uint8_t> storage(65536);  // a merged datagram may carry up to 32 KiB

  engine::CoalescedWrite w;
  w.payloads.reserve(engine::kMaxUdpSegments);
  for (size_t i = 0; i < spans.size();) {
    const size_t taken = engine::coalesce_udp(spans, i, 128, w);
    FUZZ_CHECK(taken >= 1 && taken <= spans.size() - i && taken <= engine::kMaxUdpSegments);
    if (taken > 1) {
      FUZZ_CHECK(w.payloads.size() == taken && w.packets == taken);
      FUZZ_CHECK(w.vnet.gso_type == ovpn::io::VIRTIO_NET_HDR_GSO_UDP_L4 && w.vnet.needs_csum());
      FUZZ_CHECK(w.vnet.csum_offset == 6 && size_t{w.vnet.csum_start} + 8 == w.header_size);
      FUZZ_CHECK(w.vnet.hdr_len == w.header_size && w.vnet.gso_size > 0);
      std::vector<uint8_t> super(w.headers.begin(), w.headers.begin() + w.header_size);
      for (size_t k = 0; k < taken; ++k) {
        const auto piece = w.payloads[k];
        FUZZ_CHECK(ovpn::fuzz::within(piece, spans[i + k]));
        FUZZ_CHECK(k + 1 == taken ? piece.size() >= 1 && piece.size() <= w.vnet.gso_size
                                  : piece.size() == w.vnet.gso_size);
        super.insert(super.end(), piece.begin(), piece.end());
      }
      FUZZ_CHECK(super.size() <= 65535);
      FUZZ_CHECK(engine::complete_checksum(super, w.vnet));
      const size_t ip_header = w.vnet.csum_start;
      FUZZ_CHECK(udp_sum_ok(super, ip_header));

      const auto plan = engine::plan_uso(super, w.vnet);
      FUZZ_CHECK(plan && plan->segments == taken && plan->ip_header == ip_header);
      for (size_t k = 0; k < taken; ++k) {
        ovpn::PacketBuf out(storage.data(), storage.size(), 0);
        FUZZ_CHECK(engine::write_uso_segment(super, *plan, k, out));
        FUZZ_CHECK(same_datagram(out.span(), spans[i + k], ip_header, plan->ipv6));
        FUZZ_CHECK(udp_sum_ok(out.span(), ip_header));
        FUZZ_CHECK(plan->ipv6 || ipv4_header_ok(out.span(), ip_header));
      }
      FUZZ_REACHED("udp_offload/merged");
    }
    i += taken;
  }

  for (auto& p : packets) {
    const auto plan = engine::plan_uso(p, header);
    if (!plan) continue;
    FUZZ_CHECK(plan->segments >= 1 && plan->segment > 0);
    for (size_t i = 0; i < std::min<size_t>(plan->segments, 64); ++i) {
      ovpn::PacketBuf out(storage.data(), storage.size(), 0);
      if (!engine::write_uso_segment(p, *plan, i, out)) continue;
      const size_t expected =
          plan->ip_header + 8 + std::min(plan->segment, plan->payload - i * plan->segment);
      FUZZ_CHECK(out.size() == expected);
      FUZZ_CHECK(udp_sum_ok(out.span(), plan->ip_header));
      FUZZ_CHECK(plan->ipv6 || ipv4_header_ok(out.span(), plan->ip_header));
    }
    FUZZ_REACHED("udp_offload/split");
  }
  return 0;
}
