// make_net_plan(): OpenVPN 2.6's Linux route and ifconfig rules, as a pure function (net_plan.h).

#include "app/net_plan.h"

#include <algorithm>
#include <array>
#include <utility>

namespace ovpn::app {
namespace {

using config::Route4;
using config::Route6;

constexpr std::string_view kVpnGateway = "vpn_gateway";
constexpr std::string_view kNetGateway = "net_gateway";
constexpr std::string_view kRemoteHost = "remote_host";

// The IPv6 space redirect-gateway ipv6 sends into the tunnel (OpenVPN's split, as def1).
constexpr std::array<const char*, 4> kIpv6Redirect = {"::/3", "2000::/4", "3000::/4", "fc00::/7"};

std::optional<IpAddress> parse_v4(std::string_view text) {
  auto a = IpAddress::parse(text);
  if (!a || !a->is_v4()) return std::nullopt;
  return a;
}

std::optional<IpAddress> parse_v6(std::string_view text) {
  auto a = IpAddress::parse(text);
  if (!a || !a->is_v6()) return std::nullopt;
  return a;
}

std::string describe(const Route4& r) {
  std::string s = "route " + r.network + " " + r.netmask;
  if (r.gateway) s += " " + *r.gateway;
  return s;
}

std::string describe(const Route6& r) {
  std::string s = "route-ipv6 " + r.network;
  if (r.gateway) s += " " + *r.gateway;
  return s;
}

// Where a resolved gateway keyword or address sends a route.
struct NextHop {
  int ifindex = 0;
  std::optional<IpAddress> gateway;
};

class Planner {
 public:
  Planner(const config::ClientOptions& options, const config::PushedOptions& pushed,
          const NetFacts& facts)
      : options_(options), pushed_(pushed), facts_(facts) {}

  Expected<NetPlan> run() {
    if (facts_.tun_ifindex <= 0) {
      return make_error(Errc::kInvalidArgument, "net plan: no tun device");
    }
    const auto& entries = options_.connection.entries;
    if (facts_.connection_index >= entries.size()) {
      return make_error(Errc::kInvalidArgument,
                        "net plan: no connection entry " + std::to_string(facts_.connection_index));
    }
    plan_.ifindex = facts_.tun_ifindex;
    plan_.mtu = pushed_.tun_mtu.value_or(entries[facts_.connection_index].tun_mtu);
    if (auto status = plan_ifconfig(); !status) return forward_error(std::move(status));
    if (auto status = plan_ifconfig_ipv6(); !status) return forward_error(std::move(status));
    resolve_vpn_gateway();
    note_ignored_options();
    plan_redirect();
    for (const auto& r : options_.tun.routes) plan_route4(r);
    for (const auto& r : pushed_.routes) plan_route4(r);
    for (const auto& r : options_.tun.routes6) plan_route6(r);
    for (const auto& r : pushed_.routes6) plan_route6(r);
    return std::move(plan_);
  }

 private:
  void warn(std::string text) { plan_.warnings.push_back(std::move(text)); }

  // Adds a route unless the same one is planned already (a route both configured and pushed).
  void add_route(io::Route route) {
    if (std::find_if(plan_.routes.begin(), plan_.routes.end(), [&](const io::Route& r) {
          return r.destination == route.destination && r.ifindex == route.ifindex &&
                 r.gateway == route.gateway && r.metric == route.metric;
        }) != plan_.routes.end()) {
      return;
    }
    plan_.routes.push_back(std::move(route));
  }

  std::string topology() const {
    if (!pushed_.topology.empty()) return pushed_.topology;
    if (!options_.tun.topology.empty()) return options_.tun.topology;
    return "net30";  // OpenVPN 2.6's default
  }

