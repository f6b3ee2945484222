#include "engine/crypto_fanout.h"

#include <unistd.h>

#include <algorithm>
#include <thread>

namespace ovpn::engine {
namespace {

// The claim word: (generation << 40) | (chunk << 32) | (items << 16) | next.
constexpr uint64_t kNextMask = 0xffff;
constexpr uint64_t kGenerationMask = 0xffffff;
// Spins of the owner before it sleeps on a claimed chunk: a few microseconds, about one chunk.
constexpr int kSpinsBeforeSleep = 256;

void pause() noexcept {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#elif defined(__aarch64__)
  asm volatile("yield");
#endif
}

}  // namespace

CryptoFanout::CryptoFanout(size_t participants) : slots_(participants) {}

bool CryptoFanout::claim(Slot& slot, size_t& begin, size_t& end) noexcept {
  uint64_t word = slot.claim.load(std::memory_order_acquire);
  for (;;) {
    const size_t next = word & kNextMask;
    const size_t items = (word >> 16) & 0xffff;
    const size_t chunk = (word >> 32) & 0xff;
    if (next >= items) return false;
    const size_t last = std::min(next + chunk, items);
    // Succeeds only on the very job whose word was read (the generation is part of it).
    if (slot.claim.compare_exchange_weak(word, (word & ~kNextMask) | last,
                                         std::memory_order_acq_rel, std::memory_order_acquire)) {
      begin = next;
      end = last;
      return true;
    }
  }
}

void CryptoFanout::finish(Slot& slot, size_t count) noexcept {
  // Pairs with wait_done(): either the owner sees the count, or this sees `waiting` (seq_cst
  // on both sides). The slot outlives the job, so a late notify is harmless.
  slot.done.fetch_add(static_cast<uint32_t>(count), std::memory_order_seq_cst);
  if (slot.waiting.load(std::memory_order_seq_cst) != 0) slot.done.notify_all();
}

void CryptoFanout::wait_done(Slot& slot, uint32_t target) noexcept {
  for (int spins = 0; spins < kSpinsBeforeSleep; ++spins) {
    if (slot.done.load(std::memory_order_acquire) >= target) return;
    pause();
  }
  slot.waiting.store(1, std::memory_order_seq_cst);
  for (;;) {
    const uint32_t done = slot.done.load(std::memory_order_seq_cst);
    if (done >= target) break;
    slot.done.wait(done, std::memory_order_acquire);  // futex: the core is free meanwhile
  }
  slot.waiting.store(0, std::memory_order_relaxed);
}

void CryptoFanout::wake_idle(size_t owner) noexcept {
  Slot& me = slots_[owner];
  for (size_t i = 0; i < slots_.size(); ++i) {
    Slot& s = slots_[i];
    if (i == owner || s.wake_fd < 0) continue;
    // Pairs with going_idle(): a participant that went idle after this saw the open job.
    if (!s.idle.exchange(false, std::memory_order_seq_cst)) continue;
    const uint64_t one = 1;
    [[maybe_unused]] const ssize_t n = ::write(s.wake_fd, &one, sizeof one);
    me.wakes.add(1);
  }
}

void CryptoFanout::run(size_t owner, size_t items, size_t chunk, WorkFn fn, void* arg) noexcept {
  if (items == 0) return;
  if (items > kMaxItems) {  // does not fit the claim word: the owner alone
    fn(arg, owner, 0, items);
    return;
  }
  Slot& s = slots_[owner];
  s.fn = fn;
  s.arg = arg;
  s.done.store(0, std::memory_order_relaxed);  // every helper of the last job has finished
  s.generation = (s.generation + 1) & kGenerationMask;
  const uint64_t c = std::clamp<size_t>(chunk, 1, kMaxChunk);
  s.claim.store((s.generation << 40) | (c << 32) | (uint64_t{items} << 16),
                std::memory_order_seq_cst);
  open_jobs_.fetch_add(1, std::memory_order_seq_cst);
  wake_idle(owner);
  size_t own = 0;
  size_t begin = 0;
  size_t end = 0;
  while (claim(s, begin, end)) {
    fn(arg, owner, begin, end);
    own += end - begin;
  }
  open_jobs_.fetch_sub(1, std::memory_order_relaxed);
  if (own < items) wait_done(s, static_cast<uint32_t>(items - own));
  s.jobs.add(1);
  s.items.add(items);
}

size_t CryptoFanout::help(size_t who) noexcept {
  size_t did = 0;
  for (size_t k = 1; k < slots_.size(); ++k) {
    Slot& s = slots_[(who + k) % slots_.size()];
    size_t begin = 0;
    size_t end = 0;
    while (claim(s, begin, end)) {
      s.fn(s.arg, who, begin, end);  // read after the claim: the claimed job's
      finish(s, end - begin);
      did += end - begin;
    }
  }
  if (did != 0) slots_[who].helped_items.add(did);
  return did;
}

bool CryptoFanout::going_idle(size_t who) noexcept {
  Slot& s = slots_[who];
  s.idle.store(true, std::memory_order_seq_cst);
  if (open_jobs_.load(std::memory_order_seq_cst) == 0) return true;
  s.idle.store(false, std::memory_order_relaxed);
  return false;
}

FanoutStats CryptoFanout::stats() const noexcept {
  FanoutStats out;
  for (const Slot& s : slots_) {
    out.jobs += s.jobs.get();
    out.items += s.items.get();
    out.helped_items += s.helped_items.get();
    out.wakes += s.wakes.get();
  }
  return out;
}

}  // namespace ovpn::engine
