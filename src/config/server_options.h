#pragma once
// The OpenVPN server's options: a plain value, filled from an OptionList with OpenVPN 2.6's
// defaults, helper expansions and checks by build_server_options(). The server counterpart of
// client_options.h; the TLS, data-channel, tun/route, timer, script and logging groups are the
// client's structs, filled by the same option tables.
//
// Helper expansions, as OpenVPN's helper.c (in this order, after every option was read):
//   * server-ipv6 NET/BITS: mode server, tls-server, ifconfig-ipv6 NET+1/BITS NET+2,
//     ifconfig-ipv6-pool NET+0x1000/BITS (NET+2 for /112 and longer), push "tun-ipv6".
//   * server NET MASK [nopool]: mode server, tls-server, then per topology
//       subnet:      ifconfig NET+1 MASK, ifconfig-pool NET+2 .. BCAST-1 with MASK,
//                    push "route-gateway NET+1", route-gateway NET+2 when none was given;
//       net30 / p2p: ifconfig NET+1 NET+2, ifconfig-pool NET+4 .. BCAST-4 (BCAST for a /29),
//                    route NET MASK, push "route NET MASK" with client-to-client, else (net30
//                    only) push "route NET+1";
//     and push "topology T". `nopool` leaves the pool out.
//   * keepalive N M: ping N and ping-restart 2*M here, push "ping N" and "ping-restart M".
// Defaults that differ from the client's: topology net30 (2.6), and reneg-sec jittered by up to
// 10% (tls.reneg_sec_min, when not given, becomes reneg-sec - max(reneg-sec/10, 1) + 1).
// The push list is the configuration's push lines in order, then those helper pushes.
//
// What ovpnd rejects, and why: as the client model, what the offload engine (like the kernel DCO)
// cannot do -- fragment, comp-lzo/compress with an algorithm (also when pushed), dev tap, secret,
// CBC ciphers, mtu-test, shaper; client-only options (client, pull, remote, <connection>, nobind,
// auth-user-pass, redirect-gateway outside push ...) with the reason; options that only a
// client-config-dir file may hold (ifconfig-push, iroute, push-reset ...); and server features
// not implemented yet (learn-address, port-share, auth-gen-token, server-bridge ...).

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "common/ip_address.h"
#include "config/client_options.h"
#include "config/option.h"
#include "config/option_errors.h"
#include "config/option_values.h"

