#pragma once
// A shard: one thread (pinned to a core with --pin on), owning one TUN queue, one UDP socket
// (all on one port via SO_REUSEPORT), its packet buffers and its counters. It moves packets in
// batches:
//   TUN -> seal -> sendmmsg        (up to kBatchSize packets per round)
//   recvmmsg -> open -> TUN        (control packets go up to the control plane)
// It also receives on the TCP peers it owns (tcp_link.h), opening their frames in place;
// packets for a TCP peer leave through that peer's link, one framed write per batch.
// Client-to-client: a received packet for another peer is sealed again, in place, for that
// peer and sent in the same round, like a packet read from TUN.
// It loads the published peer table once per round: no lock and no allocation per packet.
// With fan-out (crypto_fanout.h, batch_crypto.h), the crypto of a large batch is shared with
// the other shards: this shard wakes them when they are idle, and helps with theirs between
// its own rounds and before it sleeps; it acts on its batch's outcomes in order afterwards.

#include <sys/epoll.h>

#include <algorithm>
#include <atomic>
#include <thread>
#include <vector>

#include "common/packet_pool.h"
#include "engine/batch_crypto.h"
#include "engine/engine_context.h"
#include "engine/tcp_coalesce.h"
#include "io/fd.h"
#include "io/tun.h"
#include "io/udp_batch.h"

namespace ovpn::engine {

// Room for a coalesced UDP receive (UDP_GRO: up to 64 KiB of datagrams back to back), which
// also covers MTU 9000 plus headers and tags, with headroom for the data header; and more room
// than any packet read from TUN, so that a read is one read(2) (TunDevice::read).
inline constexpr size_t kPacketHeadroom = 64;
inline constexpr size_t kPacketBufferSize =
    std::max(io::kMaxCoalesced, io::TunDevice::kLargestPacket) + 1 + kPacketHeadroom;
// A segment of a TSO or USO super-packet: at most one MTU (9000) plus headroom.
inline constexpr size_t kSegmentBufferSize = 9216 + kPacketHeadroom;

class Shard {
 public:
  // Thread: control.
  static Expected<std::unique_ptr<Shard>> create(size_t index, EngineContext& context);
  ~Shard();

  // Thread: control.
  void start(bool pin);
  void stop();

  // Where TCP links owned by this shard register (TcpLink::adopt). Thread: any.
  int epoll_fd() const noexcept { return epoll_.get(); }
  // The epoll tag of a TCP link: peer id and a serial, so that an event for a link that has
  // since been replaced (same peer id) is recognised and ignored. Thread: any.
  static uint64_t tcp_tag(uint32_t serial, PeerId peer) noexcept;

 private:
  Shard(size_t index, EngineContext& context, io::Fd epoll, io::Fd wake);
  void run();
  bool pump_tun(const PeerTable& table);
  // Routes one inner packet and adds it to the run of packets for its peer; a packet for
  // another peer seals the run first (seal_pending).
  void queue_inner(const PeerTable& table, PacketBuf& packet, uint64_t now_ms,
                   ShardCounters& unattributed);
  void queue_for_peer(const PeerEntry& peer, PacketBuf& packet, uint64_t now_ms);
  // Queues an opened packet for another peer (client-to-client); its view is kept in
  // fwd_bufs_ until the round is flushed, which happens here when they run out.
  void queue_forward(const PeerEntry& to, const PacketBuf& packet, uint64_t now_ms);
  // Seals the pending run (its packet ids in one step) and queues it for this round's sends.
  void seal_pending(uint64_t now_ms);
  // Cuts a TSO (TCP) or USO (UDP) super-packet into segments (in seg_bufs_), each sealed and
  // queued; flushes the round's sends when the segment buffers run out.
  void queue_super_packet(const PeerTable& table, PacketBuf& super, const io::VnetHeader& header,
                          uint64_t now_ms, ShardCounters& unattributed);
  void flush_round(uint64_t now_ms);
  // Writes this round's decrypted packets to TUN, consecutive TCP segments or UDP datagrams of
  // a flow merged into super-packets when the device takes them (tcp_coalesce.h,
  // udp_coalesce.h).
  void flush_tun(ShardCounters& unattributed);
  bool pump_udp(const PeerTable& table);
  // A received datagram: a control packet goes up at once; a data packet is staged in
  // open_items_ to be opened with the rest of the receive (open_batch).
  void stage_datagram(const PeerTable& table, std::span<uint8_t> bytes,
                      const io::UdpRecvMeta& meta);
  // Acts on an opened datagram, in receive order: float, ping, forward, or TUN.
  void deliver(OpenItem& item, uint64_t now_ms);
  // Takes chunks of other shards' fan-out jobs, if any are open.
  void help_others() {
    if (ctx_.fanout && ctx_.fanout->pending()) ctx_.fanout->help(index_);
  }
  void flush_sends();
  void flush_tcp_sends();
  void pump_tcp(const PeerTable& table, uint64_t tag, uint32_t events);
  void handle_stream_packet(const PeerTable& table, const PeerEntry& peer, std::span<uint8_t> bytes,
                            uint64_t now_ms);

  const size_t index_;
  EngineContext& ctx_;
  io::Fd epoll_;
  io::Fd wake_;
  std::thread thread_;
  std::atomic<bool> stop_{false};

  PublishedTable::Reader table_reader_;
  PacketPool pool_;
  std::vector<PacketBuf> bufs_;
  PacketPool seg_pool_;  // segments of TSO / USO super-packets
  std::vector<PacketBuf> seg_bufs_;
  size_t seg_used_ = 0;
  // Received packets for other peers, queued for sealing (views of bytes in bufs_ or a TCP
  // link's receive buffer: a coalesced receive's datagrams have no PacketBuf of their own).
  std::vector<PacketBuf> fwd_bufs_;
  size_t fwd_used_ = 0;
  // Decrypted packets waiting for flush_tun(), and whose they are (for drop counters).
  std::vector<std::span<uint8_t>> tun_out_;
  std::vector<const PeerEntry*> tun_out_peers_;
  CoalescedWrite coalesced_;
  std::vector<io::UdpRecvMeta> meta_;
  std::vector<OpenItem> open_items_;  // the data datagrams of a receive
  io::UdpBatch batch_;
  // Routed packets for one peer, in order, not sealed yet (they live in bufs_ / seg_bufs_).
  const PeerEntry* run_peer_ = nullptr;
  std::vector<PacketBuf*> run_packets_;
  std::vector<Drop> run_drops_;
  // Packets sealed in this round, waiting for sendmmsg, and who they are for.
  std::vector<io::UdpSendItem> send_items_;
  std::vector<const PeerEntry*> send_peers_;
  // The same for TCP peers: sent through each peer's link after the batch, in order.
  std::vector<std::span<const uint8_t>> tcp_packets_;
  std::vector<const PeerEntry*> tcp_peers_;
};

}  // namespace ovpn::engine
