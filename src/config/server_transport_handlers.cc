// Options of the server's listening socket (proto, port, lport, local, bind) and of the link and
// tun sizes every client shares; the latter run through the client's connection-entry table, so
// that both sides read them alike.

#include "config/client_handlers.h"
#include "config/server_handlers.h"

namespace ovpn::config {
namespace {

using H = OptionHandler<ServerTransport>;

Status set_proto(const Option& o, OptionContext&, ServerTransport& t) {
  const std::string& p = o.args[0];
  if (p.find("client") != std::string::npos) {
    return option_error(o, quoted(p) +
                               " is the client side; a server listens with udp, udp4, udp6, "
                               "tcp-server, tcp4-server or tcp6-server (tcp means tcp-server)");
  }
  auto k = arg_keyword(
      o, 0,
      {"udp", "udp4", "udp6", "tcp-server", "tcp4-server", "tcp6-server", "tcp", "tcp4", "tcp6"});
  if (!k) return forward_error(std::move(k));
  t.proto = *k < 3 ? ServerProto::kUdp : ServerProto::kTcpServer;
  static constexpr AddressFamily kFamilies[] = {AddressFamily::kAny, AddressFamily::kIpv4,
                                                AddressFamily::kIpv6};
  t.family = kFamilies[*k % 3];
  return {};
}

Status set_port(const Option& o, OptionContext&, ServerTransport& t) {
  auto port = arg_port(o, 0);
  if (!port) return forward_error(std::move(port));
  t.port = *port;
  return {};
}

// tun-mtu, mssfix ...: the client's handler on a connection entry holding the server's values.
Status via_connection_entry(const Option& o, OptionContext& ctx, ServerTransport& t) {
  ConnectionEntry entry;
  entry.explicit_exit_notify = t.explicit_exit_notify;
  entry.tun_mtu = t.tun_mtu;
  entry.tun_mtu_max = t.tun_mtu_max;
  entry.mssfix = t.mssfix;
  entry.mssfix_mode = t.mssfix_mode;
  EntryTarget target{entry};
  auto applied = apply_from(connection_entry_handlers(), o, ctx, target);
  if (!applied) return forward_error(std::move(applied));
  t.explicit_exit_notify = entry.explicit_exit_notify;
  t.tun_mtu = entry.tun_mtu;
  t.tun_mtu_max = entry.tun_mtu_max;
  t.mssfix = entry.mssfix;
  t.mssfix_mode = entry.mssfix_mode;
  return {};
}

// The entry table checks the arguments of these itself.
constexpr uint8_t kAnyArgs = 15;

const H kTable[] = {
    {"proto", 1, 1, Inline::kNo, set_proto},
    {"port", 1, 1, Inline::kNo, set_port},
    {"lport", 1, 1, Inline::kNo, set_port},
    {"local", 1, 1, Inline::kNo,
     [](const Option& o, OptionContext&, ServerTransport& t) -> Status {
       t.local_host = o.args[0];
       return {};
     }},
    {"bind", 0, 1, Inline::kNo,
     [](const Option& o, OptionContext&, ServerTransport& t) -> Status {
       if (o.args.size() == 1 && o.args[0] != "ipv6only") {
         return option_error(o, quoted(o.args[0]) + " is not ipv6only");
       }
       t.ipv6_only = o.args.size() == 1;
       return {};
     }},
    {"tun-mtu", 0, kAnyArgs, Inline::kAllowed, via_connection_entry},
    {"tun-mtu-max", 0, kAnyArgs, Inline::kAllowed, via_connection_entry},
    {"mssfix", 0, kAnyArgs, Inline::kAllowed, via_connection_entry},
    {"link-mtu", 0, kAnyArgs, Inline::kAllowed, via_connection_entry},
    {"explicit-exit-notify", 0, kAnyArgs, Inline::kAllowed, via_connection_entry},
};

}  // namespace

std::span<const OptionHandler<ServerTransport>> server_transport_handlers() { return kTable; }

}  // namespace ovpn::config
