#pragma once
// NetPlan: what the client daemon does to the system's network once the tunnel is up -- the
// tun device's MTU and addresses, and the routes -- computed from the configuration, the
// server's PUSH_REPLY and a few facts the daemon looked up. Pure: nothing here touches the
// system, so every decision is testable without root. net_setup.h applies a plan.
//
// The rules are OpenVPN 2.6's on Linux:
//  * topology subnet: `ifconfig ADDR NETMASK` is ADDR/prefix; net30 and p2p: `ifconfig LOCAL
//    REMOTE` is LOCAL/32 with REMOTE as the point-to-point peer. ifconfig-ipv6 ADDR/BITS.
//  * route NET MASK GW METRIC: GW defaults to vpn_gateway (route-gateway, else the pushed
//    route-gateway, else the net30/p2p remote); the keywords vpn_gateway, net_gateway (the
//    gateway the system used to reach the server before the tunnel) and remote_host (the
//    server) stand for addresses; METRIC defaults to route-metric. A route whose gateway or
//    network cannot be resolved is skipped with a warning, as OpenVPN does.
//  * redirect-gateway: a host route to each server through its pre-tunnel gateway (unless
//    `local`, or the server is on a local link), then 0.0.0.0/1 and 128.0.0.0/1 through the
//    VPN. Without def1 OpenVPN deletes and re-adds the default route; ovpnd never touches the
//    default route and installs the def1 pair instead (same effect, nothing to restore if the
//    daemon dies), with a warning. `ipv6`: ::/3, 2000::/4, 3000::/4, fc00::/7 through the
//    tunnel, and a host route to an IPv6 server. `!ipv4` leaves IPv4 alone. redirect-private
//    adds the server routes only. bypass-dns adds host routes to the pushed IPv4 DNS servers
//    through net_gateway.
//  * Not done, with a warning: block-local (not supported yet), bypass-dhcp (no meaning on
//    Linux), route-delay (routes are added at once), route-gateway dhcp, host names in routes
//    (the daemon does not resolve them yet).

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/ip_address.h"
#include "common/result.h"
#include "config/client_options.h"
#include "config/pushed_options.h"
#include "io/netlink.h"

namespace ovpn::app {

// One address of a server the client connected to, with the kernel's route to it as found
// before the tunnel is up (io::NetlinkSocket::route_get); none when the lookup failed.
struct ServerPath {
  IpAddress address;
  std::optional<io::RouteLookup> route;
};

// What the daemon knows that the options do not say.
struct NetFacts {
  int tun_ifindex = 0;
  std::string tun_name;         // for messages
  size_t connection_index = 0;  // the <connection> / remote in use (its tun-mtu)
  std::vector<ServerPath> servers;
  // net_gateway: the pre-tunnel route to the server of that family (OpenVPN 2.6 looks up the
  // route to the remote host), or to a public address when the server is of the other family.
  std::optional<io::RouteLookup> net_gateway4;
  std::optional<io::RouteLookup> net_gateway6;
};

// An interface address; `peer` for a point-to-point (net30/p2p) IPv4 address.
struct PlannedAddress {
  IpAddress address;
  uint8_t prefix_len = 0;
  std::optional<IpAddress> peer;
  bool operator==(const PlannedAddress&) const = default;
};

struct NetPlan {
  int ifindex = 0;  // the tun device
  uint32_t mtu = 1500;
  std::vector<PlannedAddress> addresses;  // IPv4 first
  std::vector<io::Route> routes;          // in the order to add them (host routes first)
  std::vector<std::string> warnings;      // what was skipped or changed, for the log
};

// Fails (Errc::kInvalidArgument) only when the tunnel cannot be set up at all: no tun device,
// a bad connection index, an unknown topology, or a malformed ifconfig / ifconfig-ipv6.
// Thread: any (pure).
Expected<NetPlan> make_net_plan(const config::ClientOptions& options,
                                const config::PushedOptions& pushed, const NetFacts& facts);

// The prefix length of a contiguous IPv4 netmask ("255.255.255.0" -> 24); none otherwise.
// Thread: any.
std::optional<uint8_t> netmask_prefix_len(const IpAddress& netmask);

}  // namespace ovpn::app
