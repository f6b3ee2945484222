// Fuzz target: a server's PUSH_REPLY turned into the client's network plan (apply_push_reply,
// then make_net_plan), with fixed facts: a tun device, an uplink, one IPv4 and one IPv6 server.
//
// Input: one byte of local configuration (bit 0 topology p2p, bit 1 route-metric 10, bit 2
// redirect-gateway def1 ipv6 in the configuration, bit 3 the IPv4 server on-link, bit 4 no
// route to the servers known), then the option text that follows "PUSH_REPLY,".
//
// Invariants: never crashes; every planned route has a gateway of its own family and goes
// through the tun device, the uplink or the kernel's choice (ifindex 0); no more routes than
// were configured and pushed plus the redirect's fixed ones; addresses have valid prefixes.

#include <string_view>

#include "app/net_plan.h"
#include "config/pushed_options.h"
#include "fuzz_target.h"

namespace config = ovpn::config;
namespace app = ovpn::app;

namespace {

constexpr int kTun = 7;
constexpr int kUplink = 2;

ovpn::IpAddress ip(const char* text) { return *ovpn::IpAddress::parse(text); }

}  // namespace

OVPN_FUZZ_TARGET(net_plan) {
  if (size == 0) return 0;
  const uint8_t flags = data[0];
  config::ClientOptions options;
  options.connection.entries.push_back({});
  if ((flags & 1) != 0) options.tun.topology = "p2p";
  if ((flags & 2) != 0) options.tun.route_metric = 10;
  if ((flags & 4) != 0) options.tun.redirect = config::RedirectGateway{.def1 = true, .ipv6 = true};

  app::NetFacts facts;
  facts.tun_ifindex = kTun;
  const bool known = (flags & 16) == 0;
  const ovpn::io::RouteLookup via4{kUplink, ip("192.0.2.1"), {}};
  const ovpn::io::RouteLookup on_link{kUplink, std::nullopt, {}};
  const ovpn::io::RouteLookup via6{kUplink, ip("fe80::1"), {}};
  facts.servers.push_back(
      {ip("198.51.100.7"),
       known ? std::optional((flags & 8) != 0 ? on_link : via4) : std::nullopt});
  facts.servers.push_back({ip("2001:db8::7"), known ? std::optional(via6) : std::nullopt});
  facts.net_gateway4 = via4;
  facts.net_gateway6 = via6;

  const std::string_view text(reinterpret_cast<const char*>(data + 1), size - 1);
  config::PushedOptions pushed;
  (void)config::apply_push_reply(text, config::PullPolicy::from(options), pushed);

  auto plan = app::make_net_plan(options, pushed, facts);
  if (!plan) {
    FUZZ_CHECK(plan.error().code == ovpn::Errc::kInvalidArgument);
    return 0;
  }
  FUZZ_REACHED("net_plan/plan");
  FUZZ_CHECK(plan->ifindex == kTun);
  FUZZ_CHECK(plan->addresses.size() <= 2);
  for (const auto& a : plan->addresses) {
    FUZZ_CHECK(a.prefix_len <= a.address.size() * 8);
    FUZZ_CHECK(!a.peer || a.peer->family() == a.address.family());
  }
  // Redirect: 2 servers, 2 IPv4 halves, 4 IPv6 parts; bypass-dns adds the pushed DNS servers.
  const size_t most = options.tun.routes.size() + pushed.routes.size() + pushed.routes6.size() +
                      pushed.dhcp_options.size() + 8;
  FUZZ_CHECK(plan->routes.size() <= most);
  for (const auto& r : plan->routes) {
    FUZZ_CHECK(r.ifindex == kTun || r.ifindex == kUplink || r.ifindex == 0);
    FUZZ_CHECK(!r.gateway || r.gateway->family() == r.destination.address.family());
    FUZZ_CHECK(r.ifindex != 0 || r.gateway);  // the kernel places a route by its gateway
  }
  return 0;
}
