// Server-only TLS options: dh (ECDHE only, so accepted and ignored), ecdh-curve, crl-verify, and
// tls-crypt-v2 with the server key and its cookie mode.

#include "config/client_handlers.h"
#include "config/server_handlers.h"

namespace ovpn::config {
namespace {

using H = OptionHandler<ServerTlsTarget>;

constexpr std::string_view kV2ServerKey = "-----BEGIN OpenVPN tls-crypt-v2 server key-----";
constexpr std::string_view kV2ClientKey = "-----BEGIN OpenVPN tls-crypt-v2 client key-----";
constexpr std::string_view kCrl = "-----BEGIN X509 CRL-----";

Status set_tls_crypt_v2(const Option& o, OptionContext& ctx, ServerTlsTarget& t) {
  bool force_cookie = true;
  if (o.args.size() == 2) {
    auto k = arg_keyword(o, 1, {"force-cookie", "allow-noncookie"});
    if (!k) return forward_error(std::move(k));
    force_cookie = *k == 0;
  }
  auto text = file_or_inline(o, ctx);
  if (!text) return forward_error(std::move(text));
  if (text->text.find(kV2ClientKey) != std::string::npos &&
      text->text.find(kV2ServerKey) == std::string::npos) {
    return option_error(o, text->origin +
                               " is a tls-crypt-v2 client key; a server needs the server key "
                               "(openvpn --genkey tls-crypt-v2-server)");
  }
  if (Status s = set_control_wrap(o, ctx, t.tls, TlsWrapMode::kTlsCryptV2, kV2ServerKey); !s) {
    return s;
  }
  t.server.tls_crypt_v2_force_cookie = force_cookie;
  return {};
}

Status set_crl(const Option& o, OptionContext& ctx, ServerTlsTarget& t) {
  const bool dir = o.args.size() == 2;
  if (dir && o.args[1] != "dir") return option_error(o, quoted(o.args[1]) + " is not dir");
  if (dir) {
    t.server.crl_path = resolve_path(o.base_dir, o.args[0]);
    t.server.crl_is_dir = true;
    t.server.crl = {};
    return {};
  }
  auto text = file_or_inline(o, ctx);
  if (!text) return forward_error(std::move(text));
  if (text->text.find(kCrl) == std::string::npos) {
    return option_error(o, text->origin + " has no \"" + std::string(kCrl) + "\" block");
  }
  t.server.crl_path = o.is_inline() ? std::string() : text->origin;
  t.server.crl_is_dir = false;
  t.server.crl = std::move(*text);
  return {};
}

const H kTable[] = {
    {"dh", 1, 1, Inline::kAllowed,
     [](const Option& o, OptionContext& c, ServerTlsTarget&) -> Status {
       if (!o.is_inline() && o.args[0] == "none") return {};
       c.warn(o,
              "ignored: ovpnd's server uses ECDHE key exchange only (as with dh none); the DH "
              "parameters are not read");
       return {};
     }},
    {"ecdh-curve", 1, 1, Inline::kNo,
     [](const Option& o, OptionContext&, ServerTlsTarget& t) -> Status {
       t.server.ecdh_curve = o.args[0];
       return {};
     }},
    {"crl-verify", 1, 2, Inline::kAllowed, set_crl},
    {"tls-crypt-v2", 1, 2, Inline::kAllowed, set_tls_crypt_v2},
};

}  // namespace

std::span<const OptionHandler<ServerTlsTarget>> server_tls_handlers() { return kTable; }

}  // namespace ovpn::config
