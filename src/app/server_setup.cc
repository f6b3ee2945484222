#include "app/server_setup.h"

#include "app/client_setup.h"
#include "crypto/tls_crypt_v2.h"

namespace ovpn::app {
namespace {

control::VerifyClientCert verify_client_cert(config::VerifyClientCert v) {
  switch (v) {
    case config::VerifyClientCert::kNone:
      return control::VerifyClientCert::kNone;
    case config::VerifyClientCert::kOptional:
      return control::VerifyClientCert::kOptional;
    case config::VerifyClientCert::kRequire:
      break;
  }
  return control::VerifyClientCert::kRequire;
}

std::string prefix_text(const IpAddress& a, uint8_t bits) {
  return a.to_string() + "/" + std::to_string(bits);
}

Expected<io::Route> planned_route(const std::string& network, uint8_t bits,
                                  const std::optional<std::string>& gateway,
                                  std::optional<uint32_t> metric, int ifindex) {
  const auto address = IpAddress::parse(network);
  const auto prefix = address ? IpPrefix::make(*address, bits) : std::nullopt;
  if (!prefix) return make_error(Errc::kInvalidArgument, "route " + network + ": not an address");
  io::Route r{*prefix, ifindex, std::nullopt, metric};
  if (gateway) {
    r.gateway = IpAddress::parse(*gateway);
    if (!r.gateway) {
      return make_error(Errc::kInvalidArgument,
                        "route " + network + ": gateway " + *gateway + " is not an address");
    }
  }
  return r;
}

}  // namespace

Expected<std::shared_ptr<const control::TlsContext>> make_server_tls(
    const config::ServerOptions& o) {
  auto c = tls_config_from(o.tls, proto::Role::kServer);
  if (!c) return forward_error(std::move(c));
  c->verify_client_cert = verify_client_cert(o.clients.verify_client_cert);
  if (!o.server_tls.ecdh_curve.empty() && c->tls_groups.empty()) {
    c->tls_groups = o.server_tls.ecdh_curve;
  }
  if (o.server_tls.crl_is_dir) {
    return make_error(Errc::kUnsupported,
                      "crl-verify DIR dir: not supported yet (give a CRL file)");
  }
  c->crl_pem = o.server_tls.crl.text;
  auto tls = control::TlsContext::create(*c);
  if (!tls) return forward_error(std::move(tls));
  return std::shared_ptr<const control::TlsContext>(std::move(*tls));
}

Expected<control::ServerWrap> make_server_wrap(const config::ServerOptions& o) {
  switch (o.tls.wrap) {
    case config::TlsWrapMode::kNone:
      return control::ServerWrap::create(control::StaticWrapKey{}, std::nullopt);
    case config::TlsWrapMode::kTlsCryptV2: {
      auto key = crypto::TlsCryptV2Server::from_pem(o.tls.wrap_key.text);
      if (!key) {
        return make_error(key.error().code,
                          "tls-crypt-v2 " + o.tls.wrap_key.origin + ": " + key.error().message);
      }
      return control::ServerWrap::create(std::nullopt, std::move(*key));
    }
    case config::TlsWrapMode::kTlsAuth:
    case config::TlsWrapMode::kTlsCrypt: {
      auto keys = ClientWrapKeys::create(o.tls);  // the same key files and checks
      if (!keys) return forward_error(std::move(keys));
      control::StaticWrapKey k;
      k.mode = o.tls.wrap == config::TlsWrapMode::kTlsAuth ? proto::ControlWrapMode::kTlsAuth
                                                           : proto::ControlWrapMode::kTlsCrypt;
      k.key = keys->key();
      k.digest = keys->digest();
      k.direction = keys->direction();
      return control::ServerWrap::create(k, std::nullopt);
    }
  }
  return make_error(Errc::kInternal, "tls-wrap mode");
}

std::string server_options_string(const config::ServerOptions& o, bool tcp) {
  return occ_options_string(proto::Role::kServer, o.tls, o.data, o.transport.tun_mtu, tcp);
}

control::ServerSessionConfig make_server_session_config(const config::ServerOptions& o, bool tcp,
                                                        bool ipv6) {
  control::ServerSessionConfig c;
  c.options = server_options_string(o, tcp);
  c.transport_overhead = tcp ? (ipv6 ? control::kTcp6Overhead : control::kTcp4Overhead)
                             : (ipv6 ? control::kUdp6Overhead : control::kUdp4Overhead);
  c.tls_timeout_ms = uint64_t{o.tls.tls_timeout_s} * 1000;
  c.hand_window_ms = uint64_t{o.tls.hand_window_s} * 1000;
  c.tran_window_ms = uint64_t{o.tls.tran_window_s} * 1000;
  c.reneg_ms = uint64_t{o.tls.reneg_sec} * 1000;
  c.data_ciphers = o.data.data_ciphers;
  c.data_ciphers_fallback = o.data.data_ciphers_fallback;
  c.transport = tcp ? dco::Transport::kTcp : dco::Transport::kUdp;
  c.keepalive.interval_s = o.timers.ping_s;
  c.keepalive.timeout_s = o.timers.ping_restart_s.value_or(0);
  c.dynamic_tls_crypt = true;
  if (o.tls.wrap == config::TlsWrapMode::kTlsAuth || o.tls.wrap == config::TlsWrapMode::kTlsCrypt) {
    if (auto keys = ClientWrapKeys::create(o.tls)) c.wrap_key = keys->key();
  }
  return c;
}

Expected<control::ClientGrant> make_client_grant(const config::ServerOptions& o,
                                                 const std::optional<PoolLease>& lease,
                                                 const config::ClientConfig* ccd) {
  static const config::ClientConfig kNoCcd;
  const config::ClientConfig& client = ccd != nullptr ? *ccd : kNoCcd;
  const auto list = config::client_push_list(o.push, client);
  control::ClientGrant g;
  g.push = list.options;
  const auto& net = o.network;

  // IPv4: the client-config-dir's ifconfig-push, else the pool's lease.
  std::optional<IpAddress> v4, v4_second;
  if (client.ifconfig_push) {
    v4 = client.ifconfig_push->local;
    v4_second = client.ifconfig_push->netmask_or_peer;
  } else if (lease && lease->ipv4) {
    v4 = lease->ipv4;
    if (net.topology == config::Topology::kNet30) {
      v4_second = lease->ipv4_peer;
    } else if (net.topology == config::Topology::kSubnet) {
      v4_second = net.pool && net.pool->netmask ? net.pool->netmask
                  : net.ifconfig                ? std::optional(net.ifconfig->netmask_or_peer)
                                                : std::nullopt;
    } else if (net.ifconfig) {
      v4_second = net.ifconfig->local;  // p2p: the server's end
    }
  }
  if (v4 && v4_second && !list.ifconfig_blocked) {
    g.push.push_back("ifconfig " + v4->to_string() + " " + v4_second->to_string());
  }
  if (v4) g.vpn_ipv4 = v4;

  std::optional<IpAddress> v6;
  uint8_t v6_bits = net.ifconfig_ipv6 ? net.ifconfig_ipv6->bits : 64;
  if (client.ifconfig_ipv6_push) {
    v6 = client.ifconfig_ipv6_push->local;
    v6_bits = client.ifconfig_ipv6_push->bits;
  } else if (lease && lease->ipv6) {
    v6 = lease->ipv6;
  }
  if (v6 && net.ifconfig_ipv6 && !list.ifconfig_ipv6_blocked) {
    g.push.push_back("ifconfig-ipv6 " + prefix_text(*v6, v6_bits) + " " +
                     net.ifconfig_ipv6->local.to_string());
  }
  if (v6) g.vpn_ipv6 = v6;
  if (!g.vpn_ipv4 && !g.vpn_ipv6) {
    return make_error(Errc::kInvalidArgument, "no VPN address for the client (pool exhausted?)");
  }
  g.iroutes = client.iroutes;
  g.iroutes.insert(g.iroutes.end(), client.iroutes_ipv6.begin(), client.iroutes_ipv6.end());
  return g;
}

Expected<NetPlan> make_server_net_plan(const config::ServerOptions& o, int ifindex) {
  NetPlan plan;
  plan.ifindex = ifindex;
  plan.mtu = o.transport.tun_mtu;
  const auto& net = o.network;
  if (net.ifconfig) {
    if (net.topology == config::Topology::kSubnet) {
      const auto bits = netmask_prefix_len(net.ifconfig->netmask_or_peer);
      if (!bits)
        return make_error(Errc::kInvalidArgument, "ifconfig: the netmask is not contiguous");
      plan.addresses.push_back({net.ifconfig->local, *bits, std::nullopt});
    } else {
      plan.addresses.push_back({net.ifconfig->local, 32, net.ifconfig->netmask_or_peer});
    }
  }
  if (net.ifconfig_ipv6) {
    plan.addresses.push_back({net.ifconfig_ipv6->local, net.ifconfig_ipv6->bits, std::nullopt});
  }
  for (const auto& r : o.tun.routes) {
    const auto mask = IpAddress::parse(r.netmask);
    const auto bits = mask ? netmask_prefix_len(*mask) : std::nullopt;
    if (!bits) return make_error(Errc::kInvalidArgument, "route " + r.network + ": bad netmask");
    auto route = planned_route(r.network, *bits, r.gateway, r.metric, ifindex);
    if (!route) return forward_error(std::move(route));
    // Without a gateway: net30 and p2p route through the point-to-point peer (OpenVPN's
    // vpn_gateway), subnet onto the link.
    if (!route->gateway && net.ifconfig && net.topology != config::Topology::kSubnet) {
      route->gateway = net.ifconfig->netmask_or_peer;
    }
    plan.routes.push_back(*route);
  }
  for (const auto& r : o.tun.routes6) {
    const auto prefix = IpPrefix::parse(r.network);
    if (!prefix) return make_error(Errc::kInvalidArgument, "route-ipv6 " + r.network);
    auto route =
        planned_route(prefix->address.to_string(), prefix->length, r.gateway, r.metric, ifindex);
    if (!route) return forward_error(std::move(route));
    plan.routes.push_back(*route);
  }
  return plan;
}

}  // namespace ovpn::app
