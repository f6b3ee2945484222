#pragma once
// UdpSocket: the engine's UDP transport socket, one per shard, all bound to the same port with
// SO_REUSEPORT so the kernel spreads peers across shards. Datagrams move through UdpBatch
// (udp_batch.h); this file only opens and configures the socket.
//
// Binding "::" makes a dual-stack socket (unless v6only): IPv4 peers then appear as v4-mapped
// addresses, which Endpoint::from_sockaddr() turns back into IPv4, and IPv4 destinations must be
// given to the kernel v4-mapped (Endpoint::to_sockaddr(out, is_v6())).

#include <cstdint>

#include "common/ip_address.h"
#include "common/result.h"
#include "io/fd.h"

namespace ovpn::io {

struct UdpSocketOptions {
  bool reuseport = false;  // SO_REUSEPORT, before bind: one socket per shard on one port
  bool v6only = false;     // IPv6 binds only: false = dual stack
  // Socket buffer sizes in bytes, 0 = the kernel default. SO_RCVBUFFORCE / SO_SNDBUFFORCE are
  // tried first (they pass net.core.rmem_max, but need CAP_NET_ADMIN), then SO_RCVBUF/SO_SNDBUF.
  int rcvbuf = 0;
  int sndbuf = 0;
  // Report the local address of every datagram (IP_PKTINFO / IPV6_RECVPKTINFO) so that replies
  // leave from the address the peer sent to, which matters on multi-homed hosts.
  bool pktinfo = true;
  // Segmentation offloads, used where the kernel has them (detected at open, never required):
  // UDP_SEGMENT lets one sendmsg carry many equal-size datagrams (UdpBatch coalesces them);
  // UDP_GRO lets one receive return many datagrams of a flow coalesced, with their size.
  bool offload = false;
};

class UdpSocket {
 public:
  // A non-blocking, close-on-exec UDP socket of the family of `bind`, bound to it.
  // Thread: control (sockets are made before the shards start, then each is handed to one).
  static Expected<UdpSocket> open(const Endpoint& bind, const UdpSocketOptions& options = {});

  int fd() const noexcept { return fd_.get(); }
  // AF_INET6 (dual stack or not): destinations must be passed as IPv6 (IPv4 v4-mapped).
  bool is_v6() const noexcept { return v6_; }
  // Whether UDP_SEGMENT (send) and UDP_GRO (receive) are on for this socket.
  bool gso() const noexcept { return gso_; }
  bool gro() const noexcept { return gro_; }

  // The bound address and port (getsockname): the port the kernel chose for a bind to port 0.
  // Thread: any.
  Expected<Endpoint> local_endpoint() const;

 private:
  UdpSocket(Fd fd, bool v6) noexcept : fd_(std::move(fd)), v6_(v6) {}

  Fd fd_;
  bool v6_ = false;
  bool gso_ = false;
  bool gro_ = false;
};

}  // namespace ovpn::io
