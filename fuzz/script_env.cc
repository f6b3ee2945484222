// Fuzz target: the scripts' environment built from a server's PUSH_REPLY options
// (build_script_env, script_positional_args, env_strings for every script type), and the
// hook command splitter (split_command) on the same text.
//
// Input: one byte of flags (bit 0 script-security 3, bit 1 restart, bit 2 the configuration has
// its own dns and dhcp-option lines, bit 3 topology subnet), then the option text of a
// PUSH_REPLY (what follows "PUSH_REPLY,").
//
// Invariants: never crashes; every name is non-empty and holds no '=' and no NUL; no value
// holds a control character; foreign_option_N are numbered 1..N without gaps; up and down get
// six arguments, ipchange one; a split command is never empty.

#include <string>
#include <string_view>

#include "app/script_env.h"
#include "app/script_runner.h"
#include "config/pushed_options.h"
#include "fuzz_target.h"

namespace app = ovpn::app;
namespace config = ovpn::config;

OVPN_FUZZ_TARGET(script_env) {
  if (size == 0) return 0;
  const uint8_t flags = data[0];
  const std::string_view text(reinterpret_cast<const char*>(data + 1), size - 1);

  if (auto words = app::split_command(text)) FUZZ_CHECK(!words->empty());

  config::ClientOptions options;
  options.connection.entries.emplace_back();
  options.scripts.script_security = (flags & 1) != 0 ? 3 : 2;
  options.scripts.setenv_safe.emplace_back("SAFE", "x");
  if ((flags & 4) != 0) {
    options.tun.dns.push_back({"server", "0", "address", "192.0.2.53", "[2001:db8::53]:53"});
    options.tun.dns.push_back({"search-domains", "example.com"});
    options.tun.dhcp_options.push_back({"DNS", "192.0.2.1"});
    options.tun.dhcp_options.push_back({"DOMAIN-SEARCH", "example.net"});
  }
  config::PushedOptions pushed;
  if (!config::apply_push_reply(text, config::PullPolicy{}, pushed)) return 0;
  FUZZ_REACHED("script_env/applied");

  app::ScriptEnvInput in;
  in.options = &options;
  in.pushed = &pushed;
  in.tun = app::TunFacts{"tun0", "tun", pushed.tun_mtu.value_or(1500)};
  if (pushed.ifconfig) {
    in.addresses = app::TunAddresses{
        pushed.ifconfig->first, pushed.ifconfig->second, (flags & 8) != 0, "", 64, ""};
  }
  in.restart = (flags & 2) != 0;
  in.peer_id = pushed.peer_id;
  in.trusted = app::ScriptPeer{"192.0.2.1", 1194, false};
  in.password = "secret";
  for (const auto& r : pushed.routes) {
    in.routes.routes.push_back({r.network, r.netmask, r.gateway.value_or(""), r.metric});
  }
  for (const auto& r : pushed.routes6) {
    in.routes.routes6.push_back({r.network, r.gateway.value_or(""), r.metric});
  }

  for (auto type :
       {app::ScriptType::kUp, app::ScriptType::kDown, app::ScriptType::kRouteUp,
        app::ScriptType::kRoutePreDown, app::ScriptType::kIpChange, app::ScriptType::kTlsVerify}) {
    const app::ScriptEnv env = app::build_script_env(type, in);
    for (const auto& [name, value] : env) {
      FUZZ_CHECK(!name.empty());
      FUZZ_CHECK(name.find('=') == std::string::npos && name.find('\0') == std::string::npos);
      for (char c : value) {
        const auto u = static_cast<unsigned char>(c);
        FUZZ_CHECK(u >= 0x20 && u != 0x7f);
      }
    }
    size_t foreign = 0;
    while (env.count("foreign_option_" + std::to_string(foreign + 1)) != 0) ++foreign;
    for (const auto& [name, value] : env) {
      if (name.rfind("foreign_option_", 0) == 0) {
        const std::string n = name.substr(15);
        FUZZ_CHECK(!n.empty() && std::stoul(n) >= 1 && std::stoul(n) <= foreign);
      }
    }
    FUZZ_CHECK(app::env_strings(env).size() == env.size());
    const auto args = app::script_positional_args(type, in);
    if (type == app::ScriptType::kUp || type == app::ScriptType::kDown) {
      FUZZ_CHECK(args.size() == 6);
    }
    if (type == app::ScriptType::kIpChange) FUZZ_CHECK(args.size() == 1);
  }
  return 0;
}
