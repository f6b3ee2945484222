// Applying a server's PUSH_REPLY options (see pushed_options.h).

#include "config/pushed_options.h"

#include <algorithm>

#include "common/ip_address.h"
#include "config/option_handler.h"
#include "config/tokenizer.h"

namespace ovpn::config {
namespace {

constexpr std::string_view kPushSource = "[PUSH-OPTIONS]";
constexpr size_t kMaxItemBytes = 255;     // OpenVPN parses each item in a 256-byte buffer
constexpr size_t kMaxListEntries = 4096;  // routes, dhcp-options ... over all messages

struct PushTarget {
  PushedOptions& out;
  const PullPolicy& policy;
};
using H = OptionHandler<PushTarget>;

template <class T>
Status append_bounded(const Option& o, std::vector<T>& list, T value) {
  if (list.size() >= kMaxListEntries) {
    return option_error(o, "more than " + std::to_string(kMaxListEntries) + " entries");
  }
  list.push_back(std::move(value));
  return {};
}

template <class T>
Status set_uint(const Option& o, size_t index, uint32_t min, uint32_t max, T& into) {
  auto v = arg_uint(o, index, min, max);
  if (!v) return forward_error(std::move(v));
  into = *v;
  return {};
}

bool is_ipv4(const std::string& text) {
  const auto a = IpAddress::parse(text);
  return a && a->is_v4();
}

Status set_compression(const Option& o, PushTarget& t) {
  const bool comp_lzo = o.name == "comp-lzo";
  const std::string algo = o.args.empty() ? (comp_lzo ? "adaptive" : "stub") : o.args[0];
  if (comp_lzo && algo == "no") {
    t.out.compression = CompressionStub::kCompLzoNo;
  } else if (!comp_lzo && (algo == "stub" || algo == "stub-v2")) {
    t.out.compression =
        algo == "stub" ? CompressionStub::kCompressStub : CompressionStub::kCompressStubV2;
  } else {
    return option_unsupported(o, "the server pushes compression " + quoted(algo) +
                                     ", which the offload engine (like the kernel DCO) cannot do");
  }
  return {};
}

const H kPushable[] = {
    {"ifconfig", 2, 2, Inline::kNo,
     [](const Option& o, OptionContext&, PushTarget& t) -> Status {
       if (!is_ipv4(o.args[0]) || !is_ipv4(o.args[1])) {
         return option_error(o, "expects two IPv4 addresses (local, netmask or peer)");
       }
       t.out.ifconfig.emplace(o.args[0], o.args[1]);
       return {};
     }},
    {"ifconfig-ipv6", 2, 2, Inline::kNo,
     [](const Option& o, OptionContext&, PushTarget& t) -> Status {
       const auto slash = o.args[0].find('/');
       const auto local = IpAddress::parse(o.args[0].substr(0, slash));
       const auto prefix = IpPrefix::parse(o.args[0]);
       const auto peer = IpAddress::parse(o.args[1]);
       if (!local || !local->is_v6() || !prefix || !peer || !peer->is_v6()) {
         return option_error(o, "expects ADDRESS/BITS and a peer address (IPv6)");
       }
       t.out.ifconfig_ipv6.emplace(o.args[0], o.args[1]);
       return {};
     }},
    {"route", 1, 4, Inline::kNo,
     [](const Option& o, OptionContext&, PushTarget& t) -> Status {
       auto r =
           parse_route(o, t.policy.allow_pull_fqdn ? AllowHostNames::kYes : AllowHostNames::kNo);
       if (!r) return forward_error(std::move(r));
       return append_bounded(o, t.out.routes, std::move(*r));
     }},
    {"route-ipv6", 1, 3, Inline::kNo,
     [](const Option& o, OptionContext&, PushTarget& t) -> Status {
       auto r = parse_route_ipv6(o);
       if (!r) return forward_error(std::move(r));
       return append_bounded(o, t.out.routes6, std::move(*r));
     }},
    {"route-gateway", 1, 1, Inline::kNo,
     [](const Option& o, OptionContext&, PushTarget& t) -> Status {
       if (o.args[0] != "dhcp" && !is_ipv4(o.args[0])) {
         return option_error(o, quoted(o.args[0]) + " is not an IPv4 address or dhcp");
       }
       t.out.route_gateway = o.args[0];
       return {};
     }},
    {"topology", 1, 1, Inline::kNo,
     [](const Option& o, OptionContext&, PushTarget& t) -> Status {
       auto k = arg_keyword(o, 0, {"subnet", "net30", "p2p"});
       if (!k) return forward_error(std::move(k));
       t.out.topology = o.args[0];
       return {};
     }},
    {"peer-id", 1, 1, Inline::kNo,
     [](const Option& o, OptionContext&, PushTarget& t) {
       return set_uint(o, 0, 0, 0xFFFFFF, t.out.peer_id);
     }},
    {"cipher", 1, 1, Inline::kNo,
     [](const Option& o, OptionContext&, PushTarget& t) -> Status {
       // Kept even when it is not a cipher ovpnd has: negotiation then fails with a clear error.
       t.out.cipher = canonical_aead_cipher(o.args[0]).value_or(o.args[0]);
       return {};
     }},
    {"ping", 1, 1, Inline::kNo,
     [](const Option& o, OptionContext&, PushTarget& t) {
       return set_uint(o, 0, 0, 86400, t.out.ping_s);
     }},
    {"ping-restart", 1, 1, Inline::kNo,
     [](const Option& o, OptionContext&, PushTarget& t) {
       return set_uint(o, 0, 0, 86400 * 7, t.out.ping_restart_s);
     }},
    {"protocol-flags", 1, 15, Inline::kNo,
     [](const Option& o, OptionContext& c, PushTarget& t) -> Status {
       for (const std::string& f : o.args) {
         ProtocolFlags& p = t.out.protocol_flags;
         if (f == "cc-exit") {
           p.cc_exit = true;
         } else if (f == "tls-ekm") {
           p.tls_ekm = true;
         } else if (f == "dyn-tls-crypt") {
           p.dyn_tls_crypt = true;
         } else if (f == "aead-epoch") {
           p.aead_epoch = true;
         } else {
           c.warn(o, "unknown flag " + quoted(f) + ", ignored");
         }
       }
       return {};
     }},
    {"key-derivation", 1, 1, Inline::kNo,
     [](const Option& o, OptionContext& c, PushTarget& t) -> Status {
       if (o.args[0] == "tls-ekm") {
         t.out.protocol_flags.tls_ekm = true;
       } else {
         c.warn(o, "unknown method " + quoted(o.args[0]) + ", ignored");
       }
       return {};
     }},
    {"tun-mtu", 1, 1, Inline::kNo,
     [](const Option& o, OptionContext&, PushTarget& t) {
       return set_uint(o, 0, 68, 65535, t.out.tun_mtu);
     }},
    {"dhcp-option", 1, 2, Inline::kNo,
     [](const Option& o, OptionContext&, PushTarget& t) -> Status {
       auto d = parse_dhcp_option(o);
       if (!d) return forward_error(std::move(d));
       return append_bounded(o, t.out.dhcp_options, std::move(*d));
     }},
    {"dns", 1, 15, Inline::kNo,
     [](const Option& o, OptionContext&, PushTarget& t) -> Status {
       if (Status s = check_dns_option(o); !s) return s;
       return append_bounded(o, t.out.dns, o.args);
     }},
    {"redirect-gateway", 0, 8, Inline::kNo,
     [](const Option& o, OptionContext&, PushTarget& t) -> Status {
       auto r = parse_redirect(o, false);
       if (!r) return forward_error(std::move(r));
       t.out.redirect = *r;
       return {};
     }},
    {"redirect-private", 0, 8, Inline::kNo,
     [](const Option& o, OptionContext&, PushTarget& t) -> Status {
       auto r = parse_redirect(o, true);
       if (!r) return forward_error(std::move(r));
       t.out.redirect = *r;
       return {};
     }},
    {"block-ipv6", 0, 0, Inline::kNo,
     [](const Option&, OptionContext&, PushTarget& t) -> Status {
       t.out.block_ipv6 = true;
       return {};
     }},
    {"explicit-exit-notify", 0, 1, Inline::kNo,
     [](const Option& o, OptionContext&, PushTarget& t) -> Status {
       if (o.args.empty()) {
         t.out.explicit_exit_notify = 1;
         return {};
       }
       return set_uint(o, 0, 0, 100, t.out.explicit_exit_notify);
     }},
    {"inactive", 1, 2, Inline::kNo,
     [](const Option& o, OptionContext&, PushTarget& t) -> Status {
       if (Status s = set_uint(o, 0, 0, 0x7fffffff, t.out.inactive_s); !s) return s;
       if (o.args.size() == 2) {
         auto bytes = arg_u64(o, 1, 0, UINT64_MAX / 2);
         if (!bytes) return forward_error(std::move(bytes));
         t.out.inactive_bytes = *bytes;
       }
       return {};
     }},
    {"session-timeout", 1, 1, Inline::kNo,
     [](const Option& o, OptionContext&, PushTarget& t) {
       return set_uint(o, 0, 0, 0x7fffffff, t.out.session_timeout_s);
     }},
    {"auth-token", 1, 1, Inline::kNo,
     [](const Option& o, OptionContext&, PushTarget& t) -> Status {
       t.out.auth_token = o.args[0];
       return {};
     }},
    {"auth-token-user", 1, 1, Inline::kNo,
     [](const Option& o, OptionContext&, PushTarget& t) -> Status {
       t.out.auth_token_user = o.args[0];
       return {};
     }},
    {"echo", 0, 15, Inline::kNo,
     [](const Option& o, OptionContext&, PushTarget& t) -> Status {
       std::string text;
       for (const std::string& a : o.args) text += (text.empty() ? "" : " ") + a;
       return append_bounded(o, t.out.echo, std::move(text));
     }},
    {"push-continuation", 1, 1, Inline::kNo,
     [](const Option& o, OptionContext&, PushTarget& t) {
       return set_uint(o, 0, 1, 2, t.out.push_continuation);
     }},
    {"comp-lzo", 0, 1, Inline::kNo,
     [](const Option& o, OptionContext&, PushTarget& t) { return set_compression(o, t); }},
    {"compress", 0, 1, Inline::kNo,
     [](const Option& o, OptionContext&, PushTarget& t) { return set_compression(o, t); }},
    {"setenv-safe", 1, 2, Inline::kNo,
     [](const Option& o, OptionContext&, PushTarget& t) {
       return append_bounded(
           o, t.out.setenv_safe,
           std::make_pair(o.args[0], o.args.size() == 2 ? o.args[1] : std::string()));
     }},
};

// OpenVPN's OPT_P_ROUTE and OPT_P_DHCPDNS: what route-nopull refuses.
bool refused_by_route_nopull(std::string_view name) {
  return name == "route" || name == "route-ipv6" || name == "redirect-gateway" ||
         name == "redirect-private" || name == "block-ipv6" || name == "dhcp-option" ||
         name == "dns";
}

std::string_view trim_leading(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\n' ||
                        s.front() == '\r' || s.front() == '\v' || s.front() == '\f')) {
    s.remove_prefix(1);
  }
  return s;
}

