#pragma once
// Logging: one Logger per component, printf-style (checked by the compiler), levels, and a
// rate limit for anything on the per-packet path. Counters come first (DESIGN 5); a log line
// on the hot path is debug level and rate limited. Key material is never logged.
//
//   constexpr Logger kLog{"engine.rx"};
//   OVPN_LOG(kLog, LogLevel::kInfo, "peer %u (%s) floated", id, addr);
//   OVPN_LOG_RATELIMITED(kLog, LogLevel::kDebug, "bad tag from peer %u", id);

#include <atomic>
#include <cstdint>
#include <string_view>

namespace ovpn {

enum class LogLevel : uint8_t { kError = 0, kWarn = 1, kInfo = 2, kDebug = 3, kTrace = 4 };

// Thread: any.
void set_log_level(LogLevel level) noexcept;
LogLevel log_level() noexcept;
const char* log_level_name(LogLevel level) noexcept;

// Where finished lines go (default: stderr). A sink receives the whole line without newline.
// Thread: set before other threads start; called from any thread.
using LogSink = void (*)(LogLevel level, std::string_view component, std::string_view message);
void set_log_sink(LogSink sink) noexcept;

class Logger {
 public:
  constexpr explicit Logger(const char* component) noexcept : component_(component) {}
  bool enabled(LogLevel level) const noexcept { return level <= log_level(); }
  // Thread: any.
  void log(LogLevel level, const char* format, ...) const noexcept
      __attribute__((format(printf, 3, 4)));
  const char* component() const noexcept { return component_; }

 private:
  const char* component_;
};

// At most `burst` events per `interval_ms`; the rest are counted as suppressed and the count is
// reported with the next allowed event. Approximate under races, never blocking.
// Thread: any.
class RateLimit {
 public:
  constexpr RateLimit(uint32_t burst = 10, uint64_t interval_ms = 5000) noexcept
      : burst_(burst), interval_ms_(interval_ms) {}
  bool allow(uint64_t now_ms) noexcept;
  // Events suppressed since the last call; resets the count.
  uint64_t take_suppressed() noexcept { return suppressed_.exchange(0, std::memory_order_relaxed); }

 private:
  uint32_t burst_;
  uint64_t interval_ms_;
  std::atomic<uint64_t> window_start_ms_{0};
  std::atomic<uint32_t> in_window_{0};
  std::atomic<uint64_t> suppressed_{0};
};

// Thread: any. Logs through `limit`, appending "(N similar lines suppressed)" when some were.
void log_rate_limited(const Logger& logger, RateLimit& limit, LogLevel level, const char* format,
                      ...) noexcept __attribute__((format(printf, 4, 5)));

}  // namespace ovpn

#define OVPN_LOG(logger, level, ...)                               \
  do {                                                             \
    if ((logger).enabled(level)) (logger).log(level, __VA_ARGS__); \
  } while (0)

#define OVPN_LOG_RATELIMITED(logger, level, ...)                                \
  do {                                                                          \
    if ((logger).enabled(level)) {                                              \
      static ::ovpn::RateLimit ovpn_rate_limit_;                                \
      ::ovpn::log_rate_limited((logger), ovpn_rate_limit_, level, __VA_ARGS__); \
    }                                                                           \
  } while (0)
