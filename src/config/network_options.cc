// Parsers for route, route-ipv6, redirect-gateway, dhcp-option and dns (see network_options.h).

#include "config/network_options.h"

#include "common/ascii.h"
#include "common/ip_address.h"
#include "config/option_errors.h"
#include "config/option_values.h"

namespace ovpn::config {
namespace {

// OpenVPN writes "default" for a parameter it should leave at its default.
bool is_default(const std::string& arg) { return arg == "default"; }

bool is_route_keyword(const std::string& arg) {
  return arg == "vpn_gateway" || arg == "net_gateway" || arg == "remote_host";
}

bool is_ipv4(const std::string& arg) {
  const auto a = IpAddress::parse(arg);
  return a && a->is_v4();
}

// A DNS name: letters, digits, '-', '.', '_'; no empty labels at the ends.
bool is_host_name(const std::string& arg) {
  if (arg.empty() || arg.size() > 253 || arg.front() == '.' || arg.front() == '-') return false;
  for (const char c : arg) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '-' || c == '.' || c == '_';
    if (!ok) return false;
  }
  return true;
}

Status check_route_address(const Option& option, const std::string& arg, AllowHostNames names,
                           std::string_view what) {
  if (is_ipv4(arg) || is_route_keyword(arg)) return {};
  if (names == AllowHostNames::kYes && is_host_name(arg)) return {};
  return option_error(option, std::string(what) + " " + quoted(arg) + " is not an IPv4 address" +
                                  (names == AllowHostNames::kYes ? ", a host name" : "") +
                                  " or one of vpn_gateway, net_gateway, remote_host");
}

}  // namespace

Expected<Route4> parse_route(const Option& option, AllowHostNames names) {
  const auto& a = option.args;
  if (a.empty() || a.size() > 4)
    return option_error(option, "expects NETWORK [NETMASK [GATEWAY [METRIC]]]");
  Route4 route;
  if (Status s = check_route_address(option, a[0], names, "network"); !s)
    return forward_error(std::move(s));
  route.network = a[0];
  if (a.size() > 1 && !is_default(a[1])) {
    if (!is_ipv4(a[1]))
      return option_error(option, "netmask " + quoted(a[1]) + " is not an IPv4 netmask");
    route.netmask = a[1];
  }
  if (a.size() > 2 && !is_default(a[2])) {
    if (Status s = check_route_address(option, a[2], names, "gateway"); !s)
      return forward_error(std::move(s));
    route.gateway = a[2];
  }
  if (a.size() > 3 && !is_default(a[3])) {
    auto metric = arg_uint(option, 3, 0, 0x7fffffff);
    if (!metric) return forward_error(std::move(metric));
    route.metric = *metric;
  }
  return route;
}

Expected<Route6> parse_route_ipv6(const Option& option) {
  const auto& a = option.args;
  if (a.empty() || a.size() > 3)
    return option_error(option, "expects NETWORK/BITS [GATEWAY [METRIC]]");
  const auto prefix = IpPrefix::parse(a[0]);
  if (!prefix || !prefix->address.is_v6()) {
    return option_error(option, quoted(a[0]) + " is not an IPv6 network (2001:db8::/32)");
  }
  Route6 route;
  route.network = a[0];
  if (a.size() > 1 && !is_default(a[1])) {
    const auto gw = IpAddress::parse(a[1]);
    if ((!gw || !gw->is_v6()) && !is_route_keyword(a[1])) {
      return option_error(option, "gateway " + quoted(a[1]) + " is not an IPv6 address");
    }
    route.gateway = a[1];
  }
  if (a.size() > 2 && !is_default(a[2])) {
    auto metric = arg_uint(option, 2, 0, 0x7fffffff);
    if (!metric) return forward_error(std::move(metric));
    route.metric = *metric;
  }
  return route;
}

Expected<RedirectGateway> parse_redirect(const Option& option, bool is_private) {
  RedirectGateway r;
  r.is_private = is_private;
  for (const std::string& flag : option.args) {
    if (flag == "def1") {
      r.def1 = true;
    } else if (flag == "ipv6") {
      r.ipv6 = true;
    } else if (flag == "!ipv4") {
      r.ipv4 = false;
    } else if (flag == "local") {
      r.local = true;
    } else if (flag == "autolocal") {
      r.autolocal = true;
    } else if (flag == "bypass-dhcp") {
      r.bypass_dhcp = true;
    } else if (flag == "bypass-dns") {
      r.bypass_dns = true;
    } else if (flag == "block-local") {
      r.block_local = true;
    } else {
      return option_error(option, "unknown flag " + quoted(flag) +
                                      " (expected def1, ipv6, !ipv4, local, autolocal, "
                                      "bypass-dhcp, bypass-dns, block-local)");
    }
  }
  return r;
}

Expected<DhcpOption> parse_dhcp_option(const Option& option) {
  if (option.args.empty() || option.args.size() > 2)
    return option_error(option, "expects TYPE [VALUE]");
  DhcpOption out;
  for (const char c : option.args[0]) out.type += ascii_upper(c);
  if (option.args.size() == 2) out.value = option.args[1];
  const bool needs_value = out.type != "DISABLE-NBT";
  if (needs_value && out.value.empty()) return option_error(option, out.type + " needs a value");
  if ((out.type == "DNS" || out.type == "WINS" || out.type == "NTP" || out.type == "NBDD") &&
      !IpAddress::parse(out.value)) {
    return option_error(option, out.type + " " + quoted(out.value) + " is not an IP address");
  }
  if (out.type == "DNS6") {
    const auto a = IpAddress::parse(out.value);
    if (!a || !a->is_v6())
      return option_error(option, "DNS6 " + quoted(out.value) + " is not an IPv6 address");
  }
  return out;
}

Status check_dns_option(const Option& option) {
  const auto& a = option.args;
  if (a.empty()) return option_error(option, "expects server N ... or search-domains ...");
  if (a[0] == "search-domains") {
    if (a.size() < 2) return option_error(option, "search-domains needs at least one domain");
    return {};
  }
  if (a[0] != "server") {
    return option_error(option, quoted(a[0]) + " is not one of server, search-domains");
  }
  if (a.size() < 4) return option_error(option, "expects server PRIORITY KEYWORD VALUE...");
  // The priority may be negative in OpenVPN ("-128" .. "127").
  const std::string& prio = a[1];
  const std::string digits = !prio.empty() && prio[0] == '-' ? prio.substr(1) : prio;
  if (digits.empty() || digits.size() > 3 ||
      digits.find_first_not_of("0123456789") != std::string::npos || std::stoi(digits) > 128) {
    return option_error(option,
                        "server priority " + quoted(prio) + " is not a number from -128 to 127");
  }
  const std::string& what = a[2];
  if (what == "address") {
    for (size_t i = 3; i < a.size(); ++i) {
      // An address may carry a port: "1.2.3.4:53", "[2001:db8::1]:53".
      if (!IpAddress::parse(a[i]) && !Endpoint::parse(a[i])) {
        return option_error(option, "address " + quoted(a[i]) + " is not an IP address");
      }
    }
    return {};
  }
  if (what == "resolve-domains" || what == "dnssec" || what == "transport" || what == "sni") {
    return {};
  }
  return option_error(option, quoted(what) +
                                  " is not one of address, resolve-domains, dnssec, transport, "
                                  "sni");
}

}  // namespace ovpn::config
