#pragma once
// What the shards and the housekeeping thread of one engine share: the published peer table,
// the TUN device, the notification queue, the per-shard counters of drops that belong to no
// peer and of the TUN offloads, and the crypto fan-out. Owned by EngineDco; outlives every
// thread that reads it.

#include <atomic>
#include <functional>
#include <memory>
#include <optional>
#include <vector>

#include "dco/notification_queue.h"
#include "engine/counters.h"
#include "engine/crypto_fanout.h"
#include "engine/peer_table.h"
#include "engine/published_table.h"
#include "io/tun.h"
#include "io/udp_socket.h"

namespace ovpn::engine {

struct EngineContext {
  size_t shards = 1;
  std::optional<io::TunDevice> tun;    // set once at start
  std::vector<io::UdpSocket> sockets;  // one per shard, same port (SO_REUSEPORT)
  Endpoint local;                      // the sockets' bound address and port
  std::unique_ptr<dco::NotificationQueue> notifications;
  std::vector<ShardCounters> unattributed;  // shards + 1 blocks (the last: housekeeping)
  std::vector<OffloadCounters> offload;     // one block per shard
  // The shards' crypto fan-out: set at start when enabled with >= 2 shards, null otherwise.
  std::unique_ptr<CryptoFanout> fanout;

  // Wakes the housekeeping thread at once (a TCP link failed: its peer is to be deleted).
  // Set before the threads start. Thread: any.
  std::function<void()> kick_housekeeping;

  // Thread: control publishes; each shard reads through its own PublishedTable::Reader once
  // per round.
  PublishedTable table;
};

}  // namespace ovpn::engine
