#pragma once
// A shard: one thread, pinned to a core, owning one TUN queue, one UDP socket (all on one port
// via SO_REUSEPORT), its packet buffers and its counters. It moves packets in batches:
//   TUN -> seal -> sendmmsg        (up to kBatchSize packets per round)
//   recvmmsg -> open -> TUN        (control packets go up to the control plane)
// It loads the published peer table once per round: no lock and no allocation per packet.

#include <sys/epoll.h>

#include <atomic>
#include <thread>
#include <vector>

#include "common/packet_pool.h"
#include "engine/engine_context.h"
#include "io/fd.h"
#include "io/udp_batch.h"

namespace ovpn::engine {

// Room for MTU 9000 plus headers and tags, with headroom for the data header.
inline constexpr size_t kPacketBufferSize = 16384;
inline constexpr size_t kPacketHeadroom = 64;

class Shard {
 public:
  // Thread: control.
  static Expected<std::unique_ptr<Shard>> create(size_t index, EngineContext& context);
  ~Shard();

  // Thread: control.
  void start(bool pin);
  void stop();

 private:
  Shard(size_t index, EngineContext& context, io::Fd epoll, io::Fd wake);
  void run();
  void pump_tun(const PeerTable& table);
  void pump_udp(const PeerTable& table);
  void flush_sends();

  const size_t index_;
  EngineContext& ctx_;
  io::Fd epoll_;
  io::Fd wake_;
  std::thread thread_;
  std::atomic<bool> stop_{false};

  PacketPool pool_;
  std::vector<PacketBuf> bufs_;
  std::vector<io::UdpRecvMeta> meta_;
  io::UdpBatch batch_;
  // Packets sealed in this round, waiting for sendmmsg, and who they are for.
  std::vector<io::UdpSendItem> send_items_;
  std::vector<const PeerEntry*> send_peers_;
};

}  // namespace ovpn::engine
