#pragma once
// How the control thread hands a new PeerTable to the shards: RCU in spirit. The writer swaps
// the table under a mutex and bumps a version; each reader keeps its own reference and checks
// the version once per round, a plain load of a line nobody writes between publications. Only
// when it changed does the reader take the mutex to copy the new reference. A round therefore
// touches no shared cache line for writing, unlike std::atomic<std::shared_ptr> (which locks
// on every load in libstdc++, and whose lock TSan cannot see through).
//
// A reader drops its old table at its next round, so what only an old table still holds (a
// deleted peer's state, a closed TCP link's descriptor) lives until every shard has moved on.

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>

#include "engine/peer_table.h"

namespace ovpn::engine {

class PublishedTable {
 public:
  // One reader's view. Thread: that reader only.
  class Reader {
   public:
    // The newest table, fetched only when it changed.
    const PeerTable& current(const PublishedTable& from) {
      if (from.version_.load(std::memory_order_acquire) != version_) {
        std::lock_guard<std::mutex> lock(from.mu_);
        table_ = from.table_;
        version_ = from.version_.load(std::memory_order_relaxed);
      }
      return *table_;
    }

   private:
    std::shared_ptr<const PeerTable> table_;
    uint64_t version_ = 0;  // never a published version: the first call always fetches
  };

  // Thread: control (one writer at a time: EngineDco's model lock).
  void publish(std::shared_ptr<const PeerTable> table) {
    std::lock_guard<std::mutex> lock(mu_);
    table_ = std::move(table);
    version_.fetch_add(1, std::memory_order_release);
  }

 private:
  mutable std::mutex mu_;  // guards table_
  std::shared_ptr<const PeerTable> table_;
  alignas(64) std::atomic<uint64_t> version_{0};
};

}  // namespace ovpn::engine