  Status plan_ifconfig() {
    const std::string topo = topology();
    if (topo != "subnet" && topo != "net30" && topo != "p2p") {
      return make_error(Errc::kInvalidArgument, "net plan: unknown topology '" + topo + "'");
    }
    if (!pushed_.ifconfig) return {};
    const auto& [first, second] = *pushed_.ifconfig;
    const auto local = parse_v4(first);
    const auto other = parse_v4(second);
    if (!local || !other) {
      return make_error(Errc::kInvalidArgument,
                        "net plan: bad ifconfig '" + first + " " + second + "'");
    }
    if (topo == "subnet") {
      const auto bits = netmask_prefix_len(*other);
      if (!bits) {
        return make_error(Errc::kInvalidArgument, "net plan: ifconfig netmask '" + second +
                                                      "' is not contiguous (topology subnet)");
      }
      plan_.addresses.push_back({*local, *bits, std::nullopt});
      subnet4_ = IpPrefix::make(*local, *bits);
    } else {
      plan_.addresses.push_back({*local, 32, *other});
      p2p_remote_ = *other;
    }
    return {};
  }

  Status plan_ifconfig_ipv6() {
    if (!pushed_.ifconfig_ipv6) return {};
    const auto& text = pushed_.ifconfig_ipv6->first;
    const auto slash = text.find('/');
    const auto address = parse_v6(text.substr(0, slash));
    unsigned bits = 128;
    bool ok = address.has_value();
    if (ok && slash != std::string::npos) {
      const std::string digits = text.substr(slash + 1);
      ok = !digits.empty() && digits.size() <= 3 &&
           std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; });
      if (ok) bits = static_cast<unsigned>(std::stoul(digits));
      ok = ok && bits <= 128;
    }
    if (!ok) {
      return make_error(Errc::kInvalidArgument, "net plan: bad ifconfig-ipv6 '" + text + "'");
    }
    plan_.addresses.push_back({*address, static_cast<uint8_t>(bits), std::nullopt});
    subnet6_ = IpPrefix::make(*address, bits);
    return {};
  }

  // vpn_gateway: route-gateway from the configuration, else the pushed one, else the
  // net30/p2p remote.
  void resolve_vpn_gateway() {
    const std::string& configured = options_.tun.route_gateway;
    if (configured == "dhcp") {
      warn("route-gateway dhcp is not supported on a tun device; ignored");
    } else if (!configured.empty()) {
      vpn_gateway_ = parse_v4(configured);
      if (!vpn_gateway_) warn("route-gateway '" + configured + "' is not an IPv4 address");
    }
    if (!vpn_gateway_ && !pushed_.route_gateway.empty()) {
      vpn_gateway_ = parse_v4(pushed_.route_gateway);
      if (!vpn_gateway_) {
        warn("pushed route-gateway '" + pushed_.route_gateway + "' is not an IPv4 address");
      }
    }
    if (!vpn_gateway_) vpn_gateway_ = p2p_remote_;
  }

  void note_ignored_options() {
    if (options_.tun.route_delay) {
      warn("route-delay ignored: routes are added as soon as the tunnel is up");
    }
  }

  const config::RedirectGateway* redirect() const {
    if (pushed_.redirect) return &*pushed_.redirect;
    if (options_.tun.redirect) return &*options_.tun.redirect;
    return nullptr;
  }

  // The host routes that keep the tunnel's own packets off the tunnel. False when a server's
  // route is unknown: redirecting then could send the tunnel into itself.
  bool plan_server_routes(Family family, const config::RedirectGateway& rg) {
    if (rg.local) return true;
    for (const auto& server : facts_.servers) {
      if (server.address.family() != family) continue;
      if (!server.route) {
        warn("redirect-gateway: no route to the server " + server.address.to_string() +
             " was found; not redirecting " + (family == Family::kIpv4 ? "IPv4" : "IPv6"));
        return false;
      }
      if (!server.route->gateway) continue;  // on a local link: the redirect cannot catch it
      add_route({*IpPrefix::make(server.address, server.address.size() * 8), server.route->ifindex,
                 server.route->gateway, std::nullopt});
    }
    return true;
  }

