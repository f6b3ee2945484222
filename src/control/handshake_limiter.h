#pragma once
// Bounds on a server's handshakes, so that a flood of resets or of half-open TLS sessions can
// neither exhaust memory nor starve the clients that are already connected (issue 5):
//
//   reset replies  connect-freq-initial: stateless replies, N per S seconds overall (default 100
//                  per 10 s, as 2.6), and per source address. A client that completes the
//                  cookie exchange gets its reply token back (2.6: "a successful three-way
//                  handshake only counts against connect-freq").
//   new clients    connect-freq: key states created for new clients, N per S overall (off by
//                  default, as in 2.6), and per source address (off by default).
//   half-open      key states admitted and not yet ACTIVE (or failed, or freed): a cap overall
//                  and per source address. This is the memory bound: every half-open key state
//                  holds a TLS session and its buffers.
//
// Each rate is a token bucket on the caller's millisecond clock: it holds at most N tokens and
// gains N every S seconds, so a burst of N is allowed after a quiet period and N per S is the
// sustained rate. A refused request takes no token. Per-source state is bounded
// (max_sources); buckets that are full again are forgotten, since a new one is the same.
//
// Pure and sans-I/O: no clock is read. Single-threaded (control thread).

#include <array>
#include <cstddef>
#include <cstdint>
#include <map>

#include "common/ip_address.h"
#include "common/result.h"

namespace ovpn::control {

// At most `count` events per `seconds`; 0 in either turns the limit off.
struct RateLimit {
  uint32_t count = 0;
  uint32_t seconds = 0;
  bool enabled() const noexcept { return count > 0 && seconds > 0; }
};

inline constexpr uint32_t kMaxRateCount = 1000000;
inline constexpr uint32_t kMaxRateSeconds = 86400;

struct HandshakeLimits {
  RateLimit reset_replies{100, 10};        // --connect-freq-initial
  RateLimit new_clients{};                 // --connect-freq
  RateLimit source_reset_replies{20, 10};  // per source address
  RateLimit source_new_clients{};          // per source address
  size_t max_half_open = 1024;             // 0: no cap
  size_t max_half_open_per_source = 256;   // 0: no cap
  size_t max_sources = 4096;               // per-source buckets kept (only with a per-source rate)
};

// A token bucket on an injected millisecond clock.
class TokenBucket {
 public:
  TokenBucket() noexcept = default;  // off: always allows
  TokenBucket(RateLimit limit, uint64_t now_ms) noexcept;

  bool enabled() const noexcept { return count_ > 0; }
  // Would take() succeed at `now_ms`? Changes nothing that matters (refills).
  bool available(uint64_t now_ms) noexcept;
  // Takes one token if there is one.
  bool take(uint64_t now_ms) noexcept;
  // Gives one token back (never above the capacity).
  void refund() noexcept;
  // Holds its full capacity at `now_ms` (a forgotten bucket would be the same).
  bool full(uint64_t now_ms) noexcept;
  // Whole tokens held at `now_ms`.
  uint64_t tokens(uint64_t now_ms) noexcept;

 private:
  void refill(uint64_t now_ms) noexcept;

  // One token is period_ms_ units; every millisecond adds count_ units.
  uint64_t count_ = 0;
  uint64_t period_ms_ = 0;
  uint64_t units_ = 0;
  uint64_t last_ms_ = 0;
};

enum class LimitVerdict : uint8_t {
  kAllowed = 0,
  kReplyRate,        // connect-freq-initial
  kClientRate,       // connect-freq
  kSourceRate,       // the source address's rate
  kHalfOpen,         // the cap on half-open handshakes
  kSourceHalfOpen,   // the cap on the source address's half-open handshakes
  kSourceTableFull,  // max_sources addresses are being limited already
  kCount,
};

// Stable lower-case names for counters and logs. Thread: any.
const char* limit_verdict_name(LimitVerdict verdict) noexcept;

struct HandshakeLimiterStats {
  std::array<uint64_t, static_cast<size_t>(LimitVerdict::kCount)> replies{};  // by verdict
  std::array<uint64_t, static_cast<size_t>(LimitVerdict::kCount)> admits{};   // by verdict
  uint64_t done = 0;
  uint64_t unmatched_done = 0;  // handshake_done() for a source with nothing half-open
};

class HandshakeLimiter {
 public:
  // kInvalidArgument for a rate above kMaxRateCount per kMaxRateSeconds, or max_sources 0
  // with a per-source rate on.
  static Expected<HandshakeLimiter> create(const HandshakeLimits& limits, uint64_t now_ms);

  // May a stateless reset reply go to `source` now? Takes its tokens when kAllowed.
  LimitVerdict allow_reply(const IpAddress& source, uint64_t now_ms);
  // May a key state be created for a new client at `source` now? When kAllowed it counts as
  // half-open until handshake_done(source). `after_cookie`: the client came back with the
  // cookie, so the reply tokens it cost are given back.
  LimitVerdict admit(const IpAddress& source, uint64_t now_ms, bool after_cookie);
  // A key state admit() let in reached ACTIVE, failed, or was freed: call once for each.
  void handshake_done(const IpAddress& source) noexcept;

  size_t half_open() const noexcept { return half_open_; }
  size_t half_open(const IpAddress& source) const noexcept;
  size_t tracked_sources() const noexcept { return sources_.size(); }
  const HandshakeLimiterStats& stats() const noexcept { return stats_; }

 private:
  struct Source {
    TokenBucket replies;
    TokenBucket clients;
  };

  explicit HandshakeLimiter(const HandshakeLimits& limits, uint64_t now_ms) noexcept;
  // The source's buckets, made if need be; nullptr when max_sources are tracked and none of
  // them can be forgotten.
  Source* source(const IpAddress& address, uint64_t now_ms);
  void forget_full_sources(uint64_t now_ms);
  LimitVerdict check_reply(const IpAddress& source, uint64_t now_ms);
  LimitVerdict check_admit(const IpAddress& source, uint64_t now_ms, bool after_cookie);

  HandshakeLimits limits_;
  TokenBucket replies_;
  TokenBucket clients_;
  std::map<IpAddress, Source> sources_;
  uint64_t next_sweep_ms_ = 0;  // a full table is swept at most once a second
  size_t half_open_ = 0;
  std::map<IpAddress, size_t> half_open_by_source_;  // no zero counts
  HandshakeLimiterStats stats_;
};

}  // namespace ovpn::control
