// Options of the tun device and of routing: dev, routes, redirect-gateway, pull-filter,
// dhcp-option and dns.

#include "common/ip_address.h"
#include "config/client_handlers.h"

namespace ovpn::config {
namespace {

using H = OptionHandler<TunRouteOptions>;

Status set_flag(bool& flag) {
  flag = true;
  return {};
}

const H kTable[] = {
    {"dev", 1, 1, Inline::kNo,
     [](const Option& o, OptionContext&, TunRouteOptions& t) -> Status {
       if (o.args[0].rfind("tap", 0) == 0) {
         return option_unsupported(o, quoted(o.args[0]) +
                                          ": tap devices are not supported; the offload engine "
                                          "(like the kernel DCO) is tun (layer 3) only");
       }
       if (o.args[0].empty() || o.args[0].size() > 15 || o.args[0].find('/') != std::string::npos) {
         return option_error(o, quoted(o.args[0]) + " is not a valid interface name");
       }
       t.dev = o.args[0];
       return {};
     }},
    {"dev-type", 1, 1, Inline::kNo,
     [](const Option& o, OptionContext&, TunRouteOptions& t) -> Status {
       if (o.args[0] == "tap") {
         return option_unsupported(o,
                                   "tap devices are not supported; the offload engine (like "
                                   "the kernel DCO) is tun (layer 3) only");
       }
       auto k = arg_keyword(o, 0, {"tun"});
       if (!k) return forward_error(std::move(k));
       t.dev_type = "tun";
       return {};
     }},
    {"topology", 1, 1, Inline::kNo,
     [](const Option& o, OptionContext&, TunRouteOptions& t) -> Status {
       auto k = arg_keyword(o, 0, {"subnet", "net30", "p2p"});
       if (!k) return forward_error(std::move(k));
       t.topology = o.args[0];
       return {};
     }},
    {"persist-tun", 0, 0, Inline::kNo,
     [](const Option&, OptionContext&, TunRouteOptions& t) { return set_flag(t.persist_tun); }},
    {"persist-key", 0, 0, Inline::kNo,
     [](const Option&, OptionContext&, TunRouteOptions& t) { return set_flag(t.persist_key); }},
    {"ifconfig-nowarn", 0, 0, Inline::kNo,
     [](const Option&, OptionContext&, TunRouteOptions& t) { return set_flag(t.ifconfig_nowarn); }},
    {"route", 1, 4, Inline::kNo,
     [](const Option& o, OptionContext&, TunRouteOptions& t) -> Status {
       auto r = parse_route(o, AllowHostNames::kYes);
       if (!r) return forward_error(std::move(r));
       t.routes.push_back(std::move(*r));
       return {};
     }},
    {"route-ipv6", 1, 3, Inline::kNo,
     [](const Option& o, OptionContext&, TunRouteOptions& t) -> Status {
       auto r = parse_route_ipv6(o);
       if (!r) return forward_error(std::move(r));
       t.routes6.push_back(std::move(*r));
       return {};
     }},
    {"route-gateway", 1, 1, Inline::kNo,
     [](const Option& o, OptionContext&, TunRouteOptions& t) -> Status {
       const auto address = IpAddress::parse(o.args[0]);
       if (o.args[0] != "dhcp" && (!address || !address->is_v4())) {
         return option_error(o, quoted(o.args[0]) + " is not an IPv4 address or dhcp");
       }
       t.route_gateway = o.args[0];
       return {};
     }},
    {"txqueuelen", 1, 1, Inline::kNo,
     [](const Option& o, OptionContext&, TunRouteOptions& t) -> Status {
       // The kernel's limit for tx_queue_len is an unsigned int; a ring of more than a million
       // packets is a typo.
       auto n = arg_uint(o, 0, 1, 1u << 20);
       if (!n) return forward_error(std::move(n));
       t.txqueuelen = *n;
       return {};
     }},
    {"route-metric", 1, 1, Inline::kNo,
     [](const Option& o, OptionContext&, TunRouteOptions& t) -> Status {
       auto m = arg_uint(o, 0, 0, 0x7fffffff);
       if (!m) return forward_error(std::move(m));
       t.route_metric = *m;
       return {};
     }},
    {"route-delay", 0, 2, Inline::kNo,
     [](const Option& o, OptionContext&, TunRouteOptions& t) -> Status {
       uint32_t n = 0, w = 30;  // OpenVPN: route-delay alone is 0 s, the window 30 s
       if (!o.args.empty()) {
         auto v = arg_uint(o, 0, 0, 3600);
         if (!v) return forward_error(std::move(v));
         n = *v;
       }
       if (o.args.size() == 2) {
         auto v = arg_uint(o, 1, 1, 3600);
         if (!v) return forward_error(std::move(v));
         w = *v;
       }
       t.route_delay.emplace(n, w);
       return {};
     }},
    {"route-nopull", 0, 0, Inline::kNo,
     [](const Option&, OptionContext&, TunRouteOptions& t) { return set_flag(t.route_nopull); }},
    {"redirect-gateway", 0, 8, Inline::kNo,
     [](const Option& o, OptionContext&, TunRouteOptions& t) -> Status {
       auto r = parse_redirect(o, false);
       if (!r) return forward_error(std::move(r));
       t.redirect = *r;
       return {};
     }},
    {"redirect-private", 0, 8, Inline::kNo,
     [](const Option& o, OptionContext&, TunRouteOptions& t) -> Status {
       auto r = parse_redirect(o, true);
       if (!r) return forward_error(std::move(r));
       t.redirect = *r;
       return {};
     }},
    {"pull-filter", 2, 2, Inline::kNo,
     [](const Option& o, OptionContext&, TunRouteOptions& t) -> Status {
       auto k = arg_keyword(o, 0, {"accept", "ignore", "reject"});
       if (!k) return forward_error(std::move(k));
       t.pull_filters.push_back({static_cast<PullFilterAction>(*k), o.args[1]});
       return {};
     }},
    {"dhcp-option", 1, 2, Inline::kNo,
     [](const Option& o, OptionContext&, TunRouteOptions& t) -> Status {
       auto d = parse_dhcp_option(o);
       if (!d) return forward_error(std::move(d));
       t.dhcp_options.push_back(std::move(*d));
       return {};
     }},
    {"dns", 1, 15, Inline::kNo,
     [](const Option& o, OptionContext&, TunRouteOptions& t) -> Status {
       if (Status s = check_dns_option(o); !s) return s;
       t.dns.push_back(o.args);
       return {};
     }},
    {"block-ipv6", 0, 0, Inline::kNo,
     [](const Option&, OptionContext&, TunRouteOptions& t) { return set_flag(t.block_ipv6); }},
    {"allow-pull-fqdn", 0, 0, Inline::kNo,
     [](const Option&, OptionContext&, TunRouteOptions& t) { return set_flag(t.allow_pull_fqdn); }},
};

}  // namespace

std::span<const OptionHandler<TunRouteOptions>> tun_route_handlers() { return kTable; }

}  // namespace ovpn::config
