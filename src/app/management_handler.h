#pragma once
// What the management interface asks of the server daemon: the daemon implements Handler, the
// management socket (management_server.h) calls it for the commands it reads.
//
// Client ids are the daemon's peer ids, as its status lists them ("Client ID").

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "app/management_command.h"
#include "common/ip_address.h"

namespace ovpn::app::management {

// One connected client's traffic: bytes from it (in) and to it (out), on the wire.
struct ClientBytes {
  uint32_t client_id = 0;
  uint64_t bytes_in = 0;
  uint64_t bytes_out = 0;
};

class Handler {
 public:
  virtual ~Handler() = default;

  // Thread: main, as every member.
  // The status in OpenVPN's format `version` (1, 2 or 3), one line each, "END" last.
  virtual std::vector<std::string> status_lines(uint32_t version) = 0;
  // Every connected (established) client.
  virtual std::vector<ClientBytes> client_bytes() = 0;
  // Disconnect: each client found is told RESTART, as OpenVPN's kill does (client-kill: its
  // `notice`, e.g. HALT), and its state is freed. They return how many clients were killed.
  virtual size_t kill_by_common_name(std::string_view common_name) = 0;
  virtual size_t kill_by_address(const Endpoint& remote, LinkProto proto) = 0;
  virtual size_t kill_by_client_id(uint32_t client_id, std::string_view notice) = 0;
  // As if the daemon had received `signo` (SIGHUP, SIGTERM, SIGUSR1, SIGUSR2).
  virtual void raise_signal(int signo) = 0;
};

}  // namespace ovpn::app::management
