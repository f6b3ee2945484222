// Builds ServerOptions from an OptionList: dispatch to the option tables (the server's and the
// groups it shares with the client), the options that shape the whole server (mode, tls-server,
// push, setenv, ignore-unknown-option), rejected and unknown options, then the helper expansions
// and the checks that need every option (see server_options.h).

#include "config/server_options.h"

#include <algorithm>
#include <map>

#include "config/client_handlers.h"
#include "config/ip_math.h"
#include "config/known_options.h"
#include "config/option_builder.h"
#include "config/server_handlers.h"
#include "config/server_push.h"

namespace ovpn::config {
namespace {

class ServerBuilder final : public OptionBuilder {
 public:
  explicit ServerBuilder(FileSystem& fs) : OptionBuilder(fs) {}

  Expected<BuiltServerOptions> finish();

 private:
  Status apply_strict(const Option& o, bool lenient) override;
  Status apply_setenv(const Option& o);
  Status apply_general(const Option& o, bool& handled);
  Status apply_tables(const Option& o, bool& handled);
  void remember(const Option& o);

  Status check_network();
  Status check_clients();
  Status check_tls_and_timers();

  // "<where>: <name>: <what>" for the last `name` given.
  Unexpected<Error> fail_at(const std::string& name, const std::string& what) const {
    const auto it = where_.find(name);
    const std::string where = it == where_.end() ? "" : it->second.to_string() + ": ";
    return make_error(Errc::kInvalidArgument, where + name + ": " + what);
  }
  void warn_at(const std::string& name, const std::string& what) {
    const auto it = where_.find(name);
    const std::string where = it == where_.end() ? "" : it->second.to_string() + ": ";
    warnings_.push_back(where + name + ": " + what);
  }

