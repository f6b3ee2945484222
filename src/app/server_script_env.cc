#include "app/server_script_env.h"

namespace ovpn::app {
namespace {

using config::Topology;

void set(ScriptEnv& env, const std::string& name, const std::string& value) {
  env[name] = script_env_safe_value(value);
}

const char* server_proto_name(const config::ServerTransport& t) {
  using config::AddressFamily;
  const bool udp = t.proto == config::ServerProto::kUdp;
  switch (t.family) {
    case AddressFamily::kIpv4:
      return udp ? "udp4" : "tcp4-server";
    case AddressFamily::kIpv6:
      return udp ? "udp6" : "tcp6-server";
    case AddressFamily::kAny:
      break;
  }
  return udp ? "udp" : "tcp-server";
}

// What every script of the process gets (OpenVPN's setenv_settings and the tun's facts).
void add_process(const ClientScriptFacts& f, ScriptEnv& env) {
  const config::ServerOptions& o = *f.options;
  if (!f.config_path.empty()) set(env, "config", f.config_path);
  set(env, "verb", std::to_string(o.logging.verb));
  set(env, "daemon", o.logging.daemon ? "1" : "0");
  set(env, "daemon_log_redirect", o.logging.log_file.empty() ? "0" : "1");
  if (f.daemon_start_time > 0) set(env, "daemon_start_time", std::to_string(f.daemon_start_time));
  if (f.daemon_pid > 0) set(env, "daemon_pid", std::to_string(f.daemon_pid));
  set(env, "proto_1", server_proto_name(o.transport));
  if (!o.transport.local_host.empty()) set(env, "local_1", o.transport.local_host);
  set(env, "local_port_1", std::to_string(f.local_port));
  for (const auto& [name, value] : o.scripts.setenv) {
    set(env, script_env_safe_name(name), value);
  }
  for (const auto& [name, value] : o.scripts.setenv_safe) {
    set(env, script_env_safe_name("OPENVPN_" + name), value);
  }
  if (!f.dev.empty()) set(env, "dev", f.dev);
  set(env, "dev_type", "tun");
  set(env, "tun_mtu", std::to_string(f.tun_mtu));
  set(env, "script_context", "init");
  const config::ServerNetwork& n = o.network;
  if (n.ifconfig) {
    set(env, "ifconfig_local", n.ifconfig->local.to_string());
    set(env, n.topology == Topology::kSubnet ? "ifconfig_netmask" : "ifconfig_remote",
        n.ifconfig->netmask_or_peer.to_string());
  }
  if (n.ifconfig_ipv6) {
    set(env, "ifconfig_ipv6_local", n.ifconfig_ipv6->local.to_string());
    set(env, "ifconfig_ipv6_netbits", std::to_string(n.ifconfig_ipv6->bits));
    if (n.ifconfig_ipv6->peer) set(env, "ifconfig_ipv6_remote", n.ifconfig_ipv6->peer->to_string());
  }
}

void add_client(const ClientScriptFacts& f, ScriptEnv& env) {
  if (!f.common_name.empty()) set(env, "common_name", f.common_name);
  if (!f.username.empty()) set(env, "username", f.username);
  const bool v6 = !f.remote.is_v4();
  // v4-mapped addresses are shown as IPv4, as stock shows them on a dual-stack socket.
  const std::string ip = f.remote.address().to_string();
  const std::string port = std::to_string(f.remote.port());
  set(env, v6 ? "trusted_ip6" : "trusted_ip", ip);
  set(env, "trusted_port", port);
  set(env, v6 ? "untrusted_ip6" : "untrusted_ip", ip);
  set(env, "untrusted_port", port);
  set(env, "peer_id", std::to_string(f.peer_id));
  if (f.vpn_ipv4) {
    set(env, "ifconfig_pool_remote_ip", f.vpn_ipv4->to_string());
    const config::ServerNetwork& n = f.options->network;
    if (n.topology == Topology::kSubnet && n.ifconfig) {
      set(env, "ifconfig_pool_netmask", n.ifconfig->netmask_or_peer.to_string());
    } else if (f.vpn_ipv4_peer) {
      set(env, "ifconfig_pool_local_ip", f.vpn_ipv4_peer->to_string());
    }
  }
  if (f.vpn_ipv6) set(env, "ifconfig_pool_remote_ip6", f.vpn_ipv6->to_string());
  // The client's peer-info, as stock exports it: IV_* (and the user's UV_*) names only.
  for (const auto& [name, value] : f.peer_info) {
    if (name.rfind("IV_", 0) == 0 || name.rfind("UV_", 0) == 0) {
      set(env, script_env_safe_name(name), value);
    }
  }
  set(env, "time_unix", std::to_string(f.time_unix));
  set(env, "time_ascii", script_time_ascii(f.time_unix, f.utc_offset_s));
}

}  // namespace

const char* client_script_name(ClientScript script) noexcept {
  return script == ClientScript::kConnect ? "client-connect" : "client-disconnect";
}

ScriptEnv build_client_script_env(ClientScript script, const ClientScriptFacts& facts) {
  ScriptEnv env;
  add_process(facts, env);
  add_client(facts, env);
  set(env, "script_type", client_script_name(script));
  if (script == ClientScript::kConnect) {
    if (!facts.connect_config_file.empty()) {
      set(env, "client_connect_config_file", facts.connect_config_file);
    }
  } else {
    set(env, "bytes_received", std::to_string(facts.bytes_received));
    set(env, "bytes_sent", std::to_string(facts.bytes_sent));
    set(env, "time_duration", std::to_string(facts.time_duration));
  }
  return env;
}

ScriptEnv build_tls_crypt_v2_verify_env(uint8_t metadata_type, const std::string& metadata_file) {
  ScriptEnv env;
  set(env, "script_type", "tls-crypt-v2-verify");
  set(env, "metadata_type", std::to_string(metadata_type));
  set(env, "metadata_file", metadata_file);
  return env;
}

}  // namespace ovpn::app
