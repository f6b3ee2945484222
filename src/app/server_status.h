#pragma once
// The server's status in OpenVPN's formats (status-version 1, 2 and 3), so that dashboards that
// read a stock server's status file read ours: version 1 "OpenVPN CLIENT LIST" with its
// sections, version 2 comma-separated records with HEADER lines, version 3 the same with tabs.
//
// Thread: any (pure apart from the file write).

#include <cstdint>
#include <string>
#include <vector>

#include "common/result.h"

namespace ovpn::app {

struct ServerStatusClient {
  std::string common_name;
  std::string real_address;     // "10.0.0.2:40000"
  std::string virtual_address;  // "" when none
  std::string virtual_ipv6;
  uint64_t bytes_received = 0;
  uint64_t bytes_sent = 0;
  int64_t connected_since = 0;  // unix seconds
  std::string username;         // "" prints UNDEF
  uint32_t client_id = 0;
  uint32_t peer_id = 0;
  std::string cipher;
};

struct ServerStatus {
  std::string title;
  int64_t updated = 0;  // unix seconds
  std::vector<ServerStatusClient> clients;
};

// The lines (without newlines) of `version` (1, 2 or 3; others read as 1).
std::vector<std::string> server_status_lines(const ServerStatus& status, uint32_t version);
// Replaces `path` (a temporary file renamed over it).
Status write_server_status_file(const std::string& path, const ServerStatus& status,
                                uint32_t version);

}  // namespace ovpn::app
