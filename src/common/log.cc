#include "common/log.h"

#include <cstdarg>
#include <cstdio>
#include <ctime>

#include "common/clock.h"

namespace ovpn {
namespace {

std::atomic<LogLevel> g_level{LogLevel::kInfo};

void stderr_sink(LogLevel level, std::string_view component, std::string_view message) {
  timespec ts{};
  clock_gettime(CLOCK_REALTIME, &ts);
  tm parts{};
  localtime_r(&ts.tv_sec, &parts);
  char stamp[32];
  strftime(stamp, sizeof stamp, "%Y-%m-%d %H:%M:%S", &parts);
  std::fprintf(stderr, "%s.%03ld %s %.*s: %.*s\n", stamp, ts.tv_nsec / 1000000,
               log_level_name(level), static_cast<int>(component.size()), component.data(),
               static_cast<int>(message.size()), message.data());
}

std::atomic<LogSink> g_sink{&stderr_sink};

void emit(const Logger& logger, LogLevel level, const char* format, va_list args,
          uint64_t suppressed) {
  char line[1024];
  int n = std::vsnprintf(line, sizeof line, format, args);
  if (n < 0) return;
  size_t len = static_cast<size_t>(n) < sizeof line ? static_cast<size_t>(n) : sizeof line - 1;
  if (suppressed > 0 && len < sizeof line - 1) {
    const int m = std::snprintf(line + len, sizeof line - len, " (%llu similar lines suppressed)",
                                static_cast<unsigned long long>(suppressed));
    if (m > 0)
      len = len + static_cast<size_t>(m) < sizeof line ? len + static_cast<size_t>(m)
                                                       : sizeof line - 1;
  }
  g_sink.load(std::memory_order_acquire)(level, logger.component(), std::string_view(line, len));
}

}  // namespace

void set_log_level(LogLevel level) noexcept { g_level.store(level, std::memory_order_relaxed); }
LogLevel log_level() noexcept { return g_level.load(std::memory_order_relaxed); }

const char* log_level_name(LogLevel level) noexcept {
  switch (level) {
    case LogLevel::kError:
      return "ERROR";
    case LogLevel::kWarn:
      return "WARN";
    case LogLevel::kInfo:
      return "INFO";
    case LogLevel::kDebug:
      return "DEBUG";
    case LogLevel::kTrace:
      return "TRACE";
  }
  return "?";
}

void set_log_sink(LogSink sink) noexcept {
  g_sink.store(sink != nullptr ? sink : &stderr_sink, std::memory_order_release);
}

void Logger::log(LogLevel level, const char* format, ...) const noexcept {
  va_list args;
  va_start(args, format);
  emit(*this, level, format, args, 0);
  va_end(args);
}

bool RateLimit::allow(uint64_t now_ms) noexcept {
  uint64_t start = window_start_ms_.load(std::memory_order_relaxed);
  if (now_ms >= start + interval_ms_) {
    // A new window; if two threads race here, one of them wins and both proceed.
    if (window_start_ms_.compare_exchange_strong(start, now_ms, std::memory_order_relaxed)) {
      in_window_.store(0, std::memory_order_relaxed);
    }
  }
  if (in_window_.fetch_add(1, std::memory_order_relaxed) < burst_) return true;
  suppressed_.fetch_add(1, std::memory_order_relaxed);
  return false;
}

void log_rate_limited(const Logger& logger, RateLimit& limit, LogLevel level, const char* format,
                      ...) noexcept {
  if (!limit.allow(monotonic_ms())) return;
  va_list args;
  va_start(args, format);
  emit(logger, level, format, args, limit.take_suppressed());
  va_end(args);
}

}  // namespace ovpn
