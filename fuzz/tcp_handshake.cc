// Fuzz target: the client's pre-peer TCP reader (app/tcp_handshake.h), reading frames from a
// real socket that the server's bytes arrive on in arbitrary pieces.
//
// Input: as tcp_stream -- one byte that chooses how the stream is cut, then the stream.
//
// Invariants: read_packets() yields exactly the packets a one-shot parse of the whole stream
// finds, in order and byte for byte; it fails with kMalformed exactly when that parse meets a
// zero length, and never yields after that; a handover is refused exactly while a partial frame
// is held; nothing is ever read past the last whole frame (what follows stays in the socket).

#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <vector>

#include "app/tcp_handshake.h"
#include "fakes/fake_dco.h"
#include "fuzz_target.h"
#include "io/fd.h"

namespace {

struct Parsed {
  std::vector<std::vector<uint8_t>> packets;
  bool broken = false;
  size_t consumed = 0;  // bytes of whole frames before a break or the partial tail
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
    out.packets.emplace_back(stream.begin() + at + 2, stream.begin() + at + 2 + len);
    at += 2 + len;
  }
  out.consumed = at;
  return out;
}

}  // namespace

OVPN_FUZZ_TARGET(tcp_handshake) {
  if (size == 0 || size > 256 * 1024) return 0;
  const uint32_t cut = data[0];
  const std::span<const uint8_t> stream(data + 1, size - 1);
  const Parsed expected = parse_whole(stream);

  int pair[2];
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair) != 0) return 0;
  ovpn::io::Fd server(pair[1]);
  const int buffer = 1 << 20;
  ::setsockopt(pair[0], SOL_SOCKET, SO_RCVBUF, &buffer, sizeof buffer);
  ::setsockopt(pair[1], SOL_SOCKET, SO_SNDBUF, &buffer, sizeof buffer);
  auto engine = ovpn::dco::FakeDco::create(ovpn::dco::Mode::kPointToPoint);
  FUZZ_CHECK(engine.has_value());
  ovpn::app::TcpHandshakeDco link(**engine, ovpn::io::Fd(pair[0]),
                                  *ovpn::Endpoint::parse("192.0.2.1:1194"));

  std::vector<std::vector<uint8_t>> got;
  bool failed = false;
  size_t fed = 0;
  for (uint32_t k = 0; fed < stream.size() && !failed; ++k) {
    const size_t piece = size_t{1} + ((cut + 1) * (k + 1) * 2654435761u >> 12) % 4096;
    const size_t n = std::min(piece, stream.size() - fed);
    const ssize_t w = ::send(server.get(), stream.data() + fed, n, MSG_NOSIGNAL);
    if (w <= 0) break;  // the socket buffer is full: the rest is not delivered
    fed += static_cast<size_t>(w);
    const size_t before = got.size();
    const auto st = link.read_packets(got);
    for (size_t i = before; i < got.size(); ++i) FUZZ_REACHED("tcp_handshake/packet");
    if (!st) {
      FUZZ_CHECK(st.error().code == ovpn::Errc::kMalformed);
      failed = true;
    }
  }
  const Parsed delivered = parse_whole(stream.first(fed));
  FUZZ_CHECK(got.size() == delivered.packets.size());
  for (size_t i = 0; i < got.size(); ++i) FUZZ_CHECK(got[i] == delivered.packets[i]);
  FUZZ_CHECK(failed == delivered.broken);
  if (fed == stream.size()) FUZZ_CHECK(failed == expected.broken);
  if (!failed) {
    // The reader drains the socket, so what was delivered is either whole frames (taken) or one
    // partial frame it holds; it never reads past the frame it is in.
    uint8_t left[1];
    FUZZ_CHECK(::recv(link.socket_fd(), left, sizeof left, MSG_DONTWAIT | MSG_PEEK) < 0);
    const bool partial = delivered.consumed != fed;
    ovpn::dco::PeerConfig peer;
    peer.id = *ovpn::PeerId::make(1);
    peer.transport = ovpn::dco::Transport::kTcp;
    peer.tcp_fd = link.socket_fd();
    const auto st = link.peer_new(std::move(peer));
    if (partial) FUZZ_CHECK(!st.has_value() && !link.handed_over());
    if (st.has_value()) {
      FUZZ_CHECK(!partial && link.handed_over());
      FUZZ_REACHED("tcp_handshake/handover");
    }
  }
  return 0;
}
