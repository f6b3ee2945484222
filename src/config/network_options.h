#pragma once
// Routing and name-service options that both a configuration file and a server's PUSH_REPLY
// can carry (route, route-ipv6, redirect-gateway, dhcp-option, dns), with their parsers.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/result.h"
#include "config/option.h"

namespace ovpn::config {

// route NETWORK [NETMASK [GATEWAY [METRIC]]]. NETWORK and GATEWAY may be an IPv4 address, one
// of the keywords vpn_gateway, net_gateway, remote_host, or (from a file, or from a server
// with allow-pull-fqdn) a host name; they are resolved when the route is installed.
struct Route4 {
  std::string network;
  std::string netmask = "255.255.255.255";
  std::optional<std::string> gateway;  // unset: the default gateway (route-gateway / pushed)
  std::optional<uint32_t> metric;      // unset: route-metric
  bool operator==(const Route4&) const = default;
};

// route-ipv6 NETWORK/BITS [GATEWAY [METRIC]].
struct Route6 {
  std::string network;  // "2001:db8::/32", as written
  std::optional<std::string> gateway;
  std::optional<uint32_t> metric;
  bool operator==(const Route6&) const = default;
};

// redirect-gateway [flags] and redirect-private [flags].
struct RedirectGateway {
  bool is_private = false;  // redirect-private: routes as redirect-gateway, no default route
  bool def1 = false;        // 0.0.0.0/1 + 128.0.0.0/1 instead of replacing the default route
  bool ipv4 = true;         // "!ipv4" clears it
  bool ipv6 = false;
  bool local = false;
  bool autolocal = false;
  bool bypass_dhcp = false;
  bool bypass_dns = false;
  bool block_local = false;
  bool operator==(const RedirectGateway&) const = default;
};

// dhcp-option TYPE [VALUE]: on Linux these only go to scripts (foreign_option_N).
struct DhcpOption {
  std::string type;  // upper case: DNS, DNS6, DOMAIN, DOMAIN-SEARCH, WINS, NTP, ...
  std::string value;
  bool operator==(const DhcpOption&) const = default;
};

// Whether names are allowed where addresses are expected.
enum class AllowHostNames : uint8_t { kNo, kYes };

// Parsers for Option.args; errors name the option and where it was written.
Expected<Route4> parse_route(const Option& option, AllowHostNames names);
Expected<Route6> parse_route_ipv6(const Option& option);
// `is_private`: the option is redirect-private.
Expected<RedirectGateway> parse_redirect(const Option& option, bool is_private);
Expected<DhcpOption> parse_dhcp_option(const Option& option);
// dns: the 2.6 syntax (server N address|resolve-domains|dnssec|transport|sni ...,
// search-domains ...); checked for shape and kept as written for scripts and the resolver.
Status check_dns_option(const Option& option);

}  // namespace ovpn::config
