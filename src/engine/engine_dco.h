#pragma once
// The userspace offload engine behind the DCO API: a TUN device with one queue per shard, one
// UDP socket per shard on a shared port, TCP peers' connections (each received on by one
// shard), the shards moving packets, and a housekeeping thread for keepalive (pings when idle,
// expiry when silent) and for deleting peers whose TCP connection failed.
//
// The control plane's calls (Thread: control) edit a model of the peers under `model_mu_` and
// publish a new immutable PeerTable; shards pick it up on their next round. The housekeeping
// thread takes the same lock to expire a peer.

#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "dco/dco.h"
#include "engine/engine_context.h"
#include "engine/shard.h"
#include "io/udp_batch.h"

namespace ovpn::engine {

struct EngineOptions {
  dco::Mode mode = dco::Mode::kPointToPoint;
  std::string ifname = "ovpn%d";                      // "%d": the kernel picks the number
  size_t threads = 0;                                 // shards; 0: one per online core
  Endpoint listen{IpAddress::v6(in6addr_any), 1194};  // "[::]:port" is dual stack
  // Shard i pinned to CPU i. Off by default: where other busy processes share the cores (the
  // tunnel benchmark's iperf3s and the other tunnel end, or any busy host), a pinned shard
  // cannot move away from them; measured with bench/tunnel/run.sh, TCP 1 stream, 2 cores,
  // 4 runs each: unpinned 5.9-6.1 Gbit/s, pinned 4.4-6.1 Gbit/s (two ends' busy shards on one
  // core). `ovpnd --dco-only --pin on` for a dedicated machine.
  bool pin_threads = false;
  int socket_buffer = 4 << 20;  // SO_RCVBUF / SO_SNDBUF per socket
  // The last packet id a key may use before it stops (tests lower it to reach exhaustion).
  uint64_t packet_id_last = proto::kPacketIdLast32;
  uint32_t housekeeping_ms = 200;  // how often keepalive runs
  uint16_t max_mss = 0;            // MSS clamping of TCP SYNs, both ways (0: off)
  bool udp_offload = true;         // UDP GSO on send, GRO on receive, where the kernel has them
  bool tun_offload = true;  // TUN TSO, USO and checksum offload (virtio-net header), likewise
  uint32_t tx_queue_len = io::kDefaultTxQueueLen;  // the TUN's txqueuelen (io/tun.h)
  // Multi-peer: a peer's packet for another peer (its VPN address or iroute) is sealed for that
  // peer by the shard that opened it, never seen by the host; without it, such packets are
  // dropped (Drop::kClientToClient), whatever the host's forwarding says.
  bool client_to_client = false;
  // One peer's crypto on more than one core: a shard with a large batch (a receive's
  // datagrams, a run of packets for one peer) shares its seal/open work with the other shards,
  // idle ones woken for it, and delivers in the original order (crypto_fanout.h). Needs >= 2
  // shards. Off unless asked for (tests); the daemons use kFanoutDefault.
  bool fanout = false;
};

// What the daemons and `ovpnd --dco-only` use: off, because fan-out pays only where a core is
// spare. Measured on the 2-core machine, where both tunnel ends and both iperf3s share
// the cores (bench/tunnel/run.sh, TCP 1 stream, unpinned shards, 6 interleaved runs): with
// fan-out 5.3-5.8 Gbit/s at 2.1-2.3 VPN CPU s/GB, without 5.9-6.4 at 1.9-2.0. It gained (4.8 ->
// 6.1 Gbit/s) only with pinned shards where both ends' busy shards sat on one core, which the
// unpinned default avoids. Where the second core is free (bench/micro/data_path_bench.cc,
// fanout/*, 64 x 1400 B, AES-256-GCM, packets/s): seal 1.84 M alone, 2.30 M with an idle helper
// woken per job, 3.14 M with a helper already awake; open 1.81 M, 1.67 M, 2.72 M (waking a
// sleeping helper costs this VM more than it saves on open). `--fanout on` for a machine with
// spare, busy-enough cores and one heavy peer.
inline constexpr bool kFanoutDefault = false;

class EngineDco final : public dco::Dco {
 public:
  // Opens the device and sockets and starts the threads. Thread: control.
  static Expected<std::unique_ptr<EngineDco>> start(const EngineOptions& options);
  ~EngineDco() override;

  const std::string& ifname() const noexcept { return ctx_.tun->name(); }
  int ifindex() const noexcept { return ctx_.tun->ifindex(); }
  const Endpoint& local_endpoint() const noexcept { return ctx_.local; }
  size_t shards() const noexcept { return ctx_.shards; }
  // Whether the TUN took UDP segmentation offload (io::TunDevice::uso()). Thread: any.
  bool tun_uso() const noexcept { return ctx_.tun->uso(); }

  dco::Mode mode() const noexcept override { return options_.mode; }
  Status peer_new(dco::PeerConfig config) override;
  Status peer_set(const dco::PeerUpdate& update) override;
  Expected<dco::PeerInfo> peer_get(PeerId id) const override;
  std::vector<dco::PeerInfo> peer_get_all() const override;
  Status peer_del(PeerId id) override;
  Status key_new(dco::KeyConfig key) override;
  Expected<dco::KeyInfo> key_get(PeerId peer, dco::KeySlot slot) const override;
  Status key_swap(PeerId peer) override;
  Status key_del(PeerId peer, dco::KeySlot slot) override;
  Status send_control(const dco::ControlTarget& target, std::span<const uint8_t> bytes) override;
  DropCounts device_drops() const override;
  // The offloads in use (fixed at start) and the counters below, in the API's terms.
  // Thread: any (it reads only what start() fixed and the shards' counters).
  Expected<dco::EngineInfo> engine_get() const override;
  // What the TUN offloads did so far, summed over the shards. Thread: any.
  OffloadStats offload_stats() const;
  // What the crypto fan-out did (all zero when it is off). Thread: any.
  FanoutStats fanout_stats() const { return ctx_.fanout ? ctx_.fanout->stats() : FanoutStats{}; }
  int notification_fd() const noexcept override { return ctx_.notifications->fd(); }
  size_t read_notifications(std::vector<dco::Notification>& out, size_t max) override;

 private:
  explicit EngineDco(const EngineOptions& options) : options_(options) {}
  // Thread: control or housekeeping, with model_mu_ held.
  void publish();
  void remove_locked(PeerId id, dco::DeleteReason reason);
  dco::PeerInfo info_locked(const PeerEntry& entry) const;
  PeerEntry* find_locked(PeerId id);
  const PeerEntry* find_locked(PeerId id) const;
  // Thread: housekeeping.
  void housekeeping_loop();
  void keepalive_round(uint64_t now_ms);
  Status send_udp(const Endpoint& to, const std::optional<IpAddress>& from,
                  std::span<const uint8_t> bytes);

  EngineOptions options_;
  EngineContext ctx_;
  std::vector<std::unique_ptr<Shard>> shards_;

  mutable std::mutex model_mu_;  // guards model_ and the publication of ctx_.table
  std::map<PeerId, PeerEntry> model_;
  uint32_t link_serial_ = 0;  // TCP links made so far (their epoll tags)

  std::mutex send_mu_;  // guards control_batch_ (control and housekeeping send through it)
  io::UdpBatch control_batch_{8};

  std::thread housekeeping_;
  std::mutex stop_mu_;  // guards stopping_
  std::condition_variable stop_cv_;
  bool stopping_ = false;
  bool kicked_ = false;  // a shard asked for a round now (a TCP link failed)
};

}  // namespace ovpn::engine
