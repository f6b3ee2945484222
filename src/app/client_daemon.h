#pragma once
// `ovpnd --config client.conf`: the OpenVPN client daemon.
//
// One engine (the tun device and the UDP socket) lives for the whole run; connection attempts
// come and go over it:
//
//   wait      the reconnect pause (ReconnectPolicy), then resolve the next remote;
//   connect   TCP only: a non-blocking connect, then the handshake over TcpHandshakeDco;
//   session   a control::ClientSession over the engine (UDP) or the TCP socket, fed with the
//             engine's notifications (control packets from the server's address only);
//   up        on Connected: addresses, MTU and routes (NetPlan, NetSetup), the up and route-up
//             scripts, "Initialization Sequence Completed";
//   down      on Restart / AUTH_FAILED / HALT / a signal: the peer goes, the down script runs and
//             the network changes are undone (kept with persist-tun while reconnecting).
//
// Signals (signalfd): SIGTERM and SIGINT exit (with the exit notification when connected; a
// second one exits at once), SIGUSR1 and SIGHUP reconnect, SIGUSR2 logs the status.
//
// Thread: main. The engine's shards are the only other threads.

#include <cstddef>
#include <string>

#include "config/client_options.h"

namespace ovpn::app {

struct ClientRunSettings {
  std::string config_path;  // for the scripts' `config` variable
  size_t threads = 0;       // engine shards; 0: one per core
  bool udp_offload = true;
  bool tun_offload = true;
};

// Runs the client until it exits; returns the process exit status (0 after SIGTERM/SIGINT or
// HALT, 1 after AUTH_FAILED without auth-retry, connect-retry-max, or a setup error).
// Thread: main.
int run_client(const config::ClientOptions& options, const ClientRunSettings& settings);

}  // namespace ovpn::app
