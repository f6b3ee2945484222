// Builds ClientOptions from an OptionList: dispatch to the option tables, the options that
// shape the whole client (client, remote, <connection>, setenv, ignore-unknown-option), unknown
// and rejected options, and the checks that need every option (see client_options.h).

#include "config/client_options.h"

#include <algorithm>

#include "config/client_handlers.h"
#include "config/known_options.h"
#include "config/option_builder.h"

namespace ovpn::config {
namespace {

class ClientBuilder final : public OptionBuilder {
 public:
  explicit ClientBuilder(FileSystem& fs) : OptionBuilder(fs) {}

  Expected<BuiltClientOptions> finish();

 private:
  Status apply_strict(const Option& o, bool lenient) override;
  Status apply_setenv(const Option& o);
  Status apply_connection_block(const Option& o);
  Status apply_general(const Option& o, bool& handled);
  Status build_entries();

  ClientOptions out_;
  ConnectionEntry global_;       // the template of every `remote`
  std::vector<Option> remotes_;  // top-level remote lines, applied over the final template
  std::vector<ConnectionEntry> blocks_;
  SourceLocation dev_where_;
};

Status ClientBuilder::apply_strict(const Option& o, bool lenient) {
  if (o.name == "setenv") return apply_setenv(o);
  if (o.name == "connection") {
    if (!o.is_inline()) return option_error(o, "is only valid as a <connection> block");
    return apply_connection_block(o);
  }
  bool handled = false;
  if (Status s = apply_general(o, handled); !s || handled) return s;
  EntryTarget entry{global_};
  if (Status s = try_table(connection_entry_handlers(), o, entry, handled); !s || handled) return s;
  if (Status s = try_table(tls_handlers(), o, out_.tls, handled); !s) return s;
  if (Status s = try_table(data_channel_handlers(), o, out_.data, handled); !s) return s;
  if (Status s = try_table(tun_route_handlers(), o, out_.tun, handled); !s) return s;
  if (Status s = try_table(timer_handlers(), o, out_.timers, handled); !s) return s;
  if (Status s = try_table(auth_handlers(), o, out_.auth, handled); !s) return s;
  if (Status s = try_table(script_handlers(), o, out_.scripts, handled); !s) return s;
  if (Status s = try_table(logging_handlers(), o, out_.logging, handled); !s) return s;
  if (handled) {
    if (o.name == "dev") dev_where_ = o.where;
    return {};
  }
  if (const KnownOption* known = find_known_option(o.name)) {
    switch (known->disposition) {
      case Disposition::kUnsupported:
        return option_unsupported(o, known->reason);
      case Disposition::kServerOnly:
      case Disposition::kClientOnly:
      case Disposition::kCcdOnly:
        return option_error(o, known->reason);
      case Disposition::kIgnored:
        ctx_.warn(o, known->reason);
        return {};
    }
  }
  return unknown_option(o, lenient);
}

// Options that shape the whole client rather than one group.
Status ClientBuilder::apply_general(const Option& o, bool& handled) {
  handled = true;
  const std::string& n = o.name;
  auto arity = [&o](uint8_t min, uint8_t max) { return check_arity(o, min, max, Inline::kNo); };
  if (n == "client") {
    if (Status s = arity(0, 0); !s) return s;
    out_.pull = out_.tls_client = true;
  } else if (n == "pull" || n == "tls-client") {
    if (Status s = arity(0, 0); !s) return s;
    (n == "pull" ? out_.pull : out_.tls_client) = true;
  } else if (n == "mode") {
    if (Status s = arity(1, 1); !s) return s;
    if (o.args[0] == "server") {
      return option_error(o,
                          "mode server is the server side (a separate mode); this is a "
                          "client configuration");
    }
    auto k = arg_keyword(o, 0, {"p2p"});
    if (!k) return forward_error(std::move(k));
  } else if (n == "remote") {
    if (Status s = arity(1, 3); !s) return s;
    ConnectionEntry scratch;  // checks the arguments now, so that errors come in file order
    EntryTarget target{scratch};
    if (auto r = apply_from(connection_entry_handlers(), o, ctx_, target); !r) {
      return forward_error(std::move(r));
    }
    remotes_.push_back(o);
  } else if (n == "remote-random") {
    if (Status s = arity(0, 0); !s) return s;
    out_.connection.remote_random = true;
  } else if (n == "resolv-retry") {
    if (Status s = arity(1, 1); !s) return s;
    if (o.args[0] == "infinite") {
      out_.connection.resolv_retry_s = ConnectionOptions::kResolvRetryInfinite;
    } else {
      auto v = arg_uint(o, 0, 0, ConnectionOptions::kResolvRetryInfinite);
      if (!v) return forward_error(std::move(v));
      out_.connection.resolv_retry_s = *v;
    }
  } else if (n == "connect-retry-max") {
    if (Status s = arity(1, 1); !s) return s;
    auto v = arg_uint(o, 0, 1, 0x7fffffff);
    if (!v) return forward_error(std::move(v));
    out_.connection.connect_retry_max = *v;
  } else if (n == "push-peer-info") {
    if (Status s = arity(0, 0); !s) return s;
    out_.push_peer_info = true;
  } else if (n == "cd") {
    if (Status s = arity(1, 1); !s) return s;
    out_.cd_dir = resolve_path(o.base_dir, o.args.at(0));
  } else if (n == "ignore-unknown-option") {
    return ignore_unknown(o);
  } else if (n.rfind("management", 0) == 0 && !find_known_option(n)) {
    return option_unsupported(o, "the management interface is not supported for the client yet");
  } else {
    handled = false;
  }
  return {};
}

// setenv NAME [VALUE], setenv FORWARD_COMPATIBLE 1, setenv opt OPTION ARGS...
Status ClientBuilder::apply_setenv(const Option& o) {
  if (Status s = OptionBuilder::apply_setenv(o, out_.scripts.setenv); !s) return s;
  if (!o.is_inline() && o.args.size() == 1 && o.args[0] == "PUSH_PEER_INFO") {
    out_.push_peer_info = true;
  }
  return {};
}

Status ClientBuilder::apply_connection_block(const Option& o) {
  ConnectionEntry entry = global_;  // the global options as they stand where the block starts
  entry.where = o.where;
  EntryTarget target{entry, /*in_block=*/true};
  for (const Option& child : o.children) {
    auto r = apply_from(connection_entry_handlers(), child, ctx_, target);
    if (!r) return forward_error(std::move(r));
    if (*r) continue;
    if (const KnownOption* known = find_known_option(child.name);
        known != nullptr && known->disposition == Disposition::kUnsupported) {
      return option_unsupported(child, known->reason);
    }
    return option_error(child, "not allowed in a <connection> block");
  }
  if (!target.remote_seen) return option_error(o, "a <connection> block needs a remote");
  blocks_.push_back(std::move(entry));
  return {};
}

Status ClientBuilder::build_entries() {
  auto& entries = out_.connection.entries;
  if (!blocks_.empty()) {
    entries = blocks_;
    for (const Option& r : remotes_) ctx_.warn(r, "ignored: <connection> blocks are in use");
  } else {
    for (const Option& r : remotes_) {
      ConnectionEntry entry = global_;
      EntryTarget target{entry};
      if (auto applied = apply_from(connection_entry_handlers(), r, ctx_, target); !applied) {
        return forward_error(std::move(applied));
      }
      entries.push_back(std::move(entry));
    }
  }
  if (entries.empty()) {
    return make_error(Errc::kInvalidArgument,
                      "no remote: a client needs at least one remote or <connection> block");
  }
  for (ConnectionEntry& e : entries) {
    // OpenVPN binds a TCP client only when asked to.
    if (e.proto == TransportProto::kTcpClient && !e.bind_set) e.bind_local = false;
    if (e.proto == TransportProto::kTcpClient && e.explicit_exit_notify != 0) {
      warnings_.push_back(e.where.to_string() +
                          ": explicit-exit-notify: ignored for proto tcp (as OpenVPN does)");
      e.explicit_exit_notify = 0;
    }
  }
  return {};
}

Expected<BuiltClientOptions> ClientBuilder::finish() {
  auto fail = [](std::string what) { return make_error(Errc::kInvalidArgument, std::move(what)); };
  if (!out_.tls_client) {
    return fail(out_.pull ? "pull needs tls-client (or use client)"
                          : "not a client configuration: give client (or tls-client); static-key "
                            "mode is not supported");
  }
  if (Status s = build_entries(); !s) return forward_error(std::move(s));

  TimerOptions& t = out_.timers;
  if (t.keepalive) {
    if (t.ping_s != 0 || t.ping_restart_s || t.ping_exit_s != 0) {
      return fail(
          "keepalive conflicts with ping, ping-restart and ping-exit: use one or the "
          "other");
    }
    t.ping_s = t.keepalive->first;
    t.ping_restart_s = t.keepalive->second;
  }
  if (t.ping_restart_s && *t.ping_restart_s != 0 && t.ping_exit_s != 0) {
    return fail("ping-restart and ping-exit exclude each other");
  }

  const TlsOptions& tls = out_.tls;
  if (tls.ca.text.empty() && tls.peer_fingerprints.empty()) {
    return fail("no CA: give ca (or peer-fingerprint) to verify the server");
  }
  if (tls.cert.text.empty() != tls.key.text.empty()) {
    return fail(tls.cert.text.empty() ? "key given without cert" : "cert given without key");
  }
  if (tls.cert.text.empty() && !out_.auth.auth_user_pass) {
    return fail("no client authentication: give cert and key, or auth-user-pass");
  }

  const DataChannelOptions& d = out_.data;
  if (d.cipher &&
      std::find(d.data_ciphers.begin(), d.data_ciphers.end(), *d.cipher) == d.data_ciphers.end()) {
    warnings_.push_back("cipher " + *d.cipher +
                        " is not in data-ciphers: OpenVPN 2.6 ignores cipher for negotiation "
                        "(add it to data-ciphers or use data-ciphers-fallback)");
  }

  if (out_.tun.dev_type.empty() && out_.tun.dev.rfind("tun", 0) != 0) {
    return make_error(Errc::kInvalidArgument,
                      dev_where_.to_string() + ": dev: cannot tell whether " +
                          quoted(out_.tun.dev) + " is tun or tap; add dev-type tun");
  }
  return BuiltClientOptions{std::move(out_), std::move(warnings_)};
}

}  // namespace

Expected<BuiltClientOptions> build_client_options(const OptionList& options, FileSystem& fs) {
  ClientBuilder builder(fs);
  for (const Option& o : options) {
    if (Status s = builder.apply(o); !s) return forward_error(std::move(s));
  }
  return builder.finish();
}

}  // namespace ovpn::config