namespace ovpn::config {

enum class ServerProto : uint8_t { kUdp, kTcpServer };  // tcp, tcp-server, tcp4-server ...

// The listening socket and the link/tun sizes every client shares.
struct ServerTransport {
  ServerProto proto = ServerProto::kUdp;
  AddressFamily family = AddressFamily::kAny;  // udp4 / udp6 / tcp4-server / tcp6-server
  std::string local_host;                      // local; "": every address
  uint16_t port = 1194;                        // port / lport
  bool ipv6_only = false;                      // bind ipv6only
  uint32_t explicit_exit_notify = 0;           // 1, 2: RESTART (2: RESTART,[N]) to clients at exit
  uint32_t tun_mtu = 1500;
  uint32_t tun_mtu_max = 1600;
  uint32_t mssfix = 1492;
  MssfixMode mssfix_mode = MssfixMode::kDefault;
};

enum class Topology : uint8_t { kNet30, kP2p, kSubnet };

// ifconfig LOCAL NETMASK (topology subnet) or ifconfig LOCAL PEER (net30, p2p).
struct Ipv4Ifconfig {
  IpAddress local;
  IpAddress netmask_or_peer;
  bool operator==(const Ipv4Ifconfig&) const = default;
};

// ifconfig-ipv6 LOCAL/BITS [PEER].
struct Ipv6Ifconfig {
  IpAddress local;
  uint8_t bits = 64;
  std::optional<IpAddress> peer;
  bool operator==(const Ipv6Ifconfig&) const = default;
};

// ifconfig-pool START END [NETMASK]: with net30 every client takes a /30 (4 addresses) from START.
struct Ipv4Pool {
  IpAddress start, end;
  std::optional<IpAddress> netmask;  // pushed with each address (topology subnet)
  bool operator==(const Ipv4Pool&) const = default;
};

// ifconfig-ipv6-pool BASE/BITS: client i gets BASE + i (the pool shares the IPv4 pool's
// indexes when both exist).
struct Ipv6Pool {
  IpAddress base;
  uint8_t bits = 64;
  bool operator==(const Ipv6Pool&) const = default;
};

// The VPN's addressing after the helper expansions.
struct ServerNetwork {
  Topology topology = Topology::kNet30;  // OpenVPN 2.6's default (2.7: subnet)
  std::optional<IpPrefix> server;        // server NET MASK, as given
  bool server_nopool = false;
  std::optional<IpPrefix> server_ipv6;  // server-ipv6 NET/BITS
  std::optional<Ipv4Ifconfig> ifconfig;
  std::optional<Ipv6Ifconfig> ifconfig_ipv6;
  std::optional<Ipv4Pool> pool;
  std::optional<Ipv6Pool> pool_ipv6;
  // Where ifconfig-push addresses must lie (server with topology subnet): OpenVPN refuses a
  // client-config-dir address outside it.
  std::optional<IpPrefix> push_constraint;
  std::string pool_persist_file;           // ifconfig-pool-persist FILE; "": none
  uint32_t pool_persist_interval_s = 600;  // 0: read at start, never written
};

enum class VerifyClientCert : uint8_t { kNone, kOptional, kRequire };
enum class AuthVerifyMethod : uint8_t { kViaEnv, kViaFile };

// How clients are admitted and what is run for them.
struct ClientPolicy {
  std::string client_config_dir;  // resolved against `cd`; "": none
  bool ccd_exclusive = false;
  bool duplicate_cn = false;
  bool client_to_client = false;
  bool username_as_common_name = false;
  uint32_t max_clients = 1024;
  // connect-freq N SECS: at most N new clients per SECS seconds (UDP only); unset: no limit.
  std::optional<std::pair<uint32_t, uint32_t>> connect_freq;
  // connect-freq-initial N SECS: at most N stateless replies to initial resets per SECS.
  std::pair<uint32_t, uint32_t> connect_freq_initial{100, 10};
  VerifyClientCert verify_client_cert = VerifyClientCert::kRequire;
  std::string auth_user_pass_verify;  // the command, as written; "": none
  AuthVerifyMethod auth_verify_method = AuthVerifyMethod::kViaEnv;
  std::string client_connect, client_disconnect;  // commands, as written
  std::string tls_crypt_v2_verify;  // command: checks a tls-crypt-v2 client key's metadata
  uint32_t inactive_s = 0;          // inactive N [BYTES] per client; 0: off
  uint64_t inactive_bytes = 0;
  std::string tmp_dir;  // tmp-dir, for via-file and client-connect files; "": /tmp
};

// Server-only TLS settings; the rest is in ServerOptions::tls (TlsOptions). With tls-crypt-v2,
// tls.wrap is kTlsCryptV2 and tls.wrap_key holds the server key.
struct ServerTlsOptions {
  std::string ecdh_curve;  // "": the library's default groups
  std::string crl_path;    // crl-verify FILE|DIR [dir], resolved; "": none
  bool crl_is_dir = false;
  FileText crl;  // the CRL as read at start (not for `dir`); reloaded when it changes
  bool tls_crypt_v2_force_cookie = true;  // tls-crypt-v2 FILE force-cookie|allow-noncookie
};

// management IP PORT [PWFILE] or management PATH unix [PWFILE]. ovpnd takes a TCP address only
// on loopback and with a password; a unix socket is made root-only.
struct ManagementOptions {
  bool unix_socket = false;
  std::string address;  // the IP, or the socket path (resolved against `cd`)
  uint16_t port = 0;
  std::string password;  // the first line of PWFILE; "": none
  bool operator==(const ManagementOptions&) const = default;
};

struct ServerOptions {
  std::string cd_dir;  // the last `cd`
  ServerTransport transport;
  ServerNetwork network;
  std::vector<std::string> push;  // every client's push list (option text), in order
  ClientPolicy clients;
  TlsOptions tls;
  ServerTlsOptions server_tls;
  DataChannelOptions data;
  // dev, dev-type, persist-*, route, route-ipv6, route-gateway, route-metric; topology as
  // written (network.topology is the one in effect). The pull-side fields stay empty.
  TunRouteOptions tun;
  // After keepalive: ping_s and ping_restart_s (2x keepalive's M) as the server runs them per
  // client; keepalive keeps the values as written.
  TimerOptions timers;
  ScriptOptions scripts;  // script-security, user, group, setenv, setenv-safe
  LoggingOptions logging;
  uint32_t status_version = 1;  // 1, 2, 3: OpenVPN's status file formats
  std::optional<ManagementOptions> management;
};

struct BuiltServerOptions {
  ServerOptions options;
  Warnings warnings;  // non-fatal findings, formatted like errors, for the caller to print
};

// Applies `options` in order (later ones override earlier ones), expands the server helpers,
// fills in OpenVPN 2.6's defaults and checks the combination. Files named by options are read
// through `fs`. Errors name the option, where it was written and why.
// Thread: any (pure apart from `fs`).
Expected<BuiltServerOptions> build_server_options(const OptionList& options, FileSystem& fs);

// How many clients the pools can address at once, as OpenVPN sizes them: one address each
// (topology subnet and p2p) or one /30 each (net30) from the IPv4 pool, 2^(128-bits) addresses
// (at most 65536) from the IPv6 pool, the smaller of the two when both exist; 0 without a pool.
// Thread: any (pure).
uint32_t pool_capacity(const ServerNetwork& network);

}  // namespace ovpn::config
