#pragma once
// The environment and positional arguments OpenVPN 2.6 gives the user's scripts (up, down,
// route-up, route-pre-down, ipchange, tls-verify), built from plain inputs so that it is tested
// without a daemon. Pure: no clock, no system calls.
//
// What stock OpenVPN 2.6.14 does, checked by running it (dev tun, topology subnet, two routes,
// IPv6, dns and dhcp-option, setenv, setenv-safe, redirect-gateway, ipchange):
//   * scripts get exactly OpenVPN's variables, nothing inherited from its own environment (no
//     PATH either);
//   * up and down get `cmd dev tun_mtu 0 ifconfig_local ifconfig_remote|netmask init|restart`:
//     the third argument, once link_mtu, is always 0, and link_mtu is no longer in the
//     environment; route-up and route-pre-down get no arguments;
//   * ipchange gets ONE argument "[AF_INET]1.2.3.4 1194" (family tag, address, space, port),
//     and trusted_ip (trusted_ip6) but no trusted_port;
//   * tun with topology subnet sets ifconfig_netmask, net30/p2p sets ifconfig_remote; no
//     ifconfig_broadcast is set for tun;
//   * with a `dns server`, dhcp-option DNS/DNS6 are dropped and the first server's addresses
//     become foreign options "dhcp-option DNS a" / "dhcp-option DNS6 a" after the remaining
//     dhcp-options, then "dhcp-option DOMAIN-SEARCH d" for each `dns search-domains`;
//   * redirect_gateway appears once the routes are installed (route-up and later scripts);
//   * IPv6 redirect routes (::/3, 2000::/4, ...) are listed as route_ipv6_network_N, the IPv4
//     def1 routes are not listed at all.
// The set is cumulative, as OpenVPN's env_set is: the daemon keeps one ScriptEnvInput, fills
// in what it has learnt so far (trusted_* after authentication, routes after installing them)
// and builds the environment for each script from it.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "config/client_options.h"
#include "config/pushed_options.h"

namespace ovpn::app {

enum class ScriptType : uint8_t { kUp, kDown, kRouteUp, kRoutePreDown, kIpChange, kTlsVerify };

// OpenVPN's script_type value: "up", "down", "route-up", "route-pre-down", "ipchange",
// "tls-verify".
const char* script_type_name(ScriptType type) noexcept;

// The tun device as opened.
struct TunFacts {
  std::string dev;  // "tun0"
  std::string dev_type = "tun";
  uint32_t tun_mtu = 1500;
};

// The addresses configured on the tun device (pushed or from the configuration).
struct TunAddresses {
  std::string ipv4_local;           // "" : no IPv4 (IPv6-only)
  std::string ipv4_remote_or_mask;  // the peer (net30, p2p) or the netmask (subnet)
  bool subnet = false;              // topology subnet: the second one is a netmask
  std::string ipv6_local;           // "" : no IPv6
  uint32_t ipv6_netbits = 64;
  std::string ipv6_remote;
};

// Routes as installed: addresses resolved, gateways filled in (vpn_gateway and friends
// replaced by addresses), in the order OpenVPN numbers them (from 1).
struct InstalledRoute4 {
  std::string network, netmask, gateway;
  std::optional<uint32_t> metric;
};
struct InstalledRoute6 {
  std::string network;  // "2001:db8::/32"
  std::string gateway;
  std::optional<uint32_t> metric;
};
struct RouteFacts {
  std::vector<InstalledRoute4> routes;
  std::vector<InstalledRoute6> routes6;  // including redirect-gateway ipv6's routes
  std::string vpn_gateway;               // route_vpn_gateway; "" : none
  std::string net_gateway;               // route_net_gateway; "" : unknown
  std::string net_gateway_ipv6;          // net_gateway_ipv6; "" : unknown
  bool installed = false;                // the routes are in the table (sets redirect_gateway)
  bool redirected_ipv4 = false;          // redirect-gateway replaced the IPv4 default route
};

// One certificate of the peer's chain, as the TLS layer saw it (depth 0: the peer itself).
struct PeerCertLevel {
  uint32_t depth = 0;
  std::string subject;  // tls_id_N, OpenVPN's one-line form ("C=KG, O=OpenVPN-TEST, CN=x")
  std::vector<std::pair<std::string, std::string>> fields;  // ("CN", "server"), short names
  std::string serial_decimal, serial_hex;                   // "933971680", "37:AB:CD:E0"
  std::string sha1, sha256;  // colon-separated upper-case hex fingerprints
};
struct PeerCertInfo {
  std::vector<PeerCertLevel> levels;
  std::string common_name;  // of depth 0
};

// The server's address as seen on the socket.
struct ScriptPeer {
  std::string ip;
  uint16_t port = 0;
  bool ipv6 = false;
};

struct ScriptEnvInput {
  const config::ClientOptions* options = nullptr;  // required
  const config::PushedOptions* pushed = nullptr;   // null before PUSH_REPLY
  std::string config_path;                         // the first --config, as given
  std::optional<TunFacts> tun;
  std::optional<TunAddresses> addresses;
  RouteFacts routes;
  const PeerCertInfo* peer_cert = nullptr;
  std::optional<ScriptPeer> untrusted;  // during verification
  std::optional<ScriptPeer> trusted;    // once authenticated
  std::optional<uint32_t> peer_id;      // peer_id: an ovpnd addition (not seen from stock 2.6.14)
  bool restart = false;                 // script_context: "restart" instead of "init"
  std::string signal;                   // for down: "sigterm", "sigusr1", "ping-restart", ...
  std::optional<int64_t> time_unix;     // the connection's wall-clock time
  int32_t utc_offset_s = 0;             // for time_ascii, which OpenVPN prints in local time
  int64_t daemon_start_time = 0;        // unix seconds; 0: not exported (stock always exports it)
  int64_t daemon_pid = 0;               // 0: not exported
  std::string username;
  std::string password;  // only exported with script-security 3
};

// Variable name -> value, sorted by name. Names are OpenVPN's; values never hold control
// characters (replaced by '_', as OpenVPN does for certificate fields).
using ScriptEnv = std::map<std::string, std::string>;

// The environment of a script of `type`.
// Thread: any (pure).
ScriptEnv build_script_env(ScriptType type, const ScriptEnvInput& input);

// The arguments OpenVPN appends to the configured command for `type` (empty for route-up and
// route-pre-down). IPv6-only tunnels pass empty strings for the IPv4 addresses, as OpenVPN
// 2.6 does. tls-verify: `depth subject` of input.peer_cert's level `tls_depth`.
// Thread: any (pure).
std::vector<std::string> script_positional_args(ScriptType type, const ScriptEnvInput& input,
                                                uint32_t tls_depth = 0);

// Names from outside keep letters, digits and '_'; anything else becomes '_'.
// Thread: any (pure).
std::string script_env_safe_name(std::string_view name);
// Values keep everything but control characters, which become '_'.
// Thread: any (pure).
std::string script_env_safe_value(std::string_view value);
// OpenVPN's time_ascii: "YYYY-MM-DD hh:mm:ss" in the time zone `utc_offset_s` from UTC.
// Thread: any (pure).
std::string script_time_ascii(int64_t unix_s, int32_t utc_offset_s);

// "name=value" strings for execve.
// Thread: any (pure).
std::vector<std::string> env_strings(const ScriptEnv& env);

}  // namespace ovpn::app
