#pragma once
// The environment of the server's per-client scripts, as OpenVPN 2.6 gives it:
//
//   client-connect     script_type, common_name, username, trusted_ip(6)/trusted_port,
//                      untrusted_ip(6)/untrusted_port, ifconfig_pool_remote_ip (and
//                      ifconfig_pool_netmask with topology subnet, ifconfig_pool_local_ip with
//                      net30), ifconfig_pool_remote_ip6, the server's ifconfig_local /
//                      ifconfig_netmask / ifconfig_ipv6_local / ifconfig_ipv6_netbits, dev,
//                      dev_type, tun_mtu, proto_1, local_port_1, the client's peer-info
//                      (IV_* and UV_* variables), time_unix, time_ascii, setenv variables,
//                      config, daemon, daemon_pid, daemon_start_time, verb; ovpnd adds peer_id
//                      and client_connect_config_file (the file named by the argument too);
//   client-disconnect  the same, plus bytes_received, bytes_sent and time_duration;
//   tls-crypt-v2-verify  only script_type, metadata_type and metadata_file, as stock gives it.
//
// Built from plain inputs, so it is tested without a daemon. Pure: no clock, no system calls.

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "app/script_env.h"
#include "common/ip_address.h"
#include "config/server_options.h"

namespace ovpn::app {

enum class ClientScript : uint8_t { kConnect, kDisconnect };

// "client-connect", "client-disconnect".
const char* client_script_name(ClientScript script) noexcept;

struct ClientScriptFacts {
  const config::ServerOptions* options = nullptr;  // required
  std::string config_path;                         // the first --config, as given
  std::string dev;                                 // "tun0"
  uint32_t tun_mtu = 1500;
  bool tcp = false;
  uint16_t local_port = 1194;

  std::string common_name;
  std::string username;
  Endpoint remote;
  uint32_t peer_id = 0;
  std::vector<std::pair<std::string, std::string>> peer_info;  // as the client sent it

  std::optional<IpAddress> vpn_ipv4;       // the client's
  std::optional<IpAddress> vpn_ipv4_peer;  // net30 / p2p: the server's end of the client's /30
  std::optional<IpAddress> vpn_ipv6;

  int64_t time_unix = 0;  // when the client connected
  int32_t utc_offset_s = 0;
  int64_t daemon_start_time = 0;
  int64_t daemon_pid = 0;

  std::string connect_config_file;  // client-connect: where the script may write options

  // client-disconnect
  uint64_t bytes_received = 0;  // from the client (outer bytes, as stock counts them)
  uint64_t bytes_sent = 0;
  int64_t time_duration = 0;
};

// Thread: any (pure).
ScriptEnv build_client_script_env(ClientScript script, const ClientScriptFacts& facts);

// tls-crypt-v2-verify: `metadata_type` is the metadata's first byte (0 user, 1 timestamp).
// Thread: any (pure).
ScriptEnv build_tls_crypt_v2_verify_env(uint8_t metadata_type, const std::string& metadata_file);

}  // namespace ovpn::app
