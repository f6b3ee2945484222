// The OCC options string (see options_string.h).

#include "control/options_string.h"

#include <string_view>

namespace ovpn::control {
namespace {

std::string proto_name(OccProto proto, proto::Role role) {
  const char* tcp_suffix = role == proto::Role::kClient ? "_CLIENT" : "_SERVER";
  switch (proto) {
    case OccProto::kUdp4:
      return "UDPv4";
    case OccProto::kUdp6:
      return "UDPv6";
    case OccProto::kTcp4:
      return std::string("TCPv4") + tcp_suffix;
    case OccProto::kTcp6:
      return std::string("TCPv6") + tcp_suffix;
  }
  return "UDPv4";
}

}  // namespace

std::string build_options_string(const OccOptions& o) {
  std::string out = "V4,dev-type " + o.dev_type;
  out += ",link-mtu " + std::to_string(o.link_mtu);
  out += ",tun-mtu " + std::to_string(o.tun_mtu);
  out += ",proto " + proto_name(o.proto, o.role);
  if (o.comp_lzo) out += ",comp-lzo";
  if (o.keydir) out += ",keydir " + std::to_string(*o.keydir);
  if (o.cipher) out += ",cipher " + *o.cipher;
  out += ",auth " + o.auth;
  out += ",keysize " + std::to_string(o.keysize);
  if (o.tls_auth) out += ",tls-auth";
  out += ",key-method 2";
  out += o.role == proto::Role::kClient ? ",tls-client" : ",tls-server";
  return out;
}

std::optional<std::string> options_string_value(const std::string& options,
                                                const std::string& name) {
  std::string_view rest = options;
  while (!rest.empty()) {
    const size_t comma = rest.find(',');
    const std::string_view item = rest.substr(0, comma);
    if (item.size() > name.size() && item.substr(0, name.size()) == name &&
        item[name.size()] == ' ') {
      return std::string(item.substr(name.size() + 1));
    }
    if (comma == std::string_view::npos) break;
    rest.remove_prefix(comma + 1);
  }
  return std::nullopt;
}

}  // namespace ovpn::control
