// The environment and positional arguments of the user's scripts, as OpenVPN 2.6 builds them
// (see script_env.h for what was checked against stock OpenVPN).

#include "app/script_env.h"

#include <charconv>
#include <ctime>

namespace ovpn::app {

// Names from outside keep letters, digits and '_'; anything else becomes '_'. The names built
// here are printed as OpenVPN prints them ("dns_server_-1_address_1" for a negative priority).
std::string script_env_safe_name(std::string_view name) {
  std::string out(name);
  for (char& c : out) {
    const bool ok =
        (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
    if (!ok) c = '_';
  }
  return out;
}

// Values keep everything but control characters, which become '_'.
std::string script_env_safe_value(std::string_view value) {
  std::string out(value);
  for (char& c : out) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7f) c = '_';
  }
  return out;
}

// OpenVPN's time_string(): "YYYY-MM-DD hh:mm:ss" in local time.
std::string script_time_ascii(int64_t unix_s, int32_t utc_offset_s) {
  const time_t t = static_cast<time_t>(unix_s + utc_offset_s);
  struct tm tm {};
  if (gmtime_r(&t, &tm) == nullptr) return "";
  char buf[32];
  const size_t n = strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S", &tm);
  return std::string(buf, n);
}

namespace {

using config::ClientOptions;
using config::ConnectionEntry;

class EnvWriter {
 public:
  explicit EnvWriter(ScriptEnv& env) : env_(env) {}
  void set(std::string_view name, std::string_view value) {
    if (name.empty()) return;
    env_[std::string(name)] = script_env_safe_value(value);
  }
  // For names that come from outside (setenv, certificate field names).
  void set_outside_name(std::string_view name, std::string_view value) {
    set(script_env_safe_name(name), value);
  }
  void set(std::string_view name, uint64_t value) { set(name, std::to_string(value)); }
  void set_n(std::string_view prefix, size_t n, std::string_view value) {
    set(std::string(prefix) + "_" + std::to_string(n), value);
  }

