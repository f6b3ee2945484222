// The server's helper directives, expanded as OpenVPN's helper.c does (see server_options.h):
// server-ipv6, then server, then keepalive, each adding to the push list in that order.

#include "config/ip_math.h"
#include "config/server_handlers.h"

namespace ovpn::config {
namespace {

std::string v4_text(uint32_t number) { return IpAddress::v4(number).to_string(); }

std::string_view topology_name(Topology t) {
  switch (t) {
    case Topology::kNet30:
      return "net30";
    case Topology::kP2p:
      return "p2p";
    case Topology::kSubnet:
      return "subnet";
  }
  return "net30";
}

Status expand_server_ipv6(const Option& given, ServerOptions& o) {
  ServerNetwork& n = o.network;
  if (n.server_nopool) {
    return option_error(given, "cannot be used with server ... nopool (it always sets a pool)");
  }
  if (n.pool_ipv6) {
    return option_error(given,
                        "sets the ifconfig-ipv6-pool itself; remove the ifconfig-ipv6-pool line");
  }
  if (n.ifconfig_ipv6) {
    return option_error(given, "sets ifconfig-ipv6 itself; remove the ifconfig-ipv6 line");
  }
  const IpAddress& net = n.server_ipv6->address;
  const uint8_t bits = n.server_ipv6->length;
  n.ifconfig_ipv6 = Ipv6Ifconfig{v6_add(net, 1), bits, v6_add(net, 2)};
  // Small networks cannot hold the usual offset of 0x1000.
  n.pool_ipv6 = Ipv6Pool{v6_add(net, bits < 112 ? 0x1000 : 2), bits};
  o.push.emplace_back("tun-ipv6");
  return {};
}

Status expand_server(const Option& given, ServerOptions& o, Warnings& warnings) {
  ServerNetwork& n = o.network;
  if (n.pool && !n.server_nopool) {
    return option_error(given,
                        "sets the ifconfig-pool itself; remove the ifconfig-pool line (or use "
                        "server NETWORK NETMASK nopool)");
  }
  if (n.ifconfig) return option_error(given, "sets ifconfig itself; remove the ifconfig line");
  const uint32_t net = v4_number(n.server->address);
  const uint8_t length = n.server->length;
  const IpAddress mask = v4_netmask(length);
  const uint32_t broadcast = net | ~v4_number(mask);
  if (n.topology == Topology::kSubnet) {
    n.ifconfig = Ipv4Ifconfig{IpAddress::v4(net + 1), mask};
    if (!n.server_nopool) {
      n.pool = Ipv4Pool{IpAddress::v4(net + 2), IpAddress::v4(broadcast - 1), mask};
    }
    o.push.push_back("route-gateway " + v4_text(net + 1));
    if (o.tun.route_gateway.empty()) o.tun.route_gateway = v4_text(net + 2);
    n.push_constraint = n.server;
  } else {
    n.ifconfig = Ipv4Ifconfig{IpAddress::v4(net + 1), IpAddress::v4(net + 2)};
    if (!n.server_nopool) {
      const uint32_t end_reserve = length == 29 ? 0 : 4;
      n.pool =
          Ipv4Pool{IpAddress::v4(net + 4), IpAddress::v4(broadcast - end_reserve), std::nullopt};
    }
    o.tun.routes.push_back(Route4{v4_text(net), mask.to_string(), std::nullopt, std::nullopt});
    if (o.clients.client_to_client) {
      o.push.push_back("route " + v4_text(net) + " " + mask.to_string());
    } else if (n.topology == Topology::kNet30) {
      o.push.push_back("route " + v4_text(net + 1));
    }
  }
  o.push.push_back("topology " + std::string(topology_name(n.topology)));
  if (n.topology == Topology::kNet30 && !n.server_nopool) {
    warnings.push_back(describe(given,
                                "topology net30 (OpenVPN 2.6's default) is deprecated for servers "
                                "with an IPv4 pool; prefer topology subnet"));
  }
  return {};
}

Status expand_keepalive(const Option& given, ServerOptions& o) {
  TimerOptions& t = o.timers;
  if (t.ping_s != 0 || t.ping_restart_s || t.ping_exit_s != 0) {
    return option_error(given,
                        "conflicts with ping, ping-restart and ping-exit: use one or the other");
  }
  const auto [ping, restart] = *t.keepalive;
  t.ping_s = ping;
  t.ping_restart_s = 2 * restart;  // the server waits twice as long as its clients
  o.push.push_back("ping " + std::to_string(ping));
  o.push.push_back("ping-restart " + std::to_string(restart));
  return {};
}

}  // namespace

Status expand_server_helpers(const HelperDirectives& given, ServerOptions& o, bool& mode_server,
                             bool& tls_server, Warnings& warnings) {
  if (given.server_ipv6 != nullptr) {
    if (Status s = expand_server_ipv6(*given.server_ipv6, o); !s) return s;
    mode_server = tls_server = true;
  }
  if (given.server != nullptr) {
    if (Status s = expand_server(*given.server, o, warnings); !s) return s;
    mode_server = tls_server = true;
  }
  if (given.keepalive != nullptr) {
    if (Status s = expand_keepalive(*given.keepalive, o); !s) return s;
  }
  return {};
}

}  // namespace ovpn::config
