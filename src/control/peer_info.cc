// Peer-info: builder (client) and parser (server). See peer_info.h.

#include "control/peer_info.h"

#include <charconv>

#include "common/ascii.h"

namespace ovpn::control {
namespace {

bool valid_name(std::string_view name) {
  if (name.empty()) return false;
  for (char c : name) {
    const bool ok =
        (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
    if (!ok) return false;
  }
  return true;
}

bool valid_value(std::string_view value) {
  for (char c : value) {
    if (c < 0x20 || c > 0x7e) return false;
  }
  return true;
}

Status add_line(std::string& out, std::string_view name, std::string_view value) {
  if (!valid_name(name)) {
    return make_error(Errc::kInvalidArgument, "peer-info name '" + std::string(name) + "'");
  }
  if (!valid_value(value)) {
    return make_error(Errc::kInvalidArgument,
                      "peer-info value of " + std::string(name) + " has a non-printable byte");
  }
  out.append(name).append("=").append(value).append("\n");
  return {};
}

bool has_cipher(const std::vector<std::string>& list, std::string_view name) {
  for (const auto& c : list) {
    if (iequals(c, name)) return true;
  }
  return false;
}

std::optional<uint32_t> decimal(std::string_view text) {
  uint32_t v = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || end != text.data() + text.size() || text.empty()) return std::nullopt;
  return v;
}

}  // namespace

uint32_t peer_info_proto_bits(const PeerInfoParams& p) noexcept {
  uint32_t bits = iv_proto::kDataV2 | iv_proto::kTlsKeyExport | iv_proto::kCcExitNotify;
  if (p.pull) {
    bits |= iv_proto::kRequestPush;
    if (p.auth_pending_kw) bits |= iv_proto::kAuthPendingKw;
    if (p.auth_fail_temp) bits |= iv_proto::kAuthFailTemp;
  } else {
    bits |= iv_proto::kNcpP2p;
  }
  if (p.dyn_tls_crypt) bits |= iv_proto::kDynTlsCrypt;
  return bits;
}

Expected<std::string> build_peer_info(const PeerInfoParams& p) {
  std::string out;
  std::string ciphers;
  for (const auto& c : p.data_ciphers) {
    if (!ciphers.empty()) ciphers += ':';
    ciphers += c;
  }
  const auto proto = std::to_string(peer_info_proto_bits(p));
  Status s;
  if (p.pull) {
    if (p.version.empty()) return make_error(Errc::kInvalidArgument, "peer-info without IV_VER");
    if (s = add_line(out, "IV_VER", p.version); !s) return forward_error(std::move(s));
    if (s = add_line(out, "IV_PLAT", p.platform); !s) return forward_error(std::move(s));
    if (s = add_line(out, "IV_TCPNL", "1"); !s) return forward_error(std::move(s));
    if (p.mtu) {
      if (s = add_line(out, "IV_MTU", std::to_string(*p.mtu)); !s)
        return forward_error(std::move(s));
    }
    if (has_cipher(p.data_ciphers, "AES-128-GCM") && has_cipher(p.data_ciphers, "AES-256-GCM")) {
      if (s = add_line(out, "IV_NCP", "2"); !s) return forward_error(std::move(s));
    }
  }
  if (s = add_line(out, "IV_CIPHERS", ciphers); !s) return forward_error(std::move(s));
  if (s = add_line(out, "IV_PROTO", proto); !s) return forward_error(std::move(s));
  if (p.gui_version) {
    if (s = add_line(out, "IV_GUI_VER", *p.gui_version); !s) return forward_error(std::move(s));
  }
  if (p.sso) {
    if (s = add_line(out, "IV_SSO", *p.sso); !s) return forward_error(std::move(s));
  }
  for (const auto& [name, value] : p.user_values) {
    const std::string full = name.rfind("UV_", 0) == 0 ? name : "UV_" + name;
    if (s = add_line(out, full, value); !s) return forward_error(std::move(s));
  }
  return out;
}

PeerInfo PeerInfo::parse(std::string_view text) {
  PeerInfo info;
  while (!text.empty()) {
    const size_t nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text.remove_prefix(nl == std::string_view::npos ? text.size() : nl + 1);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    const size_t eq = line.find('=');
    if (eq == std::string_view::npos || eq == 0) continue;
    const std::string_view name = line.substr(0, eq);
    if (info.get(name)) continue;
    info.entries_.emplace_back(std::string(name), std::string(line.substr(eq + 1)));
  }
  return info;
}

std::optional<std::string_view> PeerInfo::get(std::string_view name) const {
  for (const auto& [n, v] : entries_) {
    if (n == name) return std::string_view(v);
  }
  return std::nullopt;
}

uint32_t PeerInfo::proto_bits() const {
  const auto v = get("IV_PROTO");
  if (!v) return 0;
  return decimal(*v).value_or(0);
}

std::vector<std::string> PeerInfo::ciphers() const {
  std::vector<std::string> out;
  if (const auto list = get("IV_CIPHERS")) {
    std::string_view rest = *list;
    while (!rest.empty()) {
      const size_t colon = rest.find(':');
      if (colon != 0) out.emplace_back(rest.substr(0, colon));
      if (colon == std::string_view::npos) break;
      rest.remove_prefix(colon + 1);
    }
    return out;
  }
  if (const auto ncp = get("IV_NCP"); ncp && decimal(*ncp).value_or(0) >= 2) {
    out = {"AES-256-GCM", "AES-128-GCM"};
  }
  return out;
}

}  // namespace ovpn::control