 private:
  ScriptEnv& env_;
};

const char* proto_name(const ConnectionEntry& e) {
  using config::AddressFamily;
  const bool udp = e.proto == config::TransportProto::kUdp;
  switch (e.family) {
    case AddressFamily::kIpv4:
      return udp ? "udp4" : "tcp4-client";
    case AddressFamily::kIpv6:
      return udp ? "udp6" : "tcp6-client";
    case AddressFamily::kAny:
      break;
  }
  return udp ? "udp" : "tcp-client";
}

// setenv_settings(): the options OpenVPN exports from program start.
void add_settings(const ScriptEnvInput& in, EnvWriter& w) {
  const ClientOptions& o = *in.options;
  if (!in.config_path.empty()) w.set("config", in.config_path);
  w.set("verb", o.logging.verb);
  w.set("daemon", o.logging.daemon ? "1" : "0");
  w.set("daemon_log_redirect", o.logging.log_file.empty() ? "0" : "1");
  if (in.daemon_start_time > 0) w.set("daemon_start_time", std::to_string(in.daemon_start_time));
  if (in.daemon_pid > 0) w.set("daemon_pid", std::to_string(in.daemon_pid));
  size_t n = 0;
  for (const ConnectionEntry& e : o.connection.entries) {
    ++n;
    w.set_n("proto", n, proto_name(e));
    if (!e.local_host.empty()) w.set_n("local", n, e.local_host);
    // OpenVPN's local port defaults to 1194 even when nothing binds (lport 0 reads as unset).
    w.set_n("local_port", n, std::to_string(e.local_port == 0 ? 1194 : e.local_port));
    w.set_n("remote", n, e.remote_host);
    w.set_n("remote_port", n, std::to_string(e.remote_port));
  }
  for (const auto& [name, value] : o.scripts.setenv) w.set_outside_name(name, value);
  for (const auto& [name, value] : o.scripts.setenv_safe) {
    w.set_outside_name("OPENVPN_" + name, value);
  }
  if (in.pushed) {
    for (const auto& [name, value] : in.pushed->setenv_safe) {
      w.set_outside_name("OPENVPN_" + name, value);
    }
  }
}

void add_tun(const ScriptEnvInput& in, EnvWriter& w) {
  if (!in.tun) return;
  w.set("dev", in.tun->dev);
  w.set("dev_type", in.tun->dev_type);
  w.set("tun_mtu", in.tun->tun_mtu);
  w.set("script_context", in.restart ? "restart" : "init");
  if (!in.addresses) return;
  const TunAddresses& a = *in.addresses;
  if (!a.ipv4_local.empty()) {
    w.set("ifconfig_local", a.ipv4_local);
    w.set(a.subnet ? "ifconfig_netmask" : "ifconfig_remote", a.ipv4_remote_or_mask);
  }
  if (!a.ipv6_local.empty()) {
    w.set("ifconfig_ipv6_local", a.ipv6_local);
    w.set("ifconfig_ipv6_netbits", a.ipv6_netbits);
    w.set("ifconfig_ipv6_remote", a.ipv6_remote);
  }
}

void add_routes(const RouteFacts& r, EnvWriter& w) {
  if (!r.vpn_gateway.empty()) w.set("route_vpn_gateway", r.vpn_gateway);
  if (!r.net_gateway.empty()) w.set("route_net_gateway", r.net_gateway);
  if (!r.net_gateway_ipv6.empty()) w.set("net_gateway_ipv6", r.net_gateway_ipv6);
  size_t n = 0;
  for (const InstalledRoute4& route : r.routes) {
    ++n;
    w.set_n("route_network", n, route.network);
    w.set_n("route_netmask", n, route.netmask);
    w.set_n("route_gateway", n, route.gateway);
    if (route.metric) w.set_n("route_metric", n, std::to_string(*route.metric));
  }
  n = 0;
  for (const InstalledRoute6& route : r.routes6) {
    ++n;
    w.set_n("route_ipv6_network", n, route.network);
    w.set_n("route_ipv6_gateway", n, route.gateway);
    if (route.metric) w.set_n("route_ipv6_metric", n, std::to_string(*route.metric));
  }
  if (r.installed) w.set("redirect_gateway", r.redirected_ipv4 ? "1" : "0");
}

// The `dns` options (2.6 syntax), merged: configuration first, then pushed; a later value for
// a server's field replaces the earlier one.
struct DnsAddress {
  std::string address, port;  // port "" : default
};
struct DnsServer {
  std::vector<DnsAddress> addresses;
  std::vector<std::string> resolve_domains;
  std::string dnssec, transport, sni;
};
struct DnsSettings {
  std::map<long, DnsServer> servers;  // by priority, lowest (preferred) first
  std::vector<std::string> search_domains;
};

// "1.2.3.4", "1.2.3.4:53", "2001:db8::1", "[2001:db8::1]:53".
DnsAddress split_dns_address(std::string_view text) {
  if (!text.empty() && text.front() == '[') {
    const size_t close = text.find(']');
    if (close == std::string_view::npos) return {std::string(text.substr(1)), ""};
    std::string_view rest = text.substr(close + 1);
    if (!rest.empty() && rest.front() == ':') rest.remove_prefix(1);
    return {std::string(text.substr(1, close - 1)), std::string(rest)};
  }
  const size_t colon = text.find(':');
  if (colon != std::string_view::npos && text.find(':', colon + 1) == std::string_view::npos) {
    return {std::string(text.substr(0, colon)), std::string(text.substr(colon + 1))};
  }
  return {std::string(text), ""};
}

void merge_dns_line(const std::vector<std::string>& args, DnsSettings& dns) {
  if (args.empty()) return;
  if (args[0] == "search-domains") {
    dns.search_domains.insert(dns.search_domains.end(), args.begin() + 1, args.end());
    return;
  }
  if (args[0] != "server" || args.size() < 4) return;  // checked by the parser already
  long priority = 0;
  const std::string& p = args[1];
  if (std::from_chars(p.data(), p.data() + p.size(), priority).ec != std::errc{}) return;
  DnsServer& server = dns.servers[priority];
  const std::string& key = args[2];
  if (key == "address") {
    server.addresses.clear();
    for (size_t i = 3; i < args.size(); ++i) server.addresses.push_back(split_dns_address(args[i]));
  } else if (key == "resolve-domains") {
    server.resolve_domains.assign(args.begin() + 3, args.end());
  } else if (key == "dnssec") {
    server.dnssec = args[3];
  } else if (key == "transport") {
    server.transport = args[3];
  } else if (key == "sni") {
    server.sni = args[3];
  }
}

DnsSettings merged_dns(const ScriptEnvInput& in) {
  DnsSettings dns;
  for (const auto& line : in.options->tun.dns) merge_dns_line(line, dns);
  if (in.pushed) {
    for (const auto& line : in.pushed->dns) merge_dns_line(line, dns);
  }
  return dns;
}

void add_dns(const DnsSettings& dns, EnvWriter& w) {
  size_t n = 0;
  for (const std::string& domain : dns.search_domains) w.set_n("dns_search_domain", ++n, domain);
  for (const auto& [priority, server] : dns.servers) {
    const std::string prefix = "dns_server_" + std::to_string(priority);
    n = 0;
    for (const DnsAddress& a : server.addresses) {
      ++n;
      w.set_n(prefix + "_address", n, a.address);
      if (!a.port.empty()) w.set_n(prefix + "_port", n, a.port);
    }
    n = 0;
    for (const std::string& d : server.resolve_domains) w.set_n(prefix + "_resolve_domain", ++n, d);
    if (!server.dnssec.empty()) w.set(prefix + "_dnssec", server.dnssec);
    if (!server.transport.empty()) w.set(prefix + "_transport", server.transport);
    if (!server.sni.empty()) w.set(prefix + "_sni", server.sni);
  }
}

// foreign_option_N: every dhcp-option (configuration, then pushed), with the `dns` options
// folded in as OpenVPN 2.6 does on Linux.
void add_foreign_options(const ScriptEnvInput& in, const DnsSettings& dns, EnvWriter& w) {
  std::vector<std::string> lines;
  const bool dns_servers = !dns.servers.empty();
  const bool dns_search = !dns.search_domains.empty();
  auto add = [&](const config::DhcpOption& d) {
    if (dns_servers && (d.type == "DNS" || d.type == "DNS6")) return;
    if (dns_search && d.type == "DOMAIN-SEARCH") return;
    lines.push_back("dhcp-option " + d.type + (d.value.empty() ? "" : " " + d.value));
  };
  for (const auto& d : in.options->tun.dhcp_options) add(d);
  if (in.pushed) {
    for (const auto& d : in.pushed->dhcp_options) add(d);
  }
  if (dns_servers) {
    for (const DnsAddress& a : dns.servers.begin()->second.addresses) {
      const bool v6 = a.address.find(':') != std::string::npos;
      lines.push_back(std::string("dhcp-option ") + (v6 ? "DNS6 " : "DNS ") + a.address);
    }
  }
  for (const std::string& domain : dns.search_domains) {
    lines.push_back("dhcp-option DOMAIN-SEARCH " + domain);
  }
  size_t n = 0;
  for (const std::string& line : lines) w.set_n("foreign_option", ++n, line);
}

void add_peer_cert(const PeerCertInfo& cert, EnvWriter& w) {
  if (!cert.common_name.empty()) w.set("common_name", cert.common_name);
  for (const PeerCertLevel& level : cert.levels) {
    const std::string depth = std::to_string(level.depth);
    for (const auto& [field, value] : level.fields) {
      w.set_outside_name("X509_" + depth + "_" + field, value);
    }
    w.set("tls_id_" + depth, level.subject);
    w.set("tls_serial_" + depth, level.serial_decimal);
    w.set("tls_serial_hex_" + depth, level.serial_hex);
    if (!level.sha1.empty()) w.set("tls_digest_" + depth, level.sha1);
    if (!level.sha256.empty()) w.set("tls_digest_sha256_" + depth, level.sha256);
  }
}

void add_connection(const ScriptEnvInput& in, EnvWriter& w) {
  if (in.untrusted) {
    w.set(in.untrusted->ipv6 ? "untrusted_ip6" : "untrusted_ip", in.untrusted->ip);
    w.set("untrusted_port", in.untrusted->port);
  }
  // Stock 2.6.14 sets no trusted_port (checked); scripts that want it read untrusted_port.
  if (in.trusted) w.set(in.trusted->ipv6 ? "trusted_ip6" : "trusted_ip", in.trusted->ip);
  if (in.peer_id) w.set("peer_id", *in.peer_id);
  if (!in.signal.empty()) w.set("signal", in.signal);
  if (in.time_unix) {
    w.set("time_unix", std::to_string(*in.time_unix));
    w.set("time_ascii", script_time_ascii(*in.time_unix, in.utc_offset_s));
  }
  if (!in.username.empty()) w.set("username", in.username);
  // script-security 3 (SSEC_PW_ENV) is what lets passwords into scripts' environments.
  if (!in.password.empty() && in.options->scripts.script_security >= 3) {
    w.set("password", in.password);
  }
}

}  // namespace

