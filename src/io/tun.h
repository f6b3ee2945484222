#pragma once
// TunDevice: a layer-3 TUN interface (IFF_TUN | IFF_NO_PI) with one queue per shard.
//
// Every queue is its own descriptor on /dev/net/tun, attached to the same interface with
// IFF_MULTI_QUEUE (also for a single queue, so that one code path serves every --threads). The
// kernel spreads what it routes into the interface across the queues by flow hash, so a flow
// stays on one shard. The descriptors are non-blocking and close-on-exec. The interface is not
// made persistent: it disappears when the last queue closes.
//
// A queue is read and written by its owning shard only; the device itself (open, close) belongs
// to the control thread, which hands queue i to shard i.

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "common/packet_buf.h"
#include "common/result.h"
#include "io/fd.h"
#include "io/io_result.h"
#include "io/vnet_header.h"

namespace ovpn::io {

inline constexpr size_t kMaxTunQueues = 256;  // MAX_TAP_QUEUES in drivers/net/tun.c

// Packets each queue holds for its shard (the interface's txqueuelen, which sizes every queue's
// ring; the kernel's default for TUN is 500). When the ring is full the kernel drops what is
// routed into the interface. A shard thread shares its core and can be off it for milliseconds:
// with 500, a stream of 64-byte datagrams at 170 kpps through bench/tunnel lost 3.6-5.3% at the
// sender's ring; with 4000, 0-0.6%. Only packets that would have been dropped wait in the
// deeper ring, and a TCP flow's own queue limit (TSQ) keeps it from filling it.
inline constexpr uint32_t kDefaultTxQueueLen = 4000;

struct TunOptions {
  // The interface name; a "%d" in it lets the kernel pick the number ("tun%d" -> "tun0").
  std::string name = "tun%d";
  size_t queues = 1;  // 1 .. kMaxTunQueues
  // IFF_VNET_HDR with checksum and TSO offloads (TUNSETOFFLOAD): reads may return TCP
  // super-packets and packets with their checksum pending, described by a VnetHeader; writes
  // carry an empty header. When the kernel refuses the offloads the device opens without them.
  bool vnet_hdr = false;
  // With vnet_hdr, also UDP segmentation offload (TUN_F_USO4 | TUN_F_USO6, Linux 6.2+): reads may
  // return UDP super-packets (GSO_UDP_L4) and write_gso() takes them. A kernel without it keeps
  // the other offloads.
  bool uso = true;
  // The interface's txqueuelen (OpenVPN's --txqueuelen); 0 leaves it as it is. Also set on an
  // existing interface the queues attach to. A kernel that refuses keeps its value: not an error.
  uint32_t tx_queue_len = kDefaultTxQueueLen;
};

class TunDevice {
 public:
  // Creates the interface, or attaches to an existing multi-queue TUN of that name (one made
  // persistent with `ip tuntap add ... multi_queue`), and opens `options.queues` queues.
  // Thread: control.
  static Expected<TunDevice> open(const TunOptions& options);

  TunDevice(TunDevice&&) noexcept = default;
  TunDevice& operator=(TunDevice&&) noexcept = default;

  // The name the kernel gave the interface ("tun0" for "tun%d").
  const std::string& name() const noexcept { return name_; }
  int ifindex() const noexcept { return ifindex_; }
  size_t queue_count() const noexcept { return queues_.size(); }
  // The descriptor of a queue, for the event loop; the device keeps owning it. -1 if out of range.
  int queue_fd(size_t queue) const noexcept;
  // Whether packets carry a virtio-net header (TSO and checksum offloads on).
  bool vnet_hdr() const noexcept { return vnet_hdr_; }
  // Whether the kernel took UDP segmentation offload too (implies vnet_hdr()).
  bool uso() const noexcept { return uso_; }
  // The interface's txqueuelen as the kernel reported it after open (0 if it could not be read).
  uint32_t tx_queue_len() const noexcept { return tx_queue_len_; }

  // Reads one packet into `buf`, starting at buf.data() and using the rest of its storage; on
  // success buf.size() is the packet length. would_block() when the queue is empty. EMSGSIZE
  // when the packet was larger than the room: it is lost, count it as a drop.
  // Thread: the shard owning `queue`.
  // With vnet_hdr(), `header` receives the packet's virtio-net header (else it is left empty).
  IoResult read(size_t queue, PacketBuf& buf, VnetHeader* header = nullptr) noexcept;

  // Writes one IP packet (IPv4 or IPv6, told apart by the kernel from the version nibble). The
  // kernel copies it: the buffer is free again when this returns.
  // Thread: the shard owning `queue`.
  IoResult write(size_t queue, std::span<const uint8_t> packet) noexcept;

  // The largest packet a read returns: a TSO super-packet is at most 64 KiB (the device's
  // legacy GSO limit), a whole packet at most the largest MTU. A buffer with more room than this
  // is read with one read(2). Thread: any.
  static constexpr size_t kLargestPacket = 65536;

  // Writes one GSO super-packet (vnet_hdr() only; GSO_UDP_L4 only with uso()): the 10-byte
  // virtio-net header, the packet's headers, then the payload pieces, gathered by the kernel in
  // one copy. At most kMaxWritePieces pieces. Thread: the shard owning `queue`.
  static constexpr size_t kMaxWritePieces = 128;
  IoResult write_gso(size_t queue, const uint8_t* vnet, std::span<const uint8_t> headers,
                     std::span<const std::span<const uint8_t>> payloads) noexcept;

 private:
  static Expected<TunDevice> open_device(const TunOptions& options);
  TunDevice(std::string name, int ifindex, std::vector<Fd> queues, bool vnet_hdr, bool uso,
            uint32_t tx_queue_len) noexcept
      : name_(std::move(name)),
        ifindex_(ifindex),
        queues_(std::move(queues)),
        vnet_hdr_(vnet_hdr),
        uso_(uso),
        tx_queue_len_(tx_queue_len) {}

  std::string name_;
  int ifindex_ = 0;
  std::vector<Fd> queues_;
  bool vnet_hdr_ = false;
  bool uso_ = false;
  uint32_t tx_queue_len_ = 0;
};

}  // namespace ovpn::io
