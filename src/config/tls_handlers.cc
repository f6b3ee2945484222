// Options of the TLS control channel: PKI, control-channel wrapping (tls-auth, tls-crypt,
// tls-crypt-v2), peer verification, TLS parameters and renegotiation.

#include <array>
#include <string_view>

#include "common/ascii.h"
#include "config/client_handlers.h"

namespace ovpn::config {
namespace {

using H = OptionHandler<TlsOptions>;

constexpr std::array<std::string_view, 17> kDigests = {
    "MD5",        "SHA1",       "SHA224",     "SHA256",   "SHA384",   "SHA512",
    "SHA512-224", "SHA512-256", "SHA3-224",   "SHA3-256", "SHA3-384", "SHA3-512",
    "RIPEMD160",  "BLAKE2S256", "BLAKE2B512", "SM3",      "NONE"};

Expected<FileText> read_pem(const Option& option, OptionContext& ctx, std::string_view marker) {
  auto text = file_or_inline(option, ctx);
  if (!text) return text;
  if (text->text.find(marker) == std::string::npos) {
    return option_error(option, text->origin + " has no \"" + std::string(marker) + "\" block");
  }
  return text;
}

Status set_pem(const Option& o, OptionContext& ctx, FileText& into) {
  auto pem = read_pem(o, ctx, "-----BEGIN ");
  if (!pem) return forward_error(std::move(pem));
  into = std::move(*pem);
  return {};
}

Expected<uint8_t> parse_direction(const Option& o, size_t index) {
  auto k = arg_keyword(o, index, {"0", "1"});
  if (!k) return forward_error(std::move(k));
  return static_cast<uint8_t>(*k);
}

Status set_wrap(const Option& o, OptionContext& ctx, TlsOptions& t, TlsWrapMode mode,
                std::string_view marker) {
  if (t.wrap != TlsWrapMode::kNone && t.wrap != mode) {
    return option_error(o,
                        "cannot be combined with another control-channel wrapping (tls-auth, "
                        "tls-crypt and tls-crypt-v2 exclude each other)");
  }
  auto key = read_pem(o, ctx, marker);
  if (!key) return forward_error(std::move(key));
  t.wrap = mode;
  t.wrap_key = std::move(*key);
  return {};
}

Status set_version(const Option& o, std::string& into) {
  auto k = arg_keyword(o, 0, {"1.0", "1.1", "1.2", "1.3"});
  if (!k) return forward_error(std::move(k));
  into = o.args[0];
  return {};
}

// "AB:CD:..." (32 bytes) into `out`.
bool parse_fingerprint(std::string_view text, std::array<uint8_t, 32>& out) {
  if (text.size() != 32 * 3 - 1) return false;
  auto nibble = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    c = ascii_upper(c);
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  for (size_t i = 0; i < 32; ++i) {
    const int hi = nibble(text[3 * i]), lo = nibble(text[3 * i + 1]);
    if (hi < 0 || lo < 0 || (i < 31 && text[3 * i + 2] != ':')) return false;
    out[i] = static_cast<uint8_t>(hi * 16 + lo);
  }
  return true;
}

Status add_fingerprints(const Option& o, OptionContext&, TlsOptions& t) {
  std::string_view rest = o.is_inline() ? std::string_view(*o.inline_body) : o.args[0];
  while (!rest.empty()) {
    const size_t nl = rest.find('\n');
    std::string_view line = rest.substr(0, nl);
    rest = nl == std::string_view::npos ? std::string_view() : rest.substr(nl + 1);
    while (!line.empty() && (line.back() == ' ' || line.back() == '\t' || line.back() == '\r')) {
      line.remove_suffix(1);
    }
    while (!line.empty() && (line.front() == ' ' || line.front() == '\t')) line.remove_prefix(1);
    if (line.empty() || line.front() == '#' || line.front() == ';') continue;
    std::array<uint8_t, 32> fp{};
    if (!parse_fingerprint(line, fp)) {
      return option_error(o, quoted(line) +
                                 " is not a SHA-256 fingerprint (32 hex bytes "
                                 "separated by ':')");
    }
    t.peer_fingerprints.push_back(fp);
  }
  if (t.peer_fingerprints.empty()) return option_error(o, "no fingerprint given");
  return {};
}

const H kTable[] = {
    {"ca", 1, 1, Inline::kAllowed,
     [](const Option& o, OptionContext& c, TlsOptions& t) { return set_pem(o, c, t.ca); }},
    {"cert", 1, 1, Inline::kAllowed,
     [](const Option& o, OptionContext& c, TlsOptions& t) { return set_pem(o, c, t.cert); }},
    {"key", 1, 1, Inline::kAllowed,
     [](const Option& o, OptionContext& c, TlsOptions& t) { return set_pem(o, c, t.key); }},
    {"extra-certs", 1, 1, Inline::kAllowed,
     [](const Option& o, OptionContext& c, TlsOptions& t) -> Status {
       FileText extra;
       if (Status s = set_pem(o, c, extra); !s) return s;
       t.cert.text += "\n" + extra.text;  // the chain is sent after the leaf certificate
       return {};
     }},
    {"tls-auth", 1, 2, Inline::kAllowed,
     [](const Option& o, OptionContext& c, TlsOptions& t) -> Status {
       if (Status s =
               set_wrap(o, c, t, TlsWrapMode::kTlsAuth, "-----BEGIN OpenVPN Static key V1-----");
           !s) {
         return s;
       }
       if (o.args.size() == 2) {
         auto d = parse_direction(o, 1);
         if (!d) return forward_error(std::move(d));
         t.key_direction = *d;
       }
       return {};
     }},
    {"tls-crypt", 1, 1, Inline::kAllowed,
     [](const Option& o, OptionContext& c, TlsOptions& t) {
       return set_wrap(o, c, t, TlsWrapMode::kTlsCrypt, "-----BEGIN OpenVPN Static key V1-----");
     }},
    {"tls-crypt-v2", 1, 1, Inline::kAllowed,
     [](const Option& o, OptionContext& c, TlsOptions& t) {
       return set_wrap(o, c, t, TlsWrapMode::kTlsCryptV2,
                       "-----BEGIN OpenVPN tls-crypt-v2 client key-----");
     }},
    {"key-direction", 1, 1, Inline::kNo,
     [](const Option& o, OptionContext&, TlsOptions& t) -> Status {
       if (o.args[0] == "bidirectional") {
         t.key_direction.reset();
         return {};
       }
       auto d = parse_direction(o, 0);
       if (!d) return forward_error(std::move(d));
       t.key_direction = *d;
       return {};
     }},
    {"auth", 1, 1, Inline::kNo,
     [](const Option& o, OptionContext&, TlsOptions& t) -> Status {
       std::string name;
       for (const char ch : o.args[0]) name += ascii_upper(ch);
       if (name == "SHA-1") name = "SHA1";
       for (const auto d : kDigests) {
         if (name == d) {
           t.auth_digest = name == "NONE" ? "none" : name;
           return {};
         }
       }
       return option_error(o,
                           quoted(o.args[0]) + " is not a known digest (SHA1, SHA256, SHA512 ...)");
     }},
    {"tls-version-min", 1, 2, Inline::kNo,
     [](const Option& o, OptionContext&, TlsOptions& t) -> Status {
       if (o.args.size() == 2 && o.args[1] != "or-highest") {
         return option_error(o, quoted(o.args[1]) + " is not or-highest");
       }
       t.tls_version_min_or_highest = o.args.size() == 2;
       return set_version(o, t.tls_version_min);
     }},
    {"tls-version-max", 1, 1, Inline::kNo,
     [](const Option& o, OptionContext&, TlsOptions& t) {
       return set_version(o, t.tls_version_max);
     }},
    {"tls-cipher", 1, 1, Inline::kNo,
     [](const Option& o, OptionContext&, TlsOptions& t) -> Status {
       t.tls_cipher = o.args[0];
       return {};
     }},
    {"tls-ciphersuites", 1, 1, Inline::kNo,
     [](const Option& o, OptionContext&, TlsOptions& t) -> Status {
       t.tls_ciphersuites = o.args[0];
       return {};
     }},
    {"tls-groups", 1, 1, Inline::kNo,
     [](const Option& o, OptionContext&, TlsOptions& t) -> Status {
       t.tls_groups = o.args[0];
       return {};
     }},
    {"remote-cert-tls", 1, 1, Inline::kNo,
     [](const Option& o, OptionContext&, TlsOptions& t) -> Status {
       auto k = arg_keyword(o, 0, {"server", "client"});
       if (!k) return forward_error(std::move(k));
       t.remote_cert_tls = *k == 0 ? RemoteCertTls::kServer : RemoteCertTls::kClient;
       return {};
     }},
    {"verify-x509-name", 1, 2, Inline::kNo,
     [](const Option& o, OptionContext&, TlsOptions& t) -> Status {
       X509NameType type = X509NameType::kSubject;
       if (o.args.size() == 2) {
         auto k = arg_keyword(o, 1, {"subject", "name", "name-prefix"});
         if (!k) return forward_error(std::move(k));
         type = static_cast<X509NameType>(*k);
       }
       t.verify_x509_name.emplace(o.args[0], type);
       return {};
     }},
    {"remote-cert-eku", 1, 1, Inline::kNo,
     [](const Option& o, OptionContext&, TlsOptions& t) -> Status {
       t.remote_cert_eku = o.args[0];
       return {};
     }},
    {"remote-cert-ku", 0, 15, Inline::kNo,
     [](const Option& o, OptionContext&, TlsOptions& t) -> Status {
       t.remote_cert_ku.clear();
       for (const std::string& hex : o.args) {
         unsigned value = 0;
         const bool ok = !hex.empty() && hex.size() <= 4 &&
                         hex.find_first_not_of("0123456789abcdefABCDEF") == std::string::npos;
         for (const char ch : hex) {
           const char u = ascii_upper(ch);
           value = value * 16 + static_cast<unsigned>(u <= '9' ? u - '0' : u - 'A' + 10);
         }
         if (!ok) return option_error(o, quoted(hex) + " is not a hex key usage (e.g. a0)");
         t.remote_cert_ku.push_back(static_cast<uint16_t>(value));
       }
       return {};
     }},
    {"peer-fingerprint", 1, 1, Inline::kAllowed, add_fingerprints},
    {"tls-verify", 1, 1, Inline::kNo,
     [](const Option& o, OptionContext&, TlsOptions& t) -> Status {
       t.tls_verify_cmd = o.args[0];
       return {};
     }},
    {"hand-window", 1, 1, Inline::kNo,
     [](const Option& o, OptionContext&, TlsOptions& t) -> Status {
       auto v = arg_uint(o, 0, 1, 86400);
       if (!v) return forward_error(std::move(v));
       t.hand_window_s = *v;
       return {};
     }},
    {"tran-window", 1, 1, Inline::kNo,
     [](const Option& o, OptionContext&, TlsOptions& t) -> Status {
       auto v = arg_uint(o, 0, 1, 86400 * 7);
       if (!v) return forward_error(std::move(v));
       t.tran_window_s = *v;
       return {};
     }},
    {"tls-timeout", 1, 1, Inline::kNo,
     [](const Option& o, OptionContext&, TlsOptions& t) -> Status {
       auto v = arg_uint(o, 0, 1, 3600);
       if (!v) return forward_error(std::move(v));
       t.tls_timeout_s = *v;
       return {};
     }},
    {"reneg-sec", 1, 2, Inline::kNo,
     [](const Option& o, OptionContext&, TlsOptions& t) -> Status {
       auto max = arg_uint(o, 0, 0, 0x7fffffff);
       if (!max) return forward_error(std::move(max));
       t.reneg_sec = *max;
       t.reneg_sec_min.reset();
       if (o.args.size() == 2) {
         auto min = arg_uint(o, 1, 0, *max);
         if (!min) return forward_error(std::move(min));
         t.reneg_sec_min = *min;
       }
       return {};
     }},
    {"reneg-bytes", 1, 1, Inline::kNo,
     [](const Option& o, OptionContext&, TlsOptions& t) -> Status {
       auto v = arg_u64(o, 0, 0, UINT64_MAX / 2);
       if (!v) return forward_error(std::move(v));
       t.reneg_bytes = *v;
       return {};
     }},
    {"reneg-pkts", 1, 1, Inline::kNo,
     [](const Option& o, OptionContext&, TlsOptions& t) -> Status {
       auto v = arg_u64(o, 0, 0, UINT64_MAX / 2);
       if (!v) return forward_error(std::move(v));
       t.reneg_pkts = *v;
       return {};
     }},
    {"replay-window", 1, 2, Inline::kNo,
     [](const Option& o, OptionContext&, TlsOptions& t) -> Status {
       auto n = arg_uint(o, 0, 0, 65536);
       if (!n) return forward_error(std::move(n));
       t.replay_window = *n;
       if (o.args.size() == 2) {
         auto s = arg_uint(o, 1, 0, 600);
         if (!s) return forward_error(std::move(s));
         t.replay_window_time_s = *s;
       }
       return {};
     }},
    {"mute-replay-warnings", 0, 0, Inline::kNo,
     [](const Option&, OptionContext&, TlsOptions& t) -> Status {
       t.mute_replay_warnings = true;
       return {};
     }},
    {"tls-exit", 0, 0, Inline::kNo,
     [](const Option&, OptionContext&, TlsOptions& t) -> Status {
       t.tls_exit = true;
       return {};
     }},
    {"single-session", 0, 0, Inline::kNo,
     [](const Option&, OptionContext&, TlsOptions& t) -> Status {
       t.single_session = true;
       return {};
     }},
};

}  // namespace

std::span<const OptionHandler<TlsOptions>> tls_handlers() { return kTable; }

Status set_control_wrap(const Option& option, OptionContext& ctx, TlsOptions& tls, TlsWrapMode mode,
                        std::string_view pem_marker) {
  return set_wrap(option, ctx, tls, mode, pem_marker);
}

}  // namespace ovpn::config