const char* script_type_name(ScriptType type) noexcept {
  switch (type) {
    case ScriptType::kUp:
      return "up";
    case ScriptType::kDown:
      return "down";
    case ScriptType::kRouteUp:
      return "route-up";
    case ScriptType::kRoutePreDown:
      return "route-pre-down";
    case ScriptType::kIpChange:
      return "ipchange";
    case ScriptType::kTlsVerify:
      return "tls-verify";
  }
  return "unknown";
}

ScriptEnv build_script_env(ScriptType type, const ScriptEnvInput& input) {
  ScriptEnv env;
  if (input.options == nullptr) return env;
  EnvWriter w(env);
  add_settings(input, w);
  add_tun(input, w);
  add_routes(input.routes, w);
  const DnsSettings dns = merged_dns(input);
  add_dns(dns, w);
  add_foreign_options(input, dns, w);
  if (input.peer_cert) add_peer_cert(*input.peer_cert, w);
  add_connection(input, w);
  w.set("script_type", script_type_name(type));
  return env;
}

std::vector<std::string> script_positional_args(ScriptType type, const ScriptEnvInput& input,
                                                uint32_t tls_depth) {
  switch (type) {
    case ScriptType::kUp:
    case ScriptType::kDown: {
      const TunFacts tun = input.tun.value_or(TunFacts{});
      const TunAddresses addr = input.addresses.value_or(TunAddresses{});
      // The "0" stands where link_mtu was before 2.6.
      return {tun.dev,
              std::to_string(tun.tun_mtu),
              "0",
              addr.ipv4_local,
              addr.ipv4_local.empty() ? std::string() : addr.ipv4_remote_or_mask,
              input.restart ? "restart" : "init"};
    }
    case ScriptType::kRouteUp:
    case ScriptType::kRoutePreDown:
      return {};
    case ScriptType::kIpChange: {
      const std::optional<ScriptPeer>& e = input.trusted ? input.trusted : input.untrusted;
      if (!e) return {};
      // One argument, as stock 2.6.14 passes it: "[AF_INET]1.2.3.4 1194".
      return {std::string(e->ipv6 ? "[AF_INET6]" : "[AF_INET]") + e->ip + " " +
              std::to_string(e->port)};
    }
    case ScriptType::kTlsVerify: {
      if (input.peer_cert) {
        for (const PeerCertLevel& level : input.peer_cert->levels) {
          if (level.depth == tls_depth) return {std::to_string(tls_depth), level.subject};
        }
      }
      return {std::to_string(tls_depth), ""};
    }
  }
  return {};
}

std::vector<std::string> env_strings(const ScriptEnv& env) {
  std::vector<std::string> out;
  out.reserve(env.size());
  for (const auto& [name, value] : env) out.push_back(name + "=" + value);
  return out;
}

}  // namespace ovpn::app
