// The lists of rejected and ignored OpenVPN options (see known_options.h).

#include "config/known_options.h"

namespace ovpn::config {
namespace {

constexpr std::string_view kOffload =
    "not supported: the data channel runs in the offload engine, which (like the kernel DCO) "
    "does not do this";
constexpr std::string_view kNotYet = "not supported yet";
constexpr std::string_view kServer =
    "a server option; ovpnd's client does not take it (the server side is a separate mode)";

constexpr KnownOption kKnown[] = {
    {"fragment", Disposition::kUnsupported, kOffload},
    {"mtu-test", Disposition::kUnsupported, kOffload},
    {"shaper", Disposition::kUnsupported, kOffload},
    {"secret", Disposition::kUnsupported,
     "static-key mode is not supported: ovpnd needs TLS (client or tls-client, with ca/cert/key)"},
    {"socks-proxy", Disposition::kUnsupported, kNotYet},
    {"http-proxy", Disposition::kUnsupported, kNotYet},
    {"http-proxy-user-pass", Disposition::kUnsupported, "not supported yet (no http-proxy)"},
    {"http-proxy-option", Disposition::kUnsupported, "not supported yet (no http-proxy)"},
    {"pkcs12", Disposition::kUnsupported, "not supported yet; use ca, cert and key (PEM)"},
    {"pkcs11-providers", Disposition::kUnsupported, kNotYet},
    {"pkcs11-id", Disposition::kUnsupported, kNotYet},
    {"cryptoapicert", Disposition::kUnsupported, "Windows only"},
    {"management", Disposition::kUnsupported,
     "the management interface is not supported for the client yet"},
    {"management-client", Disposition::kUnsupported, "no management interface (yet)"},
    {"management-hold", Disposition::kUnsupported, "no management interface (yet)"},
    {"management-query-passwords", Disposition::kUnsupported, "no management interface (yet)"},
    {"management-external-key", Disposition::kUnsupported, "no management interface (yet)"},
    {"chroot", Disposition::kUnsupported,
     "not supported: ovpnd does not chroot (use the service manager's RootDirectory= or a "
     "container)"},
    {"ifconfig", Disposition::kUnsupported,
     "not supported in a client configuration: a pull client gets its address from the server"},
    {"ifconfig-ipv6", Disposition::kUnsupported,
     "not supported in a client configuration: a pull client gets its address from the server"},
    {"tls-server", Disposition::kServerOnly, kServer},
    {"server", Disposition::kServerOnly, kServer},
    {"server-ipv6", Disposition::kServerOnly, kServer},
    {"server-bridge", Disposition::kServerOnly, kServer},
    {"client-to-client", Disposition::kServerOnly, kServer},
    {"duplicate-cn", Disposition::kServerOnly, kServer},
    {"client-config-dir", Disposition::kServerOnly, kServer},
    {"ccd-exclusive", Disposition::kServerOnly, kServer},
    {"ifconfig-pool", Disposition::kServerOnly, kServer},
    {"ifconfig-ipv6-pool", Disposition::kServerOnly, kServer},
    {"ifconfig-pool-persist", Disposition::kServerOnly, kServer},
    {"ifconfig-push", Disposition::kServerOnly, kServer},
    {"push", Disposition::kServerOnly, kServer},
    {"push-reset", Disposition::kServerOnly, kServer},
    {"push-remove", Disposition::kServerOnly, kServer},
    {"dh", Disposition::kServerOnly, kServer},
    {"auth-user-pass-verify", Disposition::kServerOnly, kServer},
    {"client-connect", Disposition::kServerOnly, kServer},
    {"client-disconnect", Disposition::kServerOnly, kServer},
    {"learn-address", Disposition::kServerOnly, kServer},
    {"max-clients", Disposition::kServerOnly, kServer},
    {"iroute", Disposition::kServerOnly, kServer},
    {"iroute-ipv6", Disposition::kServerOnly, kServer},
    {"verify-client-cert", Disposition::kServerOnly, kServer},
    {"username-as-common-name", Disposition::kServerOnly, kServer},
    {"auth-gen-token", Disposition::kServerOnly, kServer},
    {"tls-crypt-v2-verify", Disposition::kServerOnly, kServer},
    {"port-share", Disposition::kServerOnly, kServer},
    {"disable-dco", Disposition::kIgnored,
     "ignored: the data channel always runs in ovpnd's offload engine"},
    {"tun-ipv6", Disposition::kIgnored, "ignored (obsolete; OpenVPN 2.6 ignores it too)"},
    {"fast-io", Disposition::kIgnored, "ignored: the offload engine does its own batching"},
    {"sndbuf", Disposition::kIgnored, "ignored: the offload engine sizes its socket buffers"},
    {"rcvbuf", Disposition::kIgnored, "ignored: the offload engine sizes its socket buffers"},
    {"txqueuelen", Disposition::kIgnored, "ignored: the offload engine sets up the tun device"},
};

}  // namespace

const KnownOption* find_known_option(std::string_view name) {
  for (const auto& k : kKnown) {
    if (k.name == name) return &k;
  }
  return nullptr;
}

}  // namespace ovpn::config