  void plan_redirect() {
    const config::RedirectGateway* rg = redirect();
    if (rg == nullptr) return;
    if (rg->block_local) warn("redirect-gateway block-local is not supported yet; ignored");
    if (rg->bypass_dhcp) warn("redirect-gateway bypass-dhcp has no effect on Linux; ignored");
    const std::optional<uint32_t> metric = options_.tun.route_metric;
    if (rg->ipv4) {
      if (!rg->is_private && !vpn_gateway_) {
        warn(
            "redirect-gateway: the VPN gateway (route-gateway or ifconfig) is missing; "
            "not redirecting IPv4");
      } else if (plan_server_routes(Family::kIpv4, *rg)) {
        if (rg->bypass_dns) plan_bypass_dns();
        if (!rg->is_private) {
          if (!rg->def1) {
            warn(
                "redirect-gateway without def1: ovpnd leaves the default route alone and "
                "adds 0.0.0.0/1 and 128.0.0.0/1 through the tunnel instead");
          }
          for (const char* half : {"0.0.0.0/1", "128.0.0.0/1"}) {
            add_route({*IpPrefix::parse(half), facts_.tun_ifindex, vpn_gateway_, metric});
          }
        }
      }
    }
    if (rg->ipv6) {
      if (!rg->is_private && !subnet6_) {
        warn(
            "redirect-gateway ipv6: the tunnel has no IPv6 address (ifconfig-ipv6); "
            "not redirecting IPv6");
      } else if (plan_server_routes(Family::kIpv6, *rg) && !rg->is_private) {
        for (const char* part : kIpv6Redirect) {
          add_route({*IpPrefix::parse(part), facts_.tun_ifindex, std::nullopt, metric});
        }
      }
    }
  }

  // bypass-dns: the pushed IPv4 DNS servers stay reachable through net_gateway.
  void plan_bypass_dns() {
    if (!facts_.net_gateway4) {
      warn("redirect-gateway bypass-dns: no pre-tunnel gateway known; ignored");
      return;
    }
    for (const auto& option : pushed_.dhcp_options) {
      if (option.type != "DNS") continue;
      const auto dns = parse_v4(option.value);
      if (!dns) continue;
      add_route({*IpPrefix::make(*dns, 32), facts_.net_gateway4->ifindex,
                 facts_.net_gateway4->gateway, std::nullopt});
    }
  }

  // The first server address of `family`, for remote_host; null when there is none.
  const ServerPath* server_of(Family family) const {
    for (const auto& s : facts_.servers) {
      if (s.address.family() == family) return &s;
    }
    return nullptr;
  }

  // A NETWORK or GATEWAY word of a route: an address or a keyword; none when unresolved.
  std::optional<IpAddress> resolve_address4(const std::string& word) const {
    if (word == kVpnGateway) return vpn_gateway_;
    if (word == kNetGateway) {
      if (facts_.net_gateway4) return facts_.net_gateway4->gateway;
      return std::nullopt;
    }
    if (word == kRemoteHost) {
      if (const ServerPath* s = server_of(Family::kIpv4)) return s->address;
      return std::nullopt;
    }
    return parse_v4(word);
  }

  // Where a route's GATEWAY word sends it.
  std::optional<NextHop> resolve_next_hop4(const std::optional<std::string>& word) const {
    if (!word || *word == kVpnGateway) {
      if (!vpn_gateway_) return std::nullopt;
      return NextHop{facts_.tun_ifindex, vpn_gateway_};
    }
    if (*word == kNetGateway) {
      if (!facts_.net_gateway4) return std::nullopt;
      return NextHop{facts_.net_gateway4->ifindex, facts_.net_gateway4->gateway};
    }
    const auto address = resolve_address4(*word);
    if (!address) return std::nullopt;
    // An address on the tunnel goes through it; any other is left to the kernel to place.
    const bool on_tunnel = address == p2p_remote_ || (subnet4_ && subnet4_->contains(*address));
    return NextHop{on_tunnel ? facts_.tun_ifindex : 0, address};
  }

