#include "app/client_tunnel.h"

#include <unistd.h>

#include <ctime>

#include "app/script_runner.h"
#include "common/log.h"

namespace ovpn::app {
namespace {

constexpr Logger kLog{"ovpnd"};

// Addresses whose route shows the pre-tunnel default gateway of a family: a kernel lookup
// only (RTM_GETROUTE sends nothing).
const IpAddress kProbe4 = *IpAddress::parse("192.0.2.1");
const IpAddress kProbe6 = *IpAddress::parse("2001:db8::1");

std::optional<io::RouteLookup> lookup(io::NetlinkSocket& nl, const IpAddress& to) {
  auto r = nl.route_get(to);
  if (!r) return std::nullopt;
  return *r;
}

bool same_plan(const NetPlan& a, const NetPlan& b) {
  if (a.mtu != b.mtu || a.addresses != b.addresses || a.routes.size() != b.routes.size()) {
    return false;
  }
  for (size_t i = 0; i < a.routes.size(); ++i) {
    const auto& x = a.routes[i];
    const auto& y = b.routes[i];
    if (x.destination != y.destination || x.ifindex != y.ifindex || x.gateway != y.gateway ||
        x.metric != y.metric) {
      return false;
    }
  }
  return true;
}

std::string text(const std::optional<IpAddress>& a) { return a ? a->to_string() : ""; }

std::string netmask_text(uint8_t bits) {
  const uint32_t mask = bits == 0 ? 0 : ~uint32_t{0} << (32 - bits);
  return IpAddress::v4(mask).to_string();
}

}  // namespace

ClientTunnel::ClientTunnel(const config::ClientOptions& options, std::string config_path,
                           int ifindex, std::string ifname)
    : options_(options),
      config_path_(std::move(config_path)),
      ifindex_(ifindex),
      ifname_(std::move(ifname)) {
  script_input_.options = &options_;
  script_input_.config_path = config_path_;
  script_input_.daemon_pid = ::getpid();
  script_input_.daemon_start_time = ::time(nullptr);
}

ClientTunnel::~ClientTunnel() {
  if (up_) down("sigterm", false);
}

Expected<NetPlan> ClientTunnel::plan(const TunnelConnection& c) {
  if (!netlink_) {
    auto nl = io::NetlinkSocket::open();
    if (!nl) return forward_error(std::move(nl));
    netlink_ = std::make_unique<io::NetlinkSocket>(std::move(*nl));
    ops_ = std::make_unique<NetlinkOps>(*netlink_);
  }
  NetFacts facts;
  facts.tun_ifindex = ifindex_;
  facts.tun_name = ifname_;
  facts.connection_index = c.connection_index;
  // The kernel's path to the server as it is before our routes (taken down first, unless
  // persist-tun kept them: then the lookup may show the tunnel, and the plan is the same).
  facts.servers.push_back(ServerPath{c.server.address(), lookup(*netlink_, c.server.address())});
  facts.net_gateway4 = lookup(*netlink_, c.server.is_v4() ? c.server.address() : kProbe4);
  facts.net_gateway6 = lookup(*netlink_, c.server.is_v4() ? kProbe6 : c.server.address());
  return make_net_plan(options_, *c.pushed, facts);
}

void ClientTunnel::fill_script_input(const NetPlan& plan, const TunnelConnection& c) {
  ScriptEnvInput& in = script_input_;
  in.pushed = &pushed_;
  in.tun = TunFacts{ifname_, "tun", plan.mtu};
  TunAddresses a;
  for (const PlannedAddress& p : plan.addresses) {
    if (p.address.is_v4() && a.ipv4_local.empty()) {
      a.ipv4_local = p.address.to_string();
      a.subnet = !p.peer.has_value();
      a.ipv4_remote_or_mask = p.peer ? p.peer->to_string() : netmask_text(p.prefix_len);
    } else if (p.address.is_v6() && a.ipv6_local.empty()) {
      a.ipv6_local = p.address.to_string();
      a.ipv6_netbits = p.prefix_len;
      if (pushed_.ifconfig_ipv6) a.ipv6_remote = pushed_.ifconfig_ipv6->second;
    }
  }
  in.addresses = a;
  RouteFacts r;
  for (const io::Route& route : plan.routes) {
    if (route.ifindex != ifindex_ && route.destination.address.is_v4()) continue;  // host routes
    if (route.destination.address.is_v4()) {
      r.routes.push_back(InstalledRoute4{route.destination.address.to_string(),
                                         netmask_text(route.destination.length),
                                         text(route.gateway), route.metric});
    } else {
      r.routes6.push_back(
          InstalledRoute6{route.destination.to_string(), text(route.gateway), route.metric});
    }
  }
  if (!pushed_.route_gateway.empty()) r.vpn_gateway = pushed_.route_gateway;
  r.redirected_ipv4 = pushed_.redirect.has_value() || options_.tun.redirect.has_value();
  in.routes = r;
  in.trusted = ScriptPeer{c.server.address().to_string(), c.server.port(), !c.server.is_v4()};
  in.peer_id = c.peer_id;
  in.username = c.username;
  in.restart = ever_up_;
  in.time_unix = ::time(nullptr);
}

Status ClientTunnel::run_hook(ScriptType type, const std::string& command) {
  if (command.empty()) return {};
  ScriptRun run;
  run.option = script_type_name(type);
  run.command = command;
  run.args = script_positional_args(type, script_input_);
  run.env = build_script_env(type, script_input_);
  run.working_dir = options_.cd_dir;
  auto result = run_script(run, options_.scripts.script_security);
  if (!result) return forward_error(std::move(result));
  if (!result->succeeded()) {
    return make_error(Errc::kIo, std::string(run.option) + " script " + command + " failed" +
                                     (result->timed_out ? " (timed out)" : ""));
  }
  return {};
}

Status ClientTunnel::up(const TunnelConnection& c) {
  auto p = plan(c);
  if (!p) return forward_error(std::move(p));
  for (const std::string& w : p->warnings) OVPN_LOG(kLog, LogLevel::kWarn, "%s", w.c_str());
  if (up_ && applied_ && same_plan(*applied_, *p)) {
    OVPN_LOG(kLog, LogLevel::kInfo, "Preserving previous TUN/TAP instance: %s", ifname_.c_str());
    pushed_ = *c.pushed;
    fill_script_input(*p, c);
    return {};
  }
  if (up_) down("sigusr1", false);
  pushed_ = *c.pushed;
  fill_script_input(*p, c);

  NetPlan address_part = *p;
  address_part.routes.clear();
  NetPlan route_part = *p;
  route_part.addresses.clear();
  addresses_ = std::make_unique<NetSetup>(*ops_);
  routes_ = std::make_unique<NetSetup>(*ops_);
  if (auto st = addresses_->apply(address_part); !st) return st;
  for (const auto& a : p->addresses) {
    OVPN_LOG(kLog, LogLevel::kInfo, "net_addr_add: %s/%u dev %s", a.address.to_string().c_str(),
             a.prefix_len, ifname_.c_str());
  }
  OVPN_LOG(kLog, LogLevel::kInfo, "net_iface_mtu_set: mtu %u for %s", p->mtu, ifname_.c_str());
  if (auto st = run_hook(ScriptType::kUp, options_.scripts.up); !st) {
    (void)addresses_->teardown();
    return st;
  }
  if (auto st = routes_->apply(route_part); !st) {
    (void)addresses_->teardown();
    return st;
  }
  for (const auto& r : p->routes) {
    OVPN_LOG(kLog, LogLevel::kInfo, "net_route_add: %s via %s dev %d",
             r.destination.to_string().c_str(),
             r.gateway ? r.gateway->to_string().c_str() : "(link)", r.ifindex);
  }
  script_input_.routes.installed = true;
  applied_ = std::move(*p);
  up_ = true;
  ever_up_ = true;
  if (auto st = run_hook(ScriptType::kRouteUp, options_.scripts.route_up); !st) {
    OVPN_LOG(kLog, LogLevel::kWarn, "%s", st.error().message.c_str());
  }
  return {};
}

void ClientTunnel::down(const std::string& signal, bool reconnecting) {
  if (!up_) return;
  if (reconnecting && options_.tun.persist_tun) return;
  script_input_.signal = signal;
  if (auto st = run_hook(ScriptType::kRoutePreDown, options_.scripts.route_pre_down); !st) {
    OVPN_LOG(kLog, LogLevel::kWarn, "%s", st.error().message.c_str());
  }
  if (routes_) {
    if (auto st = routes_->teardown(); !st) {
      OVPN_LOG(kLog, LogLevel::kWarn, "removing routes: %s", st.error().message.c_str());
    }
  }
  script_input_.routes.installed = false;
  if (addresses_) {
    if (auto st = addresses_->teardown(); !st) {
      OVPN_LOG(kLog, LogLevel::kWarn, "removing addresses: %s", st.error().message.c_str());
    }
  }
  OVPN_LOG(kLog, LogLevel::kInfo, "Closing TUN/TAP interface settings of %s", ifname_.c_str());
  if (auto st = run_hook(ScriptType::kDown, options_.scripts.down); !st) {
    OVPN_LOG(kLog, LogLevel::kWarn, "%s", st.error().message.c_str());
  }
  applied_.reset();
  up_ = false;
}

}  // namespace ovpn::app
