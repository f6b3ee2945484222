// Options of one connection entry (transport, ports, binding, retry timers, MTU), valid both at
// the top level (the template for every `remote`) and inside a <connection> block.

#include "config/client_handlers.h"

namespace ovpn::config {
namespace {

using H = OptionHandler<EntryTarget>;

Status set_proto(const Option& o, size_t index, ConnectionEntry& e) {
  const std::string& p = o.args[index];
  if (p.find("server") != std::string::npos) {
    return option_error(o, quoted(p) +
                               " is the server side; ovpnd's client uses udp or "
                               "tcp-client (the server is a separate mode)");
  }
  auto k = arg_keyword(
      o, index,
      {"udp", "udp4", "udp6", "tcp-client", "tcp4-client", "tcp6-client", "tcp", "tcp4", "tcp6"});
  if (!k) return forward_error(std::move(k));
  e.proto = *k < 3 ? TransportProto::kUdp : TransportProto::kTcpClient;
  static constexpr AddressFamily kFamilies[] = {AddressFamily::kAny, AddressFamily::kIpv4,
                                                AddressFamily::kIpv6};
  e.family = kFamilies[*k % 3];
  return {};
}

Status set_port(const Option& o, uint16_t& into) {
  auto port = arg_port(o, 0);
  if (!port) return forward_error(std::move(port));
  into = *port;
  return {};
}

const H kTable[] = {
    {"remote", 1, 3, Inline::kNo,
     [](const Option& o, OptionContext&, EntryTarget& t) -> Status {
       if (t.remote_seen) {
         return option_error(o, "a <connection> block takes exactly one remote");
       }
       t.remote_seen = true;
       t.entry.remote_host = o.args[0];
       t.entry.where = o.where;
       if (o.args.size() >= 2) {
         auto port = arg_port(o, 1);
         if (!port) return forward_error(std::move(port));
         t.entry.remote_port = *port;
       }
       if (o.args.size() == 3) return set_proto(o, 2, t.entry);
       return {};
     }},
    {"proto", 1, 1, Inline::kNo,
     [](const Option& o, OptionContext&, EntryTarget& t) { return set_proto(o, 0, t.entry); }},
    {"port", 1, 1, Inline::kNo,
     [](const Option& o, OptionContext&, EntryTarget& t) -> Status {
       if (Status s = set_port(o, t.entry.remote_port); !s) return s;
       t.entry.local_port = t.entry.remote_port;
       return {};
     }},
    {"rport", 1, 1, Inline::kNo,
     [](const Option& o, OptionContext&, EntryTarget& t) {
       return set_port(o, t.entry.remote_port);
     }},
    {"lport", 1, 1, Inline::kNo,
     [](const Option& o, OptionContext&, EntryTarget& t) -> Status {
       auto port = arg_uint(o, 0, 0, 65535);
       if (!port) return forward_error(std::move(port));
       t.entry.local_port = static_cast<uint16_t>(*port);
       t.entry.bind_local = true;
       t.entry.bind_set = true;
       return {};
     }},
    {"local", 1, 1, Inline::kNo,
     [](const Option& o, OptionContext&, EntryTarget& t) -> Status {
       t.entry.local_host = o.args[0];
       t.entry.bind_local = true;
       t.entry.bind_set = true;
       return {};
     }},
    {"nobind", 0, 0, Inline::kNo,
     [](const Option&, OptionContext&, EntryTarget& t) -> Status {
       t.entry.bind_local = false;
       t.entry.bind_set = true;
       return {};
     }},
    {"bind", 0, 1, Inline::kNo,
     [](const Option& o, OptionContext&, EntryTarget& t) -> Status {
       if (o.args.size() == 1 && o.args[0] != "ipv6only") {
         return option_error(o, quoted(o.args[0]) + " is not ipv6only");
       }
       t.entry.bind_local = true;
       t.entry.bind_set = true;
       return {};
     }},
    {"connect-retry", 1, 2, Inline::kNo,
     [](const Option& o, OptionContext&, EntryTarget& t) -> Status {
       auto n = arg_uint(o, 0, 0, 86400);
       if (!n) return forward_error(std::move(n));
       t.entry.connect_retry_s = *n;
       if (o.args.size() == 2) {
         auto max = arg_uint(o, 1, 0, 86400);
         if (!max) return forward_error(std::move(max));
         t.entry.connect_retry_max_s = *max;
       }
       return {};
     }},
    {"server-poll-timeout", 1, 1, Inline::kNo,
     [](const Option& o, OptionContext&, EntryTarget& t) -> Status {
       auto n = arg_uint(o, 0, 1, 86400);
       if (!n) return forward_error(std::move(n));
       t.entry.server_poll_timeout_s = *n;
       return {};
     }},
    {"explicit-exit-notify", 0, 1, Inline::kNo,
     [](const Option& o, OptionContext&, EntryTarget& t) -> Status {
       t.entry.explicit_exit_notify = 1;
       if (o.args.empty()) return {};
       auto n = arg_uint(o, 0, 0, 100);
       if (!n) return forward_error(std::move(n));
       t.entry.explicit_exit_notify = *n;
       return {};
     }},
    {"float", 0, 0, Inline::kNo,
     [](const Option&, OptionContext&, EntryTarget& t) -> Status {
       t.entry.float_remote = true;
       return {};
     }},
    {"tun-mtu", 1, 1, Inline::kNo,
     [](const Option& o, OptionContext&, EntryTarget& t) -> Status {
       auto n = arg_uint(o, 0, 68, 65535);
       if (!n) return forward_error(std::move(n));
       t.entry.tun_mtu = *n;
       return {};
     }},
    {"tun-mtu-max", 1, 1, Inline::kNo,
     [](const Option& o, OptionContext&, EntryTarget& t) -> Status {
       auto n = arg_uint(o, 0, 68, 65535);
       if (!n) return forward_error(std::move(n));
       t.entry.tun_mtu_max = *n;
       return {};
     }},
    {"mssfix", 0, 2, Inline::kNo,
     [](const Option& o, OptionContext&, EntryTarget& t) -> Status {
       t.entry.mssfix_mode = MssfixMode::kDefault;
       if (o.args.empty()) return {};
       auto n = arg_uint(o, 0, 0, 65535);  // 0 turns it off
       if (!n) return forward_error(std::move(n));
       t.entry.mssfix = *n;
       if (o.args.size() == 2) {
         auto k = arg_keyword(o, 1, {"mtu", "fixed"});
         if (!k) return forward_error(std::move(k));
         t.entry.mssfix_mode = *k == 0 ? MssfixMode::kMtu : MssfixMode::kFixed;
       }
       return {};
     }},
    {"link-mtu", 1, 1, Inline::kNo,
     [](const Option& o, OptionContext& c, EntryTarget& t) -> Status {
       auto n = arg_uint(o, 0, 100, 65535);
       if (!n) return forward_error(std::move(n));
       t.entry.link_mtu = *n;
       c.warn(o,
              "accepted but not used: the link MTU follows from tun-mtu (link-mtu is "
              "deprecated in OpenVPN 2.6)");
       return {};
     }},
};

}  // namespace

std::span<const OptionHandler<EntryTarget>> connection_entry_handlers() { return kTable; }

}  // namespace ovpn::config
