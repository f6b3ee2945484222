#include "dco/peer_rules.h"

namespace ovpn::dco {
namespace {

Status invalid(const std::string& what) { return make_error(Errc::kInvalidArgument, what); }

Status check_vpn_addresses(const std::optional<IpAddress>& v4, const std::optional<IpAddress>& v6) {
  if (v4 && !v4->is_v4()) return invalid("vpn_ipv4 is not an IPv4 address");
  if (v6 && !v6->is_v6()) return invalid("vpn_ipv6 is not an IPv6 address");
  return {};
}

Status check_keepalive(const Keepalive& k) {
  if ((k.interval_s == 0) != (k.timeout_s == 0)) {
    return invalid("keepalive interval and timeout are set together");
  }
  return {};
}

}  // namespace

Status validate_peer_config(Mode mode, const PeerConfig& c) {
  if (c.id.is_undefined()) return invalid("peer id must be at most 0xfffffe");
  if (c.tx_id && c.tx_id->is_undefined()) return invalid("tx id must be at most 0xfffffe");
  if (c.transport == Transport::kUdp) {
    if (!c.remote) return invalid("a UDP peer needs a remote address");
    if (c.tcp_fd >= 0) return invalid("a UDP peer takes no socket");
  } else {
    if (c.tcp_fd < 0) return invalid("a TCP peer needs a connected socket");
    if (c.remote) return invalid("a TCP peer's remote comes from its socket");
  }
  if (c.remote && c.remote->port() == 0) return invalid("remote port 0");
  if (auto st = check_vpn_addresses(c.vpn_ipv4, c.vpn_ipv6); !st) return st;
  if (mode == Mode::kMultiPeer && !c.vpn_ipv4 && !c.vpn_ipv6) {
    return invalid("a multi-peer peer needs a VPN IPv4 or IPv6 address");
  }
  if (mode == Mode::kPointToPoint && (c.vpn_ipv4 || c.vpn_ipv6 || !c.routes.empty())) {
    return invalid("a point-to-point peer takes no VPN addresses or routes");
  }
  return check_keepalive(c.keepalive);
}

Status validate_peer_update(Mode mode, const PeerUpdate& u) {
  if (u.id.is_undefined()) return invalid("peer id must be at most 0xfffffe");
  if (u.remote && u.remote->port() == 0) return invalid("remote port 0");
  if (auto st = check_vpn_addresses(u.vpn_ipv4, u.vpn_ipv6); !st) return st;
  if (mode == Mode::kPointToPoint &&
      (u.vpn_ipv4 || u.vpn_ipv6 || (u.routes && !u.routes->empty()))) {
    return invalid("a point-to-point peer takes no VPN addresses or routes");
  }
  if (u.keepalive) return check_keepalive(*u.keepalive);
  return {};
}

Status validate_key_config(const KeyConfig& k) {
  if (k.peer.is_undefined()) return invalid("key for an undefined peer id");
  const size_t size = crypto::cipher_key_size(k.alg);
  if (k.encrypt.cipher_key.size() != size || k.decrypt.cipher_key.size() != size) {
    return invalid(std::string(crypto::cipher_name(k.alg)) + " takes " + std::to_string(size) +
                   "-byte keys");
  }
  return {};
}

}  // namespace ovpn::dco
