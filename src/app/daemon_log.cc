#include "app/daemon_log.h"

#include <fcntl.h>
#include <unistd.h>

#include <cstdio>
#include <ctime>
#include <mutex>

#include "io/io_result.h"

namespace ovpn::app {
namespace {

struct SinkState {
  std::mutex mutex;
  FILE* out = stdout;
  uint32_t mute = 0;
  bool timestamps = true;
  std::string last_component;
  uint32_t repeats = 0;     // consecutive lines of last_component
  uint64_t suppressed = 0;  // of them, not written
};

SinkState& state() {
  static SinkState s;
  return s;
}

void write_line(SinkState& s, std::string_view message) {
  if (s.timestamps) {
    const time_t now = ::time(nullptr);
    tm parts{};
    localtime_r(&now, &parts);
    char stamp[32];
    strftime(stamp, sizeof stamp, "%Y-%m-%d %H:%M:%S ", &parts);
    std::fputs(stamp, s.out);
  }
  std::fwrite(message.data(), 1, message.size(), s.out);
  std::fputc('\n', s.out);
}

void daemon_sink(LogLevel level, std::string_view component, std::string_view message) {
  SinkState& s = state();
  std::lock_guard lock(s.mutex);
  if (s.mute != 0) {
    if (component == s.last_component) {
      if (++s.repeats > s.mute) {
        ++s.suppressed;
        return;
      }
    } else {
      if (s.suppressed > 0) {
        write_line(s, std::to_string(s.suppressed) + " variation(s) on previous " +
                          std::to_string(s.mute) + " message(s) suppressed by --mute");
      }
      s.last_component = component;
      s.repeats = 1;
      s.suppressed = 0;
    }
  }
  // OpenVPN's lines carry no component; ours keep it for everything but the daemon's own and
  // mark problems the way OpenVPN does.
  std::string line;
  if (level == LogLevel::kError) line += "ERROR: ";
  if (level == LogLevel::kWarn) line += "WARNING: ";
  if (component != "ovpnd") {
    line += component;
    line += ": ";
  }
  line += message;
  write_line(s, line);
  std::fflush(s.out);
}

}  // namespace

LogLevel level_for_verb(uint32_t verb) noexcept {
  if (verb == 0) return LogLevel::kError;
  if (verb <= 3) return LogLevel::kInfo;
  if (verb == 4) return LogLevel::kDebug;
  return LogLevel::kTrace;
}

Status configure_daemon_log(const DaemonLogSettings& settings) {
  SinkState& s = state();
  if (!settings.file.empty()) {
    const int flags = O_WRONLY | O_CREAT | O_CLOEXEC | (settings.append ? O_APPEND : O_TRUNC);
    const int fd = ::open(settings.file.c_str(), flags, 0600);
    if (fd < 0)
      return io::errno_error(errno, settings.append ? "log-append" : "log", settings.file);
    FILE* f = ::fdopen(fd, settings.append ? "a" : "w");
    if (f == nullptr) {
      ::close(fd);
      return io::errno_error(errno, "fdopen", settings.file);
    }
    s.out = f;
  }
  s.mute = settings.mute;
  s.timestamps = settings.timestamps;
  set_log_level(level_for_verb(settings.verb));
  set_log_sink(&daemon_sink);
  return {};
}

}  // namespace ovpn::app
