#pragma once
// Fork-join fan-out of one batch's per-packet crypto over the engine's shards, so that one
// heavy peer (whose UDP flow always lands on one shard's socket) uses more than one core, with
// delivery order kept, as WireGuard and the Windows DCO driver do:
//
//   1. The owner (a shard with a large batch of independent items: a run of packets to seal
//      for one peer, or the datagrams of a receive to open) publishes a job in its own slot: a
//      function over a range of items, the item count and a chunk size. Shards known to be
//      idle (in epoll_wait) are woken through their eventfd; busy ones look between rounds
//      (pending(): one relaxed load).
//   2. Owner and helpers claim chunks with a CAS on the slot's claim word (generation, chunk,
//      items, next). Each runs the function on its chunk as ITS OWN participant (its AEAD
//      contexts, its counter blocks), then adds the chunk's items to the slot's `done`.
//   3. The owner, out of chunks, waits only for chunks already claimed (spins briefly, then
//      sleeps on `done`): a helper that never came costs it nothing, and a helper preempted
//      mid-chunk does not keep the owner's core busy.
//   4. The owner then acts on the per-item outcomes in order (TUN writes, sends): the order on
//      TUN and on the wire is the one without fan-out.
//
// A helper reads the job's function only after its CAS on the current generation succeeded,
// and the owner does not reuse the slot before every claimed chunk is done, so a helper never
// sees a half-published or a later job.

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "engine/counters.h"

namespace ovpn::engine {

// What the fan-out did, summed over the participants.
// jobs published, their items, items done by a participant other than the job's owner, idle
// participants woken through their eventfd (as the DCO API reports them).
using FanoutStats = dco::FanoutCounters;

class CryptoFanout {
 public:
  // The work of a job: items [begin, end), run by participant `who`. Never blocks.
  using WorkFn = void (*)(void* arg, size_t who, size_t begin, size_t end) noexcept;
  // The claim word holds the item count in 16 bits and the chunk size in 8.
  static constexpr size_t kMaxItems = 0xffff;
  static constexpr size_t kMaxChunk = 0xff;

  // Thread: control. One participant per shard.
  explicit CryptoFanout(size_t participants);
  CryptoFanout(const CryptoFanout&) = delete;
  CryptoFanout& operator=(const CryptoFanout&) = delete;

  // Thread: any.
  size_t participants() const noexcept { return slots_.size(); }

  // Where participant `who` is woken while idle: its eventfd (-1: never woken, it only looks
  // between rounds). Thread: control, before the participants start.
  void set_wake_fd(size_t who, int fd) noexcept { slots_[who].wake_fd = fd; }

  // Runs `fn(arg, who, begin, end)` over [0, items) in chunks of `chunk` items (1..kMaxChunk),
  // helped by whoever comes (more than kMaxItems: by the owner alone); returns when every item
  // is done, the helpers' writes visible. Thread: participant `owner`, never while it helps.
  void run(size_t owner, size_t items, size_t chunk, WorkFn fn, void* arg) noexcept;
  template <class F>
  void run(size_t owner, size_t items, size_t chunk, F& f) noexcept {
    run(
        owner, items, chunk,
        [](void* a, size_t who, size_t begin, size_t end) noexcept {
          (*static_cast<F*>(a))(who, begin, end);
        },
        &f);
  }

  // Whether some job may be open (a hint: help() finds out). Thread: any.
  bool pending() const noexcept { return open_jobs_.load(std::memory_order_relaxed) != 0; }
  // Takes chunks of the other participants' open jobs until none is left; the items it did.
  // Thread: participant `who`, between its own rounds.
  size_t help(size_t who) noexcept;

  // Around a participant's epoll_wait: while idle it is woken by a new job. going_idle() is
  // false when a job is already open (then help() instead of sleeping). Thread: participant
  // `who`.
  bool going_idle(size_t who) noexcept;
  void awake(size_t who) noexcept { slots_[who].idle.store(false, std::memory_order_relaxed); }

  // Thread: any.
  FanoutStats stats() const noexcept;

 private:
  struct alignas(64) Slot {
    // The owner's job: (generation << 40) | (chunk << 32) | (items << 16) | next.
    std::atomic<uint64_t> claim{0};
    std::atomic<uint32_t> done{0};     // items finished by helpers
    std::atomic<uint32_t> waiting{0};  // the owner sleeps on `done`: helpers notify
    WorkFn fn = nullptr;               // written before `claim` publishes the job
    void* arg = nullptr;
    uint64_t generation = 0;  // the owner's own
    alignas(64) std::atomic<bool> idle{false};
    int wake_fd = -1;
    // This participant's counters (single writer).
    Counter jobs, items, helped_items, wakes;
  };

  // Claims the next chunk of `slot`'s job: false when none is left (or the job ended).
  static bool claim(Slot& slot, size_t& begin, size_t& end) noexcept;
  // A helper's chunk is done: adds it to `done`, wakes the owner if it sleeps.
  static void finish(Slot& slot, size_t count) noexcept;
  // Wakes the idle participants other than `owner`.
  void wake_idle(size_t owner) noexcept;
  // Returns once the helpers finished `target` items of the owner's job.
  static void wait_done(Slot& slot, uint32_t target) noexcept;

  std::vector<Slot> slots_;
  alignas(64) std::atomic<uint32_t> open_jobs_{0};
};

}  // namespace ovpn::engine