// The pull-filter verdict for one item: the first filter whose text starts the item.
std::optional<PullFilterAction> filter_verdict(const PullPolicy& policy, std::string_view item) {
  item = trim_leading(item);
  for (const PullFilter& f : policy.filters) {
    if (item.substr(0, f.prefix.size()) == f.prefix) return f.action;
  }
  return std::nullopt;
}

}  // namespace

PullPolicy PullPolicy::from(const ClientOptions& options) {
  return PullPolicy{options.tun.pull_filters, options.tun.route_nopull,
                    options.tun.allow_pull_fqdn};
}

std::optional<std::string_view> push_reply_options(std::string_view message) {
  constexpr std::string_view kPrefix = "PUSH_REPLY";
  if (!message.empty() && message.back() == '\0') message.remove_suffix(1);
  if (message.substr(0, kPrefix.size()) != kPrefix) return std::nullopt;
  message.remove_prefix(kPrefix.size());
  if (message.empty()) return message;
  if (message.front() != ',') return std::nullopt;
  return message.substr(1);
}

Status apply_push_reply(std::string_view options_text, const PullPolicy& policy,
                        PushedOptions& into) {
  MemoryFileSystem no_files;  // pushed options never name files
  OptionContext ctx{no_files, into.warnings};
  PushTarget target{into, policy};
  into.push_continuation = 0;  // a message without push-continuation is the last one
  int line = 0;
  while (!options_text.empty() || line == 0) {
    const size_t comma = options_text.find(',');
    const std::string_view item = options_text.substr(0, comma);
    options_text =
        comma == std::string_view::npos ? std::string_view() : options_text.substr(comma + 1);
    ++line;
    Option option;
    option.where = SourceLocation{std::string(kPushSource), line};
    const auto verdict = filter_verdict(policy, item);
    if (verdict == PullFilterAction::kReject) {
      return make_error(Errc::kInvalidArgument, option.where.to_string() +
                                                    ": pushed option rejected by pull-filter: " +
                                                    quoted(trim_leading(item)));
    }
    if (verdict == PullFilterAction::kIgnore) continue;
    if (item.size() > kMaxItemBytes) {
      into.warnings.push_back(option.where.to_string() + ": option longer than " +
                              std::to_string(kMaxItemBytes) + " bytes, ignored");
      continue;
    }
    auto words = tokenize_line(item);
    if (!words) {
      into.warnings.push_back(option.where.to_string() + ": " + words.error().message +
                              ", ignored");
      continue;
    }
    if (words->empty()) continue;
    option.name = std::move(words->front());
    option.args.assign(std::make_move_iterator(words->begin() + 1),
                       std::make_move_iterator(words->end()));
    if (policy.route_nopull && refused_by_route_nopull(option.name)) {
      ctx.warn(option, "refused (route-nopull), ignored");
      continue;
    }
    auto applied = apply_from(std::span<const H>(kPushable), option, ctx, target);
    if (!applied) {
      if (applied.error().code == Errc::kUnsupported) return forward_error(std::move(applied));
      into.warnings.push_back(applied.error().message + ", ignored");
    } else if (!*applied) {
      ctx.warn(option, "unrecognized option or missing or extra parameter(s), ignored");
    }
  }
  return {};
}

Expected<bool> check_pushable_option(const Option& option) {
  MemoryFileSystem no_files;
  PushedOptions scratch;
  OptionContext ctx{no_files, scratch.warnings};
  const PullPolicy policy{{}, false, true};
  PushTarget target{scratch, policy};
  return apply_from(std::span<const H>(kPushable), option, ctx, target);
}

}  // namespace ovpn::config
