// Fuzz target: the engine's TUN offloads on arbitrary packets. The coalescer sees decrypted
// packets, which a peer controls; the TSO splitter sees what the kernel hands over.
//
// Input: [vnet header, 10 bytes][then packets, each a 2-byte big-endian length and its bytes].
//
// Invariants: coalesce_tcp takes 1..remaining packets; a merge of n > 1 packets has headers of
// the first packet's header length, payload pieces that lie inside their packets, and a total
// length within 65535; plan_tso/write_tso_segment only ever write inside the output buffer, and
// every segment has the planned size; complete_checksum never writes outside the packet.

#include <algorithm>
#include <vector>

#include "common/packet_buf.h"
#include "engine/tcp_coalesce.h"
#include "engine/tso_split.h"
#include "fuzz_target.h"

namespace engine = ovpn::engine;

OVPN_FUZZ_TARGET(tcp_offload) {
  if (size < ovpn::io::VnetHeader::kSize) return 0;
  const auto header = ovpn::io::VnetHeader::parse(data);
  std::vector<std::vector<uint8_t>> packets =
      ovpn::fuzz::length_framed(std::span(data, size).subspan(ovpn::io::VnetHeader::kSize), 256);
  std::vector<std::span<uint8_t>> spans(packets.begin(), packets.end());

  engine::CoalescedWrite w;
  w.payloads.reserve(128);
  for (size_t i = 0; i < spans.size();) {
    const size_t taken = engine::coalesce_tcp(spans, i, 128, w);
    FUZZ_CHECK(taken >= 1 && taken <= spans.size() - i);
    if (taken > 1) {
      FUZZ_CHECK(w.payloads.size() == taken);
      size_t total = w.header_size;
      for (size_t k = 0; k < taken; ++k) {
        FUZZ_CHECK(ovpn::fuzz::within(w.payloads[k], spans[i + k]));
        total += w.payloads[k].size();
      }
      FUZZ_CHECK(total <= 65535);
      FUZZ_REACHED("tcp_offload/merged");
    }
    i += taken;
  }

  std::vector<uint8_t> storage(9216);
  for (auto& p : packets) {
    if (const auto plan = engine::plan_tso(p, header)) {
      for (size_t i = 0; i < std::min<size_t>(plan->segments, 64); ++i) {
        ovpn::PacketBuf out(storage.data(), storage.size(), 0);
        if (engine::write_tso_segment(p, *plan, i, out)) {
          const size_t expected = plan->ip_header + plan->tcp_header +
                                  std::min(plan->mss, plan->payload - i * plan->mss);
          FUZZ_CHECK(out.size() == expected);
        }
      }
    }
    engine::complete_checksum(p, header);
  }
  return 0;
}