  ServerOptions out_;
  bool mode_server_ = false, tls_server_ = false;
  std::map<std::string, SourceLocation> where_;  // the last place each option was given
  std::optional<Option> server_, server_ipv6_, keepalive_;
};

Status ServerBuilder::apply_strict(const Option& o, bool lenient) {
  if (o.name == "setenv") return apply_setenv(o);
  if (const KnownOption* known = find_known_server_option(o.name)) {
    switch (known->disposition) {
      case Disposition::kUnsupported:
        return option_unsupported(o, known->reason);
      case Disposition::kIgnored:
        ctx_.warn(o, known->reason);
        return {};
      case Disposition::kServerOnly:
      case Disposition::kClientOnly:
      case Disposition::kCcdOnly:
        return option_error(o, known->reason);
    }
  }
  bool handled = false;
  if (Status s = apply_general(o, handled); !s) return s;
  if (!handled) {
    if (Status s = apply_tables(o, handled); !s) return s;
  }
  if (handled) {
    remember(o);
    return {};
  }
  // What neither side takes (fragment, secret ...), and what both ignore.
  if (const KnownOption* known = find_known_option(o.name)) {
    if (known->disposition == Disposition::kUnsupported)
      return option_unsupported(o, known->reason);
    if (known->disposition == Disposition::kIgnored) {
      ctx_.warn(o, known->reason);
      return {};
    }
  }
  return unknown_option(o, lenient);
}

Status ServerBuilder::apply_tables(const Option& o, bool& handled) {
  ServerTlsTarget server_tls{out_.tls, out_.server_tls};
  if (Status s = try_table(server_transport_handlers(), o, out_.transport, handled); !s) return s;
  if (Status s = try_table(server_network_handlers(), o, out_.network, handled); !s) return s;
  if (Status s = try_table(client_policy_handlers(), o, out_.clients, handled); !s) return s;
  // Before the client's TLS table: tls-crypt-v2 takes the server key here.
  if (Status s = try_table(server_tls_handlers(), o, server_tls, handled); !s) return s;
  if (Status s = try_table(server_admin_handlers(), o, out_, handled); !s) return s;
  if (Status s = try_table(tls_handlers(), o, out_.tls, handled); !s) return s;
  if (Status s = try_table(data_channel_handlers(), o, out_.data, handled); !s) return s;
  if (Status s = try_table(tun_route_handlers(), o, out_.tun, handled); !s) return s;
  if (Status s = try_table(timer_handlers(), o, out_.timers, handled); !s) return s;
  if (Status s = try_table(script_handlers(), o, out_.scripts, handled); !s) return s;
  return try_table(logging_handlers(), o, out_.logging, handled);
}

void ServerBuilder::remember(const Option& o) {
  where_[o.name] = o.where;
  if (o.name == "server") server_ = o;
  if (o.name == "server-ipv6") server_ipv6_ = o;
  if (o.name == "keepalive") keepalive_ = o;
}

// Options that shape the whole server rather than one group.
Status ServerBuilder::apply_general(const Option& o, bool& handled) {
  handled = true;
  const std::string& n = o.name;
  auto arity = [&o](uint8_t min, uint8_t max) { return check_arity(o, min, max, Inline::kNo); };
  if (n == "mode") {
    if (Status s = arity(1, 1); !s) return s;
    if (o.args[0] == "p2p") {
      return option_unsupported(o,
                                "point-to-point mode (mode p2p) is not supported: ovpnd's "
                                "server runs mode server");
    }
    auto k = arg_keyword(o, 0, {"server"});
    if (!k) return forward_error(std::move(k));
    mode_server_ = true;
  } else if (n == "tls-server") {
    if (Status s = arity(0, 0); !s) return s;
    tls_server_ = true;
  } else if (n == "push") {
    auto text = push_option_text(o);
    if (!text) return forward_error(std::move(text));
    out_.push.push_back(std::move(*text));
  } else if (n == "cd") {
    if (Status s = arity(1, 1); !s) return s;
    out_.cd_dir = resolve_path(o.base_dir, o.args.at(0));
  } else if (n == "ignore-unknown-option") {
    return ignore_unknown(o);
  } else if (n == "compress" && o.args.size() == 1 && o.args[0] == "migrate") {
    return option_unsupported(o,
                              "compress migrate is not supported yet: the offload engine (like "
                              "the kernel DCO) has no compression, so the clients must not "
                              "compress either");
  } else if (((n == "tls-auth" || n == "tls-crypt") && out_.tls.wrap == TlsWrapMode::kTlsCryptV2) ||
             (n == "tls-crypt-v2" && (out_.tls.wrap == TlsWrapMode::kTlsAuth ||
                                      out_.tls.wrap == TlsWrapMode::kTlsCrypt))) {
    return option_unsupported(o,
                              "ovpnd's server takes one control-channel wrapping: OpenVPN also "
                              "allows tls-crypt-v2 beside tls-auth or tls-crypt (to move clients "
                              "over), ovpnd does not yet");
  } else {
    handled = false;
  }
  return {};
}

// setenv NAME [VALUE], setenv FORWARD_COMPATIBLE 1, setenv opt OPTION ARGS...
Status ServerBuilder::apply_setenv(const Option& o) {
  if (Status s = OptionBuilder::apply_setenv(o, out_.scripts.setenv); !s) return s;
  return {};
}

Status ServerBuilder::check_network() {
  ServerNetwork& n = out_.network;
  const bool tcp = out_.transport.proto == ServerProto::kTcpServer;
  if (tcp && out_.clients.connect_freq) {
    return fail_at("connect-freq",
                   "only works with proto udp (as in OpenVPN); bound TCP clients with "
                   "max-clients");
  }
  if (tcp && out_.transport.explicit_exit_notify != 0) {
    warn_at("explicit-exit-notify", "ignored for proto tcp-server (as OpenVPN does)");
    out_.transport.explicit_exit_notify = 0;
  }
  if (!n.ifconfig && !n.ifconfig_ipv6) {
    return make_error(Errc::kInvalidArgument,
                      "no tunnel address: give server NETWORK NETMASK, server-ipv6 NETWORK/BITS "
                      "or ifconfig");
  }
  if (n.ifconfig) {
    const bool is_netmask = netmask_length(n.ifconfig->netmask_or_peer).has_value();
    if (n.topology == Topology::kSubnet && !is_netmask) {
      return fail_at("ifconfig", "with topology subnet the second address must be a netmask, not " +
                                     n.ifconfig->netmask_or_peer.to_string());
    }
    if (n.topology != Topology::kSubnet && n.ifconfig->netmask_or_peer.bytes()[0] == 255 &&
        !out_.tun.ifconfig_nowarn) {
      warn_at("ifconfig", "the second address " + n.ifconfig->netmask_or_peer.to_string() +
                              " looks like a netmask, but topology net30 and p2p take the peer's "
                              "address (use topology subnet for a netmask)");
    }
  }
  if (n.pool && !n.ifconfig) {
    return fail_at("ifconfig-pool", "needs ifconfig (the server's own IPv4 address)");
  }
  if (n.pool && n.pool->netmask && n.topology != Topology::kSubnet) {
    return fail_at("ifconfig-pool",
                   "the netmask (third argument) is only valid with topology subnet");
  }
  if (n.pool && !n.pool->netmask && n.topology == Topology::kSubnet) {
    n.pool->netmask = n.ifconfig->netmask_or_peer;  // OpenVPN pushes the tun's netmask
  }
  if (n.pool_ipv6 && !n.ifconfig_ipv6) {
    return fail_at("ifconfig-ipv6-pool", "needs ifconfig-ipv6 (the server's own IPv6 address)");
  }
  if (!n.pool_persist_file.empty() && !n.pool && !n.pool_ipv6) {
    return fail_at("ifconfig-pool-persist",
                   "needs an address pool (server, server-ipv6, ifconfig-pool or "
                   "ifconfig-ipv6-pool)");
  }
  if (n.pool && n.pool_ipv6) {
    ServerNetwork v4_only = n, v6_only = n;
    v4_only.pool_ipv6.reset();
    v6_only.pool.reset();
    const uint32_t v4 = pool_capacity(v4_only), v6 = pool_capacity(v6_only);
    if (v6 < v4) {
      warnings_.push_back("the IPv6 pool has room for " + std::to_string(v6) +
                          " clients, the IPv4 pool for " + std::to_string(v4) +
                          ": clients take one index in both, so the IPv6 pool limits them to " +
                          std::to_string(v6));
    }
  }
  return {};
}

Status ServerBuilder::check_clients() {
  const ClientPolicy& c = out_.clients;
  if (c.ccd_exclusive && c.client_config_dir.empty()) {
    return fail_at("ccd-exclusive", "needs client-config-dir");
  }
  const bool no_cert = c.verify_client_cert != VerifyClientCert::kRequire;
  if (c.auth_user_pass_verify.empty()) {
    if (no_cert) {
      return fail_at("verify-client-cert",
                     "none and optional need auth-user-pass-verify (else nothing checks a "
                     "client without a certificate)");
    }
    if (c.username_as_common_name) {
      return fail_at("username-as-common-name", "needs auth-user-pass-verify");
    }
  }
  if (no_cert) {
    warn_at("verify-client-cert",
            "potentially dangerous: a client without a certificate is accepted when "
            "auth-user-pass-verify accepts its user name and password");
  }
  const uint32_t security = out_.scripts.script_security;
  const std::pair<const char*, const std::string*> scripts[] = {
      {"auth-user-pass-verify", &c.auth_user_pass_verify},
      {"client-connect", &c.client_connect},
      {"client-disconnect", &c.client_disconnect},
      {"tls-crypt-v2-verify", &c.tls_crypt_v2_verify},
      {"up", &out_.scripts.up},
      {"down", &out_.scripts.down},
      {"route-up", &out_.scripts.route_up},
      {"route-pre-down", &out_.scripts.route_pre_down},
      {"tls-verify", &out_.tls.tls_verify_cmd},
  };
  for (const auto& [name, command] : scripts) {
    if (!command->empty() && security < 2) {
      warn_at(name, "will not run: scripts need script-security 2 or higher (it is " +
                        std::to_string(security) + ")");
    }
  }
  if (!c.tls_crypt_v2_verify.empty() && out_.tls.wrap != TlsWrapMode::kTlsCryptV2) {
    warn_at("tls-crypt-v2-verify", "has no effect without tls-crypt-v2");
  }
  if (!c.auth_user_pass_verify.empty() && c.auth_verify_method == AuthVerifyMethod::kViaEnv &&
      security == 2) {
    warn_at("auth-user-pass-verify",
            "via-env passes the password only with script-security 3; with 2 the script gets no "
            "password (use via-file)");
  }
  return {};
}

Status ServerBuilder::check_tls_and_timers() {
  auto fail = [](std::string what) { return make_error(Errc::kInvalidArgument, std::move(what)); };
  TimerOptions& t = out_.timers;
  if (t.ping_restart_s && *t.ping_restart_s != 0 && t.ping_exit_s != 0) {
    return fail("ping-restart and ping-exit exclude each other");
  }
  TlsOptions& tls = out_.tls;
  if (tls.ca.text.empty() && tls.peer_fingerprints.empty()) {
    return fail("no CA: give ca (or peer-fingerprint) to verify the clients");
  }
  if (tls.cert.text.empty() || tls.key.text.empty()) {
    return fail(
        tls.cert.text.empty() && tls.key.text.empty()
            ? "no server certificate: give cert and key"
            : (tls.cert.text.empty() ? "key given without cert" : "cert given without key"));
  }
  if (!tls.reneg_sec_min) {
    // OpenVPN's server takes up to 10% off reneg-sec, at random, for each key.
    tls.reneg_sec_min = tls.reneg_sec - std::max<uint32_t>(tls.reneg_sec / 10, 1) + 1;
    if (tls.reneg_sec == 0) tls.reneg_sec_min = 0;
  }
  const DataChannelOptions& d = out_.data;
  if (d.cipher &&
      std::find(d.data_ciphers.begin(), d.data_ciphers.end(), *d.cipher) == d.data_ciphers.end()) {
    warn_at("cipher", *d.cipher +
                          " is not in data-ciphers: OpenVPN 2.6 ignores cipher for negotiation "
                          "(add it to data-ciphers or use data-ciphers-fallback)");
  }
  return {};
}

Expected<BuiltServerOptions> ServerBuilder::finish() {
  const std::string& topology = out_.tun.topology;
  out_.network.topology = topology == "subnet" ? Topology::kSubnet
                          : topology == "p2p"  ? Topology::kP2p
                                               : Topology::kNet30;
  if (out_.tun.dev_type.empty() && out_.tun.dev.rfind("tun", 0) != 0) {
    return fail_at(
        "dev", "cannot tell whether " + quoted(out_.tun.dev) + " is tun or tap; add dev-type tun");
  }
  const HelperDirectives given{server_ ? &*server_ : nullptr,
                               server_ipv6_ ? &*server_ipv6_ : nullptr,
                               keepalive_ ? &*keepalive_ : nullptr};
  if (Status s = expand_server_helpers(given, out_, mode_server_, tls_server_, warnings_); !s) {
    return forward_error(std::move(s));
  }
  if (!mode_server_) {
    return make_error(Errc::kInvalidArgument,
                      "not a server configuration: give server NETWORK NETMASK (or server-ipv6, "
                      "or mode server with tls-server)");
  }
  if (!tls_server_) return fail_at("mode", "mode server needs tls-server");
  if (Status s = check_network(); !s) return forward_error(std::move(s));
  if (Status s = check_clients(); !s) return forward_error(std::move(s));
  if (Status s = check_tls_and_timers(); !s) return forward_error(std::move(s));
  return BuiltServerOptions{std::move(out_), std::move(warnings_)};
}

}  // namespace

Expected<BuiltServerOptions> build_server_options(const OptionList& options, FileSystem& fs) {
  ServerBuilder builder(fs);
  for (const Option& o : options) {
    if (Status s = builder.apply(o); !s) return forward_error(std::move(s));
  }
  return builder.finish();
}

uint32_t pool_capacity(const ServerNetwork& network) {
  constexpr uint64_t kMax = 65536;  // OpenVPN's IFCONFIG_POOL_MAX
  uint64_t v4 = 0, v6 = 0;
  if (network.pool) {
    const uint64_t start = v4_number(network.pool->start), end = v4_number(network.pool->end);
    if (network.topology == Topology::kNet30) {
      const uint64_t base = start & ~uint64_t{3};
      v4 = (((end | 3) + 1) - base) >> 2;
    } else {
      v4 = end >= start ? end - start + 1 : 0;
    }
    v4 = std::min(v4, kMax);
  }
  if (network.pool_ipv6) {
    const unsigned host_bits = 128u - network.pool_ipv6->bits;
    v6 = host_bits >= 16 ? kMax : uint64_t{1} << host_bits;
  }
  if (network.pool && network.pool_ipv6) return static_cast<uint32_t>(std::min(v4, v6));
  return static_cast<uint32_t>(network.pool ? v4 : v6);
}

}  // namespace ovpn::config
