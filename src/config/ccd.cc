// Reading client-config-dir files and applying them to a client's push list (see ccd.h).

#include "config/ccd.h"

#include <algorithm>
#include <iterator>

#include "config/config_reader.h"
#include "config/ip_math.h"
#include "config/option_handler.h"
#include "config/option_values.h"
#include "config/server_push.h"
#include "config/tokenizer.h"

namespace ovpn::config {
namespace {

using H = OptionHandler<ClientConfig>;

constexpr std::string_view kAllowed =
    "ifconfig-push, ifconfig-ipv6-push, iroute, iroute-ipv6, push, push-reset, push-remove and "
    "disable";

Expected<IpAddress> arg_ipv4(const Option& o, size_t index, std::string_view what) {
  const auto a = IpAddress::parse(o.args.at(index));
  if (!a || !a->is_v4()) {
    return option_error(
        o, std::string(what) + " " + quoted(o.args[index]) + " is not an IPv4 address");
  }
  return *a;
}

// NETWORK/BITS or ADDRESS/BITS (IPv6): the address as written and the length.
Expected<std::pair<IpAddress, uint8_t>> arg_ipv6_bits(const Option& o, size_t index) {
  const std::string& text = o.args.at(index);
  const size_t slash = text.find('/');
  const auto address = IpAddress::parse(std::string_view(text).substr(0, slash));
  const auto prefix = IpPrefix::parse(text);
  if (slash == std::string::npos || !address || !address->is_v6() || !prefix) {
    return option_error(o, quoted(text) + " is not an IPv6 ADDRESS/BITS (fd00::2/64)");
  }
  return std::make_pair(*address, prefix->length);
}

// A network without host bits: OpenVPN clears them, ovpnd too, with a warning.
IpPrefix network_of(const Option& o, OptionContext& ctx, const IpAddress& address, uint8_t length) {
  const IpPrefix prefix = *IpPrefix::make(address, length);
  if (prefix.address != address) {
    ctx.warn(o, address.to_string() + " has host bits set; taken as " + prefix.to_string());
  }
  return prefix;
}

const H kTable[] = {
    {"ifconfig-push", 2, 3, Inline::kNo,
     [](const Option& o, OptionContext& c, ClientConfig& cc) -> Status {
       auto local = arg_ipv4(o, 0, "local address");
       if (!local) return forward_error(std::move(local));
       auto second = arg_ipv4(o, 1, "netmask or peer address");
       if (!second) return forward_error(std::move(second));
       if (o.args.size() == 3) c.warn(o, "the alias address " + quoted(o.args[2]) + " is ignored");
       cc.ifconfig_push = IfconfigPush{*local, *second};
       cc.ifconfig_push_where = o.where;
       return {};
     }},
    {"ifconfig-ipv6-push", 1, 2, Inline::kNo,
     [](const Option& o, OptionContext&, ClientConfig& cc) -> Status {
       auto local = arg_ipv6_bits(o, 0);
       if (!local) return forward_error(std::move(local));
       IfconfigIpv6Push push{local->first, local->second, std::nullopt};
       if (o.args.size() == 2) {
         const auto peer = IpAddress::parse(o.args[1]);
         if (!peer || !peer->is_v6()) {
           return option_error(o, "peer " + quoted(o.args[1]) + " is not an IPv6 address");
         }
         push.peer = *peer;
       }
       cc.ifconfig_ipv6_push = push;
       return {};
     }},
    {"iroute", 1, 2, Inline::kNo,
     [](const Option& o, OptionContext& c, ClientConfig& cc) -> Status {
       auto network = arg_ipv4(o, 0, "network");
       if (!network) return forward_error(std::move(network));
       uint8_t length = 32;
       if (o.args.size() == 2) {
         auto mask = arg_ipv4(o, 1, "netmask");
         if (!mask) return forward_error(std::move(mask));
         const auto bits = netmask_length(*mask);
         if (!bits) {
           return option_error(o, "netmask " + quoted(o.args[1]) +
                                      " is not a netmask (its one bits must be contiguous)");
         }
         length = *bits;
       }
       cc.iroutes.push_back(network_of(o, c, *network, length));
       return {};
     }},
    {"iroute-ipv6", 1, 1, Inline::kNo,
     [](const Option& o, OptionContext& c, ClientConfig& cc) -> Status {
       auto network = arg_ipv6_bits(o, 0);
       if (!network) return forward_error(std::move(network));
       cc.iroutes_ipv6.push_back(network_of(o, c, network->first, network->second));
       return {};
     }},
    {"push", 0, 15, Inline::kAllowed,
     [](const Option& o, OptionContext&, ClientConfig& cc) -> Status {
       auto text = push_option_text(o);
       if (!text) return forward_error(std::move(text));
       cc.push_edits.push_back({PushEditKind::kAdd, std::move(*text)});
       return {};
     }},
    {"push-reset", 0, 0, Inline::kNo,
     [](const Option&, OptionContext&, ClientConfig& cc) -> Status {
       cc.push_edits.push_back({PushEditKind::kReset, {}});
       return {};
     }},
    {"push-remove", 1, 1, Inline::kNo,
     [](const Option& o, OptionContext&, ClientConfig& cc) -> Status {
       if (o.args[0].empty()) return option_error(o, "the prefix is empty");
       cc.push_edits.push_back({PushEditKind::kRemove, o.args[0]});
       return {};
     }},
    {"disable", 0, 0, Inline::kNo,
     [](const Option&, OptionContext&, ClientConfig& cc) -> Status {
       cc.disable = true;
       return {};
     }},
};

// Options OpenVPN also takes in a client-config-dir file, which ovpnd does not (yet).
bool openvpn_ccd_option(std::string_view name) {
  for (const std::string_view n :
       {"setenv", "inactive", "echo", "ping", "ping-restart", "ping-exit", "ping-timer-rem",
        "comp-lzo", "compress", "session-timeout", "max-routes-per-client", "vlan-pvid",
        "override-username", "auth-token"}) {
    if (n == name) return true;
  }
  return false;
}

// "route NET [MASK]" or "route-ipv6 NET/BITS" without gateway naming one of `iroutes`.
bool routes_an_iroute(const std::string& text, const ClientConfig& ccd) {
  auto words = tokenize_line(text);
  if (!words || words->size() < 2) return false;
  const std::vector<std::string>& w = *words;
  if (w[0] == "route" && w.size() <= 3) {
    const auto network = IpAddress::parse(w[1]);
    const auto mask = IpAddress::parse(w.size() == 3 ? w[2] : "255.255.255.255");
    if (!network || !network->is_v4() || !mask) return false;
    const auto bits = netmask_length(*mask);
    if (!bits) return false;
    const auto route = IpPrefix::make(*network, *bits);
    return std::find(ccd.iroutes.begin(), ccd.iroutes.end(), *route) != ccd.iroutes.end();
  }
  if (w[0] == "route-ipv6" && w.size() == 2) {
    const auto route = IpPrefix::parse(w[1]);
    if (!route || !route->address.is_v6()) return false;
    return std::find(ccd.iroutes_ipv6.begin(), ccd.iroutes_ipv6.end(), *route) !=
           ccd.iroutes_ipv6.end();
  }
  return false;
}

}  // namespace

Expected<ClientConfig> build_client_config(const OptionList& options) {
  ClientConfig out;
  MemoryFileSystem no_files;  // nothing here names a file
  OptionContext ctx{no_files, out.warnings};
  for (const Option& o : options) {
    auto applied = apply_from(std::span<const H>(kTable), o, ctx, out);
    if (!applied) return forward_error(std::move(applied));
    if (*applied) continue;
    const std::string why =
        "not valid in a client-config-dir file (ovpnd takes " + std::string(kAllowed) + ")";
    if (openvpn_ccd_option(o.name)) return option_unsupported(o, "not supported yet: " + why);
    return option_error(o, why);
  }
  return out;
}

Expected<ClientConfig> read_client_config(std::string_view text, const std::string& name,
                                          FileSystem& fs) {
  auto options = read_config_text(text, name, fs);
  if (!options) return forward_error(std::move(options));
  return build_client_config(*options);
}

void merge_client_config(ClientConfig& into, ClientConfig later) {
  into.disable = into.disable || later.disable;
  if (later.ifconfig_push) {
    into.ifconfig_push = later.ifconfig_push;
    into.ifconfig_push_where = later.ifconfig_push_where;
  }
  if (later.ifconfig_ipv6_push) into.ifconfig_ipv6_push = later.ifconfig_ipv6_push;
  auto append = [](auto& to, auto& from) {
    to.insert(to.end(), std::make_move_iterator(from.begin()), std::make_move_iterator(from.end()));
  };
  append(into.iroutes, later.iroutes);
  append(into.iroutes_ipv6, later.iroutes_ipv6);
  append(into.push_edits, later.push_edits);
  append(into.warnings, later.warnings);
}

Status check_client_config(const ClientConfig& ccd, const ServerNetwork& network) {
  if (!ccd.ifconfig_push) return {};
  const IfconfigPush& push = *ccd.ifconfig_push;
  const std::string where = ccd.ifconfig_push_where.to_string() + ": ifconfig-push: ";
  if (network.push_constraint && !network.push_constraint->contains(push.local)) {
    return make_error(Errc::kInvalidArgument, where + push.local.to_string() +
                                                  " is outside the server's network " +
                                                  network.push_constraint->to_string());
  }
  if (network.topology == Topology::kSubnet && !netmask_length(push.netmask_or_peer)) {
    return make_error(Errc::kInvalidArgument,
                      where + "with topology subnet the second address must be a netmask, not " +
                          push.netmask_or_peer.to_string());
  }
  return {};
}

ClientPushList client_push_list(std::span<const std::string> server_push, const ClientConfig& ccd) {
  ClientPushList out;
  // Built element by element: GCC 12 at -O2 reports a null dereference inside assign().
  out.options.reserve(server_push.size() + ccd.push_edits.size());
  for (const std::string& option : server_push) out.options.push_back(option);
  for (const PushEdit& edit : ccd.push_edits) {
    switch (edit.kind) {
      case PushEditKind::kAdd:
        out.options.push_back(edit.text);
        break;
      case PushEditKind::kReset:
        out.options.clear();
        break;
      case PushEditKind::kRemove:
        if (edit.text == "ifconfig") {
          out.ifconfig_blocked = true;
        } else if (edit.text == "ifconfig-ipv6") {
          out.ifconfig_ipv6_blocked = true;
        } else {
          std::erase_if(out.options, [&](const std::string& o) {
            return o.compare(0, edit.text.size(), edit.text) == 0;
          });
        }
        break;
    }
  }
  std::erase_if(out.options, [&](const std::string& o) { return routes_an_iroute(o, ccd); });
  return out;
}

}  // namespace ovpn::config
