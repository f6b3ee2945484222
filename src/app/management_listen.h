#pragma once
// The management interface's listening socket. The interface can disconnect clients and read
// their addresses, and speaks clear text, so it listens only where the local root can reach it:
//
//   unix  PATH, created 0600 (under umask 0177, so it is never reachable by others, not even for
//         an instant); a stale socket left at PATH is replaced, a live one (a daemon answers on
//         it) or anything that is not a socket is an error;
//   TCP   127.0.0.0/8 or ::1 only ("localhost": 127.0.0.1), and only with a password (the
//         configuration parser insists on both; checked again here).
//
// Thread: main.

#include <sys/types.h>

#include <string>

#include "common/result.h"
#include "config/server_options.h"
#include "io/fd.h"

namespace ovpn::app::management {

struct Listener {
  io::Fd fd;              // listening, non-blocking
  std::string where;      // for the log: "unix socket /run/x.sock", "127.0.0.1:7505"
  std::string unix_path;  // "" for TCP
  ino_t unix_inode = 0;   // what we bound at unix_path
};

Expected<Listener> listen_management(const config::ManagementOptions& options);

// Removes the unix socket, if `listener` has one and it is still the one we made.
void remove_unix_socket(const Listener& listener);

}  // namespace ovpn::app::management
