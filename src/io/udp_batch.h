#pragma once
// UdpBatch: moves up to capacity() datagrams per system call through a UdpSocket, with
// recvmmsg(2) and sendmmsg(2). It holds the message headers, addresses and control buffers,
// allocated once at construction, so receiving and sending never allocate.
//
// With the socket's offloads (UdpSocket::gso/gro) it goes further: consecutive datagrams to the
// same destination with the same size (the last of a run may be shorter) leave as one message
// with UDP_SEGMENT, which the kernel carries as one packet as far as it can and splits late (or
// not at all: across a veth to a UDP_GRO socket it arrives whole); and a receive may return
// such a run coalesced, with its segment size in UdpRecvMeta.
//
// One batch per shard, used with that shard's socket; the packet bytes live in the shard's
// PacketBufs and are never copied by the batch (the kernel copies them once, in or out).

#include <sys/socket.h>

#include <cstddef>
#include <optional>
#include <span>
#include <vector>

#include "common/ip_address.h"
#include "common/packet_buf.h"
#include "io/io_result.h"
#include "io/udp_socket.h"

namespace ovpn::io {

inline constexpr size_t kBatchSize = 64;

// What recv() reports about one datagram besides its bytes.
struct UdpRecvMeta {
  Endpoint source{};  // the peer; a v4-mapped source is reported as IPv4
  // The address the datagram was sent to, from pktinfo (v4-mapped as IPv4); a reply sent from
  // it reaches a peer that filters on it. None when the socket was opened without pktinfo.
  std::optional<IpAddress> local{};
  int ifindex = 0;         // the interface it arrived on, from pktinfo; 0 when unknown
  bool truncated = false;  // larger than the buffer: the tail is lost, drop it as malformed
  // UDP_GRO: the buffer holds datagrams of this size back to back (the last may be shorter);
  // 0: one datagram.
  size_t segment_size = 0;
};

// A coalesced receive holds at most this much (the largest UDP payload).
inline constexpr size_t kMaxCoalesced = 65535;
// Datagrams per UDP_SEGMENT message (the kernel's UDP_MAX_SEGMENTS is 64 on older kernels).
inline constexpr size_t kMaxSegments = 64;

// One datagram to send. `bytes` must stay valid until send() returns.
struct UdpSendItem {
  std::span<const uint8_t> bytes{};
  Endpoint destination{};
  // Leave from this local address (IP_PKTINFO / IPV6_PKTINFO); none lets routing choose. Ignored
  // when its family differs from the destination's.
  std::optional<IpAddress> source{};
};

struct UdpSendResult {
  // Items [0, sent + failed) were handed to the kernel: `sent` of them were accepted, `failed`
  // were refused one by one with a permanent error (no route, too big, bad source...; which ones:
  // UdpBatch::failed_items()), the last errno in `last_error`. Items from sent + failed on were not
  // tried because the socket buffer or the device queue is full (last_error EAGAIN or ENOBUFS): the
  // caller drops them as kQueueFull, or keeps them for the next writable event.
  size_t sent = 0;
  size_t failed = 0;
  int last_error = 0;
};

class UdpBatch {
 public:
  explicit UdpBatch(size_t capacity = kBatchSize);
  UdpBatch(const UdpBatch&) = delete;
  UdpBatch& operator=(const UdpBatch&) = delete;
  UdpBatch(UdpBatch&&) noexcept = default;
  UdpBatch& operator=(UdpBatch&&) noexcept = default;
  ~UdpBatch() = default;

  size_t capacity() const noexcept { return msgs_.size(); }

  // Receives what is queued, without blocking, up to min(bufs.size(), meta.size(), capacity())
  // datagrams: datagram i is written at bufs[i].data() (overwriting it, with the rest of the
  // storage as room; bufs[i].size() becomes its length) and described by meta[i]. Returns the
  // count; would_block() when nothing is queued.
  // Thread: the shard owning the batch and the socket.
  IoResult recv(const UdpSocket& socket, std::span<PacketBuf> bufs,
                std::span<UdpRecvMeta> meta) noexcept;

  // Sends the items in order, capacity() per system call, without blocking. The kernel copies
  // the bytes: every buffer is free again when this returns, whatever the result. Runs of equal
  // datagrams to one destination go as one UDP_SEGMENT message when the socket has GSO; if the
  // kernel refuses one (a device without checksum offload), the batch stops using GSO and sends
  // that run again datagram by datagram.
  // Thread: the shard owning the batch and the socket.
  UdpSendResult send(const UdpSocket& socket, std::span<const UdpSendItem> items) noexcept;

  // After send(): the indices into its items of the `failed` datagrams, ascending, so that each
  // drop can be charged to its peer. Valid until the next send().
  std::span<const size_t> failed_items() const noexcept { return failed_; }

 private:
  // Room for IPV6_PKTINFO and IP_PKTINFO together (a dual-stack socket may report both), with
  // space left for the UDP_GRO segment size later.
  struct alignas(cmsghdr) Control {
    uint8_t bytes[128];
  };

  // Fills the control buffer of message i for `item`; returns its length (0: none).
  size_t put_source(size_t i, const UdpSendItem& item) noexcept;
  // Appends a UDP_SEGMENT control message of `size` after `used` bytes; returns the new length.
  size_t put_segment_size(size_t i, size_t used, uint16_t size) noexcept;
  // How many of items[first..] (at most `limit`) go in one UDP_SEGMENT message.
  static size_t run_length(std::span<const UdpSendItem> items, size_t first, size_t limit) noexcept;
  // Sends items[first, first + count) one message each (after GSO was refused). Thread: owner.
  void send_singly(const UdpSocket& socket, std::span<const UdpSendItem> items, size_t first,
                   size_t count, UdpSendResult& result) noexcept;

  // Send and receive keep separate message headers: those of recv() point at the i-th iovec,
  // address and control buffer once and for all (set at construction), so that a receive only
  // resets the lengths the kernel overwrote; send() lays its messages out anew each time.
  std::vector<mmsghdr> msgs_;                  // send
  std::vector<mmsghdr> recv_msgs_;             // recv
  std::vector<size_t> msg_first_, msg_count_;  // the items of each message (send)
  bool gso_refused_ = false;                   // the kernel refused a UDP_SEGMENT send once
  // Shared by both directions (one is in use at a time): iovecs, addresses, control buffers.
  std::vector<iovec> iovs_;
  std::vector<sockaddr_storage> addrs_;
  std::vector<Control> controls_;
  std::vector<size_t> failed_;  // reserved to capacity(); grows only past that many failures
};

}  // namespace ovpn::io
