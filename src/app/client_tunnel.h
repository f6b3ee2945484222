#pragma once
// The system side of the client's tunnel for one connection, in OpenVPN's order: MTU and
// addresses, the up script, the routes, the route-up script; and back: route-pre-down, the
// routes and addresses removed (exactly what was added, net_setup.h), the down script.
// persist-tun keeps everything in place across a reconnect when the new connection brings the
// same plan.
//
// Thread: control (main).

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "app/net_plan.h"
#include "app/net_setup.h"
#include "app/script_env.h"
#include "common/ip_address.h"
#include "common/result.h"
#include "config/client_options.h"
#include "config/pushed_options.h"
#include "io/netlink.h"

namespace ovpn::app {

struct TunnelConnection {
  const config::PushedOptions* pushed = nullptr;
  size_t connection_index = 0;
  Endpoint server;
  std::optional<uint32_t> peer_id;
  std::string username;
};

class ClientTunnel {
 public:
  ClientTunnel(const config::ClientOptions& options, std::string config_path, int ifindex,
               std::string ifname);
  ~ClientTunnel();
  ClientTunnel(const ClientTunnel&) = delete;
  ClientTunnel& operator=(const ClientTunnel&) = delete;

  // Brings the tunnel up for a new connection. With persist-tun and the same plan as the one
  // in place, nothing changes. On failure, what this call added is removed again.
  Status up(const TunnelConnection& connection);
  // Takes it down: `signal` is the down script's `signal` ("sigterm", "sigusr1",
  // "ping-restart", ...); `reconnecting` with persist-tun keeps it up.
  void down(const std::string& signal, bool reconnecting);
  bool is_up() const noexcept { return up_; }

 private:
  Expected<NetPlan> plan(const TunnelConnection& connection);
  void fill_script_input(const NetPlan& plan, const TunnelConnection& connection);
  Status run_hook(ScriptType type, const std::string& command);

  const config::ClientOptions& options_;
  std::string config_path_;
  int ifindex_;
  std::string ifname_;
  std::unique_ptr<io::NetlinkSocket> netlink_;
  std::unique_ptr<NetlinkOps> ops_;
  std::unique_ptr<NetSetup> addresses_;  // MTU, link up, addresses
  std::unique_ptr<NetSetup> routes_;
  std::optional<NetPlan> applied_;
  config::PushedOptions pushed_;  // of the connection in place (the scripts read it)
  ScriptEnvInput script_input_;
  bool up_ = false;
  bool ever_up_ = false;  // the scripts' script_context: init, then restart
};

}  // namespace ovpn::app
