#pragma once
// The OpenVPN client's options: a plain value, filled from an OptionList with OpenVPN 2.6's
// defaults and checks by build_client_options(). Nothing here does I/O after parsing: files that
// options name (ca, cert, key, tls-auth, auth-user-pass) were read at parse time.
//
// What ovpnd rejects, and why: the data channel runs in the offload engine, which does what the
// kernel DCO does -- AEAD ciphers, no compression, no fragmentation, tun only -- so fragment,
// comp-lzo/compress with an algorithm, dev tap, static-key mode (secret), CBC ciphers,
// mtu-test and shaper are errors that say so. Server-side options are errors too: the server is
// a separate mode with its own model (it can reuse option_values.h, network_options.h and the
// syntax layer). chroot is rejected: ovpnd does not chroot (use the service manager's
// RootDirectory= or a container).

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "config/network_options.h"
#include "config/option.h"
#include "config/option_errors.h"
#include "config/option_values.h"

namespace ovpn::config {

enum class TransportProto : uint8_t { kUdp, kTcpClient };
enum class AddressFamily : uint8_t { kAny, kIpv4, kIpv6 };  // udp4 / udp6 / tcp4-client ...

enum class MssfixMode : uint8_t { kDefault, kMtu, kFixed };

// One way to reach the server: a `remote` (with the global connection options), or a
// <connection> block (the global ones as they stood where the block began, then its own).
struct ConnectionEntry {
  std::string remote_host;
  uint16_t remote_port = 1194;
  TransportProto proto = TransportProto::kUdp;
  AddressFamily family = AddressFamily::kAny;
  std::string local_host;        // local
  uint16_t local_port = 0;       // lport / port; 0: any
  bool bind_local = true;        // nobind clears it; off for TCP unless asked for
  bool bind_set = false;         // bind / nobind / local / lport given explicitly
  uint32_t connect_retry_s = 1;  // connect-retry N [MAX]
  uint32_t connect_retry_max_s = 300;
  uint32_t server_poll_timeout_s = 120;
  uint32_t explicit_exit_notify = 0;  // 0: off (always 0 for TCP)
  bool float_remote = false;
  uint32_t tun_mtu = 1500;
  uint32_t tun_mtu_max = 1600;
  uint32_t mssfix = 1492;
  MssfixMode mssfix_mode = MssfixMode::kDefault;
  std::optional<uint32_t> link_mtu;  // accepted, not used (warned)
  SourceLocation where;              // of the remote or <connection>
};

struct ConnectionOptions {
  std::vector<ConnectionEntry> entries;  // in order; never empty after a successful build
  bool remote_random = false;
  uint32_t resolv_retry_s = kResolvRetryInfinite;
  uint32_t connect_retry_max = 0;  // attempts over the whole list; 0: unlimited
  static constexpr uint32_t kResolvRetryInfinite = 1000000000;
};

enum class TlsWrapMode : uint8_t { kNone, kTlsAuth, kTlsCrypt, kTlsCryptV2 };
enum class RemoteCertTls : uint8_t { kNone, kServer, kClient };
enum class X509NameType : uint8_t { kSubject, kName, kNamePrefix };

struct TlsOptions {
  FileText ca, cert, key;  // PEM text; empty when not given
  TlsWrapMode wrap = TlsWrapMode::kNone;
  FileText wrap_key;  // the static key (tls-auth/tls-crypt) or client key (v2) file
  std::optional<uint8_t> key_direction;  // tls-auth direction, or key-direction
  std::string auth_digest = "SHA1";      // auth: HMAC of tls-auth (and of CBC, unused)
  std::string tls_version_min;           // "", "1.0" .. "1.3"
  bool tls_version_min_or_highest = false;
  std::string tls_version_max;
  std::string tls_cipher, tls_ciphersuites, tls_groups;
  RemoteCertTls remote_cert_tls = RemoteCertTls::kNone;
  std::optional<std::pair<std::string, X509NameType>> verify_x509_name;
  std::string remote_cert_eku;
  std::vector<uint16_t> remote_cert_ku;
  std::vector<std::array<uint8_t, 32>> peer_fingerprints;  // SHA-256
  std::string tls_verify_cmd;
  uint32_t hand_window_s = 60, tran_window_s = 3600, tls_timeout_s = 2;
  uint32_t reneg_sec = 3600;
  std::optional<uint32_t> reneg_sec_min;
  uint64_t reneg_bytes = 0, reneg_pkts = 0;  // 0: off
  uint32_t replay_window = 64, replay_window_time_s = 15;
  bool mute_replay_warnings = false;
  bool tls_exit = false;
  bool single_session = false;
};

enum class CompressionStub : uint8_t { kNone, kCompLzoNo, kCompressStub, kCompressStubV2 };
enum class AllowCompression : uint8_t { kNo, kAsym, kYes };

struct DataChannelOptions {
  std::vector<std::string> data_ciphers = default_data_ciphers();
  std::optional<std::string> data_ciphers_fallback;
  std::optional<std::string> cipher;  // OCC cipher; 2.6 ignores it for negotiation
  CompressionStub compression = CompressionStub::kNone;
  AllowCompression allow_compression = AllowCompression::kNo;
};

enum class PullFilterAction : uint8_t { kAccept, kIgnore, kReject };
struct PullFilter {
  PullFilterAction action;
  std::string prefix;
};

struct TunRouteOptions {
  std::string dev = "tun";             // dev tun / dev tunX / any name with dev-type tun
  std::string dev_type;                // "" (from the name) or "tun"
  std::string topology;                // as written; normally pushed
  std::optional<uint32_t> txqueuelen;  // the tun's queue depth; unset: ovpnd's default (4000)
  bool persist_tun = false, persist_key = false, ifconfig_nowarn = false;
  std::vector<Route4> routes;
  std::vector<Route6> routes6;
  std::string route_gateway;  // "" : pushed; an address or "dhcp"
  std::optional<uint32_t> route_metric;
  std::optional<std::pair<uint32_t, uint32_t>> route_delay;  // N [W]
  bool route_nopull = false;
  std::optional<RedirectGateway> redirect;
  std::vector<PullFilter> pull_filters;
  std::vector<DhcpOption> dhcp_options;
  std::vector<std::vector<std::string>> dns;  // each `dns` line's arguments
  bool block_ipv6 = false, allow_pull_fqdn = false;
};

struct TimerOptions {
  uint32_t ping_s = 0;
  std::optional<uint32_t> ping_restart_s;  // unset: 120 s before the pull on UDP (OpenVPN)
  uint32_t ping_exit_s = 0;
  bool ping_timer_rem = false;
  std::optional<std::pair<uint32_t, uint32_t>> keepalive;  // N M, as written (ping, restart)
  static constexpr uint32_t kPrePullPingRestartS = 120;
};

enum class AuthRetry : uint8_t { kNone, kNoInteract, kInteract };
struct AuthOptions {
  bool auth_user_pass = false;
  std::string username;                 // from the file or block; empty: ask
  std::optional<std::string> password;  // unset: ask ("prompt needed")
  bool auth_nocache = false;
  AuthRetry auth_retry = AuthRetry::kNone;
  bool needs_prompt() const { return auth_user_pass && (username.empty() || !password); }
};

struct ScriptOptions {
  uint32_t script_security = 1;
  std::string up, down, route_up, route_pre_down, ipchange;
  bool up_restart = false;
  std::vector<std::pair<std::string, std::string>> setenv, setenv_safe;
  std::string user, group;
};

struct LoggingOptions {
  uint32_t verb = 1, mute = 0;
  std::string log_file;
  bool log_append = false;
  std::string status_file;
  uint32_t status_interval_s = 60;
  std::string writepid;
  bool daemon = false;
  std::string daemon_name;
  bool machine_readable_output = false, suppress_timestamps = false;
  int nice = 0;
};

struct ClientOptions {
  bool pull = false, tls_client = false;
  bool push_peer_info = false;
  std::string cd_dir;  // the last `cd`; relative names in scripts are relative to it
  ConnectionOptions connection;
  TlsOptions tls;
  DataChannelOptions data;
  TunRouteOptions tun;
  TimerOptions timers;
  AuthOptions auth;
  ScriptOptions scripts;
  LoggingOptions logging;
};

struct BuiltClientOptions {
  ClientOptions options;
  Warnings warnings;  // non-fatal findings, formatted like errors, for the caller to print
};

// Applies `options` in order (later ones override earlier ones), fills in OpenVPN's defaults
// and checks the combination. Files named by options are read through `fs`.
// Thread: any (pure apart from `fs`).
Expected<BuiltClientOptions> build_client_options(const OptionList& options, FileSystem& fs);

}  // namespace ovpn::config
