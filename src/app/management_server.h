#pragma once
// The server daemon's management interface (OpenVPN's management protocol; commands in
// management_command.h, answers in management_reply.h): a listening socket (management_listen.h)
// and at most kMaxConnections management connections, non-blocking, served from the daemon's
// poll loop.
//
//   connect   greeting ">INFO:OpenVPN Management Interface Version 5 ..."; with a password,
//             first "ENTER PASSWORD:" and the password line (compared in constant time):
//             a wrong one is answered "ERROR: bad password" and closes the connection, as does
//             no password within kAuthTimeoutMs;
//   commands  one per line (at most kMaxLine bytes, else the connection closes), answered in
//             order; lines end in "\r\n" as OpenVPN's do;
//   real time >STATE: (state on) as set_state() reports, >BYTECOUNT_CLI (bytecount N) from
//             service() when due.
// A connection that does not read its answers (more than kMaxPending bytes queued) is closed.
//
// Thread: main, as every member.

#include <poll.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "app/management_handler.h"
#include "app/management_listen.h"
#include "app/management_reply.h"
#include "common/result.h"
#include "config/server_options.h"

namespace ovpn::app::management {

inline constexpr size_t kMaxConnections = 8;
inline constexpr size_t kMaxLine = 4096;
inline constexpr size_t kMaxPending = size_t{1} << 20;
inline constexpr uint64_t kAuthTimeoutMs = 30 * 1000;
inline constexpr size_t kMaxStateHistory = 64;
inline constexpr uint64_t kNoTimeout = ~uint64_t{0};

// True when `given` is `expected`, in a time that does not depend on where they differ.
// Thread: any (pure).
bool same_password(std::string_view expected, std::string_view given) noexcept;

class Server {
 public:
  static Expected<std::unique_ptr<Server>> listen(const config::ManagementOptions& options,
                                                  Handler& handler);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  const std::string& where() const noexcept { return listener_.where; }
  const config::ManagementOptions& options() const noexcept { return options_; }
  // The daemon of a new run (the server keeps its management interface across restarts).
  void set_handler(Handler& handler) noexcept { handler_ = &handler; }
  size_t connections() const noexcept { return connections_.size(); }

  // Records the daemon's state and sends it (>STATE:) to the connections that asked for it.
  void set_state(StateEntry entry);

  // Appends the descriptors to poll: the listener, then each connection. service() takes the
  // same entries back (with revents) in the same order, in the same loop turn.
  void add_pollfds(std::vector<pollfd>& fds) const;
  void service(std::span<const pollfd> polled, uint64_t now_ms);
  // When service() has something to do without I/O (bytecount, a password timeout).
  uint64_t next_timeout_ms() const noexcept;

 private:
  struct Connection {
    io::Fd fd;
    std::string in;
    std::string out;
    bool authenticated = false;
    bool closing = false;  // close once `out` is written (or cannot be)
    uint64_t auth_deadline_ms = 0;
    uint64_t bytecount_at_ms = kNoTimeout;
    Settings settings;
  };
  Server(Listener listener, config::ManagementOptions options, Handler& handler)
      : listener_(std::move(listener)),
        options_(std::move(options)),
        password_(options_.password),
        handler_(&handler) {}

  void accept_all(uint64_t now_ms);
  void read_from(Connection& c, uint64_t now_ms);
  void on_line(Connection& c, std::string_view line, uint64_t now_ms);
  void send_lines(Connection& c, const std::vector<std::string>& lines);
  void send_raw(Connection& c, std::string_view bytes);
  static void flush(Connection& c);
  void send_byte_counts(uint64_t now_ms);

  Listener listener_;
  config::ManagementOptions options_;
  std::string password_;  // "": none
  Handler* handler_;
  std::vector<std::unique_ptr<Connection>> connections_;
  std::vector<StateEntry> history_;
  long pid_ = 0;
};

}  // namespace ovpn::app::management