  void plan_route4(const Route4& r) {
    const auto network = resolve_address4(r.network);
    const auto mask = parse_v4(r.netmask);
    if (!network || !mask) {
      warn(describe(r) +
           ": cannot resolve the network (host names are not supported yet); "
           "route skipped");
      return;
    }
    const auto bits = netmask_prefix_len(*mask);
    const auto prefix = bits ? IpPrefix::make(*network, *bits) : std::nullopt;
    if (!prefix || prefix->address != *network) {
      warn(describe(r) + ": not a network/netmask pair; route skipped");
      return;
    }
    const auto hop = resolve_next_hop4(r.gateway);
    if (!hop) {
      warn(describe(r) + ": cannot resolve the gateway; route skipped");
      return;
    }
    add_route(
        {*prefix, hop->ifindex, hop->gateway, r.metric ? r.metric : options_.tun.route_metric});
  }

  void plan_route6(const Route6& r) {
    const auto prefix = IpPrefix::parse(r.network);
    if (!prefix || !prefix->address.is_v6()) {
      warn(describe(r) + ": not an IPv6 network; route skipped");
      return;
    }
    NextHop hop{facts_.tun_ifindex, std::nullopt};
    if (r.gateway && *r.gateway == kNetGateway) {
      if (!facts_.net_gateway6) {
        warn(describe(r) + ": no pre-tunnel IPv6 gateway known; route skipped");
        return;
      }
      hop = {facts_.net_gateway6->ifindex, facts_.net_gateway6->gateway};
    } else if (r.gateway && *r.gateway != kVpnGateway) {
      const auto gateway = parse_v6(*r.gateway);
      if (!gateway) {
        warn(describe(r) + ": cannot resolve the gateway; route skipped");
        return;
      }
      const bool on_tunnel = subnet6_ && subnet6_->contains(*gateway);
      hop = {on_tunnel ? facts_.tun_ifindex : 0, gateway};
    }
    // Through the tunnel an IPv6 route needs the tunnel's IPv6 address (OpenVPN skips it too).
    if (hop.ifindex == facts_.tun_ifindex && !subnet6_) {
      warn(describe(r) + ": the tunnel has no IPv6 address (ifconfig-ipv6); route skipped");
      return;
    }
    add_route({*prefix, hop.ifindex, hop.gateway, r.metric ? r.metric : options_.tun.route_metric});
  }

  const config::ClientOptions& options_;
  const config::PushedOptions& pushed_;
  const NetFacts& facts_;
  NetPlan plan_;
  std::optional<IpAddress> vpn_gateway_;
  std::optional<IpAddress> p2p_remote_;
  std::optional<IpPrefix> subnet4_;
  std::optional<IpPrefix> subnet6_;
};

}  // namespace

std::optional<uint8_t> netmask_prefix_len(const IpAddress& netmask) {
  if (!netmask.is_v4()) return std::nullopt;
  const uint8_t* b = netmask.bytes();
  const uint32_t mask =
      (uint32_t{b[0]} << 24) | (uint32_t{b[1]} << 16) | (uint32_t{b[2]} << 8) | uint32_t{b[3]};
  // Contiguous: the inverted mask plus one is a power of two (or zero for /0).
  const uint32_t inverted = ~mask;
  if ((inverted & (inverted + 1)) != 0) return std::nullopt;
  return static_cast<uint8_t>(__builtin_popcount(mask));
}

Expected<NetPlan> make_net_plan(const config::ClientOptions& options,
                                const config::PushedOptions& pushed, const NetFacts& facts) {
  return Planner(options, pushed, facts).run();
}

}  // namespace ovpn::app
