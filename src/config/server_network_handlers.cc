// Options of the server's VPN addressing: the server and server-ipv6 helpers (parsed here,
// expanded by server_helpers.cc), ifconfig, ifconfig-ipv6, the address pools and the pool
// persistence file.

#include "config/ip_math.h"
#include "config/server_handlers.h"

namespace ovpn::config {
namespace {

using H = OptionHandler<ServerNetwork>;

constexpr uint64_t kMaxPoolAddresses = 65536;  // OpenVPN's IFCONFIG_POOL_MAX

Expected<IpAddress> arg_ipv4(const Option& o, size_t index, std::string_view what) {
  const auto a = IpAddress::parse(o.args.at(index));
  if (!a || !a->is_v4()) {
    return option_error(
        o, std::string(what) + " " + quoted(o.args[index]) + " is not an IPv4 address");
  }
  return *a;
}

Expected<uint8_t> arg_netmask(const Option& o, size_t index) {
  auto mask = arg_ipv4(o, index, "netmask");
  if (!mask) return forward_error(std::move(mask));
  const auto length = netmask_length(*mask);
  if (!length) {
    return option_error(o, "netmask " + quoted(o.args[index]) +
                               " is not a netmask (its one bits must be contiguous)");
  }
  return *length;
}

// ADDRESS/BITS (IPv6), with BITS in [min_bits, max_bits]; the address as written.
Expected<std::pair<IpAddress, uint8_t>> arg_ipv6_bits(const Option& o, size_t index,
                                                      unsigned min_bits, unsigned max_bits) {
  const std::string& text = o.args.at(index);
  const size_t slash = text.find('/');
  const auto address = IpAddress::parse(std::string_view(text).substr(0, slash));
  const auto prefix = IpPrefix::parse(text);
  if (slash == std::string::npos || !address || !address->is_v6() || !prefix) {
    return option_error(o, quoted(text) + " is not an IPv6 ADDRESS/BITS (fd00::1/64)");
  }
  if (prefix->length < min_bits || prefix->length > max_bits) {
    return option_error(o, "the prefix length of " + quoted(text) + " must be from /" +
                               std::to_string(min_bits) + " to /" + std::to_string(max_bits));
  }
  return std::make_pair(*address, prefix->length);
}

Status set_server(const Option& o, OptionContext&, ServerNetwork& n) {
  auto network = arg_ipv4(o, 0, "network");
  if (!network) return forward_error(std::move(network));
  auto length = arg_netmask(o, 1);
  if (!length) return forward_error(std::move(length));
  const auto prefix = IpPrefix::make(*network, *length);
  if (!host_bits_clear(*network, *length)) {
    return option_error(o, "network " + quoted(o.args[0]) + " has host bits set for netmask " +
                               o.args[1] + " (did you mean " + prefix->address.to_string() + "?)");
  }
  if (*length < 16) {
    return option_error(o, "netmask " + o.args[1] +
                               " allows too many addresses: the VPN subnet must be "
                               "255.255.0.0 (/16) or smaller");
  }
  if (*length > 29) {
    return option_error(o, "netmask " + o.args[1] +
                               " leaves too few addresses: with dev tun the VPN subnet must be "
                               "255.255.255.248 (/29) or larger");
  }
  if (o.args.size() == 3 && o.args[2] != "nopool") {
    return option_error(o, quoted(o.args[2]) + " is not a known flag (nopool)");
  }
  n.server = prefix;
  n.server_nopool = o.args.size() == 3;
  return {};
}

Status set_server_ipv6(const Option& o, OptionContext&, ServerNetwork& n) {
  if (o.args.size() == 2) {
    return option_error(o, quoted(o.args[1]) + " is not a known flag (server-ipv6 takes none)");
  }
  auto net = arg_ipv6_bits(o, 0, 64, 124);
  if (!net) return forward_error(std::move(net));
  const auto prefix = IpPrefix::make(net->first, net->second);
  if (!host_bits_clear(net->first, net->second)) {
    return option_error(
        o, quoted(o.args[0]) + " has host bits set (did you mean " + prefix->to_string() + "?)");
  }
  n.server_ipv6 = prefix;
  return {};
}

const H kTable[] = {
    {"server", 2, 3, Inline::kNo, set_server},
    {"server-ipv6", 1, 2, Inline::kNo, set_server_ipv6},
    {"ifconfig", 2, 2, Inline::kNo,
     [](const Option& o, OptionContext&, ServerNetwork& n) -> Status {
       auto local = arg_ipv4(o, 0, "local address");
       if (!local) return forward_error(std::move(local));
       auto second = arg_ipv4(o, 1, "netmask or peer address");
       if (!second) return forward_error(std::move(second));
       n.ifconfig = Ipv4Ifconfig{*local, *second};
       return {};
     }},
    {"ifconfig-ipv6", 1, 2, Inline::kNo,
     [](const Option& o, OptionContext&, ServerNetwork& n) -> Status {
       auto local = arg_ipv6_bits(o, 0, 1, 128);
       if (!local) return forward_error(std::move(local));
       Ipv6Ifconfig ifc{local->first, local->second, std::nullopt};
       if (o.args.size() == 2) {
         const auto peer = IpAddress::parse(o.args[1]);
         if (!peer || !peer->is_v6()) {
           return option_error(o, "peer " + quoted(o.args[1]) + " is not an IPv6 address");
         }
         ifc.peer = *peer;
       }
       n.ifconfig_ipv6 = ifc;
       return {};
     }},
    {"ifconfig-pool", 2, 3, Inline::kNo,
     [](const Option& o, OptionContext&, ServerNetwork& n) -> Status {
       auto start = arg_ipv4(o, 0, "start");
       if (!start) return forward_error(std::move(start));
       auto end = arg_ipv4(o, 1, "end");
       if (!end) return forward_error(std::move(end));
       if (v4_number(*start) > v4_number(*end)) {
         return option_error(o, "the start " + o.args[0] + " is after the end " + o.args[1]);
       }
       if (uint64_t{v4_number(*end)} - v4_number(*start) + 1 > kMaxPoolAddresses) {
         return option_error(o, "the range " + o.args[0] + " - " + o.args[1] +
                                    " is larger than 65536 addresses (OpenVPN's maximum)");
       }
       Ipv4Pool pool{*start, *end, std::nullopt};
       if (o.args.size() == 3) {
         auto length = arg_netmask(o, 2);
         if (!length) return forward_error(std::move(length));
         pool.netmask = v4_netmask(*length);
       }
       n.pool = pool;
       return {};
     }},
    {"ifconfig-ipv6-pool", 1, 1, Inline::kNo,
     [](const Option& o, OptionContext&, ServerNetwork& n) -> Status {
       auto base = arg_ipv6_bits(o, 0, 64, 124);
       if (!base) return forward_error(std::move(base));
       n.pool_ipv6 = Ipv6Pool{base->first, base->second};
       return {};
     }},
    {"ifconfig-pool-persist", 1, 2, Inline::kNo,
     [](const Option& o, OptionContext&, ServerNetwork& n) -> Status {
       uint32_t interval = 600;
       if (o.args.size() == 2) {
         auto v = arg_uint(o, 1, 0, 0x7fffffff);
         if (!v) return forward_error(std::move(v));
         interval = *v;
       }
       n.pool_persist_file = resolve_path(o.base_dir, o.args[0]);
       n.pool_persist_interval_s = interval;
       return {};
     }},
};

}  // namespace

std::span<const OptionHandler<ServerNetwork>> server_network_handlers() { return kTable; }

}  // namespace ovpn::config
