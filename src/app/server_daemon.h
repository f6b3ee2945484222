#pragma once
// `ovpnd --config server.conf`: the OpenVPN server daemon. One engine in multi-peer mode (the
// tun device and the UDP socket), every client a peer in it and a control::ServerSession here:
//
//   UDP   a packet from an unknown address goes to the stateless HMAC-cookie handshake
//         (no state until the cookie comes back), rate-limited by the HandshakeLimiter; the
//         client that returns it gets a peer id and a session;
//   TCP   an accepted connection's frames are read here until the session's peer_new() hands
//         the socket to the engine (TcpHandshakeDco), as on the client;
//   auth  certificate (TLS), auth-user-pass-verify (via-file / via-env), duplicate-cn,
//         client-config-dir (ifconfig-push, iroutes, push edits, disable, ccd-exclusive), a pool
//         lease, then the grant: the client's pushes and addresses;
//   end   the session's end (EXIT, expiry, TCP close, kill) frees the peer id, the lease and the
//         handshake slot.
//
// Signals: SIGTERM/SIGINT exit (clients told RESTART with explicit-exit-notify), SIGHUP/SIGUSR1
// restart (the configuration is read again), SIGUSR2 logs the status.
//
// Thread: main. The engine's shards are the only other threads.

#include <cstddef>
#include <memory>
#include <string>

#include "config/server_options.h"

namespace ovpn::app {

namespace management {
class Server;
}

// What outlives one run of the server, kept across SIGHUP/SIGUSR1 restarts as OpenVPN keeps it:
// the management interface (its connections stay; its socket is not bound again after `user`
// and `group` have given up the rights to). A run with other management options replaces it.
struct ServerPersistent {
  ServerPersistent();
  ~ServerPersistent();
  std::unique_ptr<management::Server> management;
};

struct ServerRunSettings {
  std::string config_path;
  size_t threads = 0;
  bool udp_offload = true;
  bool tun_offload = true;
};

// What ended a run: an exit status, or a restart that re-reads the configuration.
struct ServerRunResult {
  int status = 0;
  bool restart = false;
};

// Thread: main.
ServerRunResult run_server(const config::ServerOptions& options, const ServerRunSettings& settings,
                           ServerPersistent& persistent);

}  // namespace ovpn::app
