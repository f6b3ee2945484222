// The lists of rejected and ignored OpenVPN options, the client's and the server's (see
// known_options.h).

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
};

constexpr std::string_view kClientSide =
    "a client option; this is a server configuration (ovpnd runs the client from a separate "
    "configuration)";
constexpr std::string_view kCcd =
    "only valid in a client-config-dir file (the settings of one client)";
constexpr std::string_view kServerNotYet = "not supported yet on the server";
constexpr std::string_view kNoManagementOption =
    "not supported yet (ovpnd's management interface has status, kill, state, version and "
    "bytecount)";
constexpr std::string_view kTapOnly =
    "not supported: tap bridging; the offload engine (like the kernel DCO) is tun (layer 3) only";

constexpr KnownOption kKnownServer[] = {
    {"client", Disposition::kClientOnly, kClientSide},
    {"pull", Disposition::kClientOnly, kClientSide},
    {"tls-client", Disposition::kClientOnly, kClientSide},
    {"remote", Disposition::kClientOnly, kClientSide},
    {"rport", Disposition::kClientOnly, kClientSide},
    {"remote-random", Disposition::kClientOnly, kClientSide},
    {"remote-random-hostname", Disposition::kClientOnly, kClientSide},
    {"resolv-retry", Disposition::kClientOnly, kClientSide},
    {"nobind", Disposition::kClientOnly, kClientSide},
    {"connect-retry", Disposition::kClientOnly, kClientSide},
    {"connect-retry-max", Disposition::kClientOnly, kClientSide},
    {"connect-timeout", Disposition::kClientOnly, kClientSide},
    {"server-poll-timeout", Disposition::kClientOnly, kClientSide},
    {"connection", Disposition::kClientOnly,
     "a <connection> block is the client side; a server listens with proto, port and local"},
    {"auth-user-pass", Disposition::kClientOnly,
     "a client option; the server checks user names and passwords with auth-user-pass-verify"},
    {"auth-retry", Disposition::kClientOnly, kClientSide},
    {"route-nopull", Disposition::kClientOnly, kClientSide},
    {"allow-pull-fqdn", Disposition::kClientOnly, kClientSide},
    {"push-peer-info", Disposition::kClientOnly, kClientSide},
    {"redirect-gateway", Disposition::kClientOnly,
     "cannot be used with mode server; push it to the clients (push \"redirect-gateway def1\")"},
    {"redirect-private", Disposition::kClientOnly,
     "cannot be used with mode server; push it to the clients (push \"redirect-private\")"},
    {"dhcp-option", Disposition::kClientOnly,
     "a client option; push it to the clients (push \"dhcp-option DNS 10.8.0.1\")"},
    {"dns", Disposition::kClientOnly,
     "a client option; push it to the clients (push \"dns server 0 address 10.8.0.1\")"},
    {"route-delay", Disposition::kClientOnly, "cannot be used with mode server"},
    {"up-delay", Disposition::kClientOnly, "cannot be used with mode server"},
    {"ipchange", Disposition::kClientOnly,
     "cannot be used with mode server (use client-connect instead)"},
    {"ifconfig-push", Disposition::kCcdOnly, kCcd},
    {"ifconfig-ipv6-push", Disposition::kCcdOnly, kCcd},
    {"iroute", Disposition::kCcdOnly, kCcd},
    {"iroute-ipv6", Disposition::kCcdOnly, kCcd},
    {"push-reset", Disposition::kCcdOnly, kCcd},
    {"push-remove", Disposition::kCcdOnly, kCcd},
    {"disable", Disposition::kCcdOnly, kCcd},
    {"server-bridge", Disposition::kUnsupported, kTapOnly},
    {"vlan-tagging", Disposition::kUnsupported, kTapOnly},
    {"vlan-accept", Disposition::kUnsupported, kTapOnly},
    {"vlan-pvid", Disposition::kUnsupported, kTapOnly},
    {"learn-address", Disposition::kUnsupported, kServerNotYet},
    {"port-share", Disposition::kUnsupported, kServerNotYet},
    {"auth-gen-token", Disposition::kUnsupported, kServerNotYet},
    {"auth-gen-token-secret", Disposition::kUnsupported, kServerNotYet},
    {"auth-user-pass-optional", Disposition::kUnsupported, kServerNotYet},
    {"stale-routes-check", Disposition::kUnsupported, kServerNotYet},
    {"client-crresponse", Disposition::kUnsupported, kServerNotYet},
    {"x509-username-field", Disposition::kUnsupported, kServerNotYet},
    {"capath", Disposition::kUnsupported, "not supported yet; give the CAs in one ca file"},
    {"tcp-nodelay", Disposition::kUnsupported, kServerNotYet},
    {"block-ipv6", Disposition::kUnsupported,
     "not supported yet on the server; push it to the clients (push \"block-ipv6\")"},
    {"plugin", Disposition::kUnsupported,
     "plugins are not supported; use scripts (auth-user-pass-verify, client-connect ...)"},
    {"client-cert-not-required", Disposition::kUnsupported,
     "removed in OpenVPN 2.5; use verify-client-cert none"},
    {"ifconfig-pool-linear", Disposition::kUnsupported, "removed in OpenVPN 2.5; use topology p2p"},
    {"management-client-auth", Disposition::kUnsupported, kNoManagementOption},
    {"management-client-pf", Disposition::kUnsupported, kNoManagementOption},
    {"management-hold", Disposition::kUnsupported, kNoManagementOption},
    {"management-client", Disposition::kUnsupported, kNoManagementOption},
    {"management-query-passwords", Disposition::kUnsupported, kNoManagementOption},
    {"management-external-key", Disposition::kUnsupported, kNoManagementOption},
    {"management-external-cert", Disposition::kUnsupported, kNoManagementOption},
    {"management-client-user", Disposition::kUnsupported, kNoManagementOption},
    {"management-client-group", Disposition::kUnsupported, kNoManagementOption},
    {"management-up-down", Disposition::kUnsupported, kNoManagementOption},
    {"management-signal", Disposition::kUnsupported, kNoManagementOption},
    {"management-forget-disconnect", Disposition::kUnsupported, kNoManagementOption},
    {"management-log-cache", Disposition::kIgnored, "ignored: the management log is not kept"},
    {"pull-filter", Disposition::kIgnored, "ignored for mode server (as OpenVPN does)"},
    {"auth-nocache", Disposition::kIgnored, "ignored: a client option"},
    {"float", Disposition::kIgnored,
     "ignored: a server follows each client's address changes by its peer-id"},
    {"hash-size", Disposition::kIgnored, "ignored: the offload engine sizes its own tables"},
    {"bcast-buffers", Disposition::kIgnored, "ignored: the offload engine sizes its buffers"},
    {"tcp-queue-limit", Disposition::kIgnored, "ignored: the offload engine sizes its queues"},
    {"max-routes-per-client", Disposition::kIgnored,
     "ignored: a client's routes are its iroutes (the server learns no others)"},
};

template <size_t N>
const KnownOption* find_in(const KnownOption (&list)[N], std::string_view name) {
  for (const auto& k : list) {
    if (k.name == name) return &k;
  }
  return nullptr;
}

}  // namespace

const KnownOption* find_known_option(std::string_view name) { return find_in(kKnown, name); }

const KnownOption* find_known_server_option(std::string_view name) {
  return find_in(kKnownServer, name);
}

}  // namespace ovpn::config
