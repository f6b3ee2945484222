#pragma once
// The client's status, as OpenVPN prints it on SIGUSR2 and writes it to the --status file
// ("OpenVPN STATISTICS", then "Updated,", the byte counters and "END"), so that tools that read
// a stock client's status file read ours.
//
// Thread: control.

#include <string>
#include <vector>

#include "common/result.h"
#include "dco/dco.h"

namespace ovpn::app {

struct ClientStatus {
  bool connected = false;
  std::string remote;    // "10.0.0.1:1194"; "" when not connected
  dco::PeerStats stats;  // zero when there is no peer
};

// The lines, without newlines. Thread: any (pure apart from the wall clock in "Updated").
std::vector<std::string> status_lines(const ClientStatus& status);
// Replaces `path` with the status (written to a temporary file, then renamed).
Status write_status_file(const std::string& path, const ClientStatus& status);

}  // namespace ovpn::app
