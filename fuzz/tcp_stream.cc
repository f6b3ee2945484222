// Fuzz target: OpenVPN's TCP framing, reassembled from a stream cut into arbitrary pieces.
//
// Input: one byte that chooses how the stream is cut (piece k is 1 .. 4096 bytes, a function of
// that byte and k), then the stream itself.
//
// Invariants: the reassembler yields exactly the packets a one-shot parse of the whole stream
// finds, in order, with the same bytes, each inside its buffer; it reports a broken stream
// exactly when that parse meets a zero length; it never yields after breaking.

#include <algorithm>
#include <vector>

#include "fuzz_target.h"
#include "proto/tcp_frame.h"

namespace {

namespace proto = ovpn::proto;

struct Parsed {
  std::vector<std::span<const uint8_t>> packets;
  bool broken = false;
};

Parsed parse_whole(std::span<const uint8_t> stream) {
  Parsed out;
  size_t at = 0;
  while (stream.size() - at >= 2) {
    const size_t len = (size_t{stream[at]} << 8) | stream[at + 1];
    if (len == 0) {
      out.broken = true;
      break;
    }
    if (stream.size() - at - 2 < len) break;
    out.packets.push_back(stream.subspan(at + 2, len));
    at += 2 + len;
  }
  return out;
}

}  // namespace

OVPN_FUZZ_TARGET(tcp_stream) {
  if (size == 0) return 0;
  const uint32_t cut = data[0];
  const std::span<const uint8_t> stream(data + 1, size - 1);
  const Parsed expected = parse_whole(stream);

  proto::FrameReassembler rx;
  size_t fed = 0, yielded = 0;
  for (uint32_t k = 0; fed < stream.size(); ++k) {
    const size_t piece = size_t{1} + ((cut + 1) * (k + 1) * 2654435761u >> 12) % 4096;
    const auto room = rx.writable();
    const size_t n = std::min({piece, stream.size() - fed, room.size()});
    FUZZ_CHECK(n > 0);
    std::copy_n(stream.data() + fed, n, room.data());
    rx.commit(n);
    fed += n;
    while (const auto packet = rx.next_packet()) {
      FUZZ_CHECK(!rx.broken());
      FUZZ_CHECK(yielded < expected.packets.size());
      FUZZ_CHECK(ovpn::fuzz::same_bytes(*packet, expected.packets[yielded]));
      ++yielded;
      FUZZ_REACHED("tcp_stream/packet");
    }
    rx.compact();
  }
  FUZZ_CHECK(yielded == expected.packets.size());
  FUZZ_CHECK(rx.broken() == expected.broken);
  FUZZ_CHECK(!rx.next_packet());
  return 0;
}
