#pragma once
// The option tables of the server model (see option_handler.h), one per group, and the helper
// expansions (server, server-ipv6, keepalive). The server also runs the client's TLS,
// data-channel, tun/route, timer, script and logging tables (client_handlers.h).

#include <span>

#include "config/option_handler.h"
#include "config/server_options.h"

namespace ovpn::config {

// proto, port, lport, local, bind; tun-mtu, tun-mtu-max, mssfix, link-mtu and
// explicit-exit-notify through the client's connection-entry table.
std::span<const OptionHandler<ServerTransport>> server_transport_handlers();

// server, server-ipv6, ifconfig, ifconfig-ipv6, ifconfig-pool, ifconfig-ipv6-pool,
// ifconfig-pool-persist.
std::span<const OptionHandler<ServerNetwork>> server_network_handlers();

// client-config-dir, ccd-exclusive, duplicate-cn, max-clients, client-to-client, connect-freq,
// connect-freq-initial, verify-client-cert, username-as-common-name, auth-user-pass-verify,
// client-connect, client-disconnect, inactive, tmp-dir.
std::span<const OptionHandler<ClientPolicy>> client_policy_handlers();

// dh, ecdh-curve, crl-verify and the server's tls-crypt-v2 (a server key, not a client key).
struct ServerTlsTarget {
  TlsOptions& tls;
  ServerTlsOptions& server;
};
std::span<const OptionHandler<ServerTlsTarget>> server_tls_handlers();

// status-version and management.
std::span<const OptionHandler<ServerOptions>> server_admin_handlers();

// The helper directives as given, for the expansion and its messages (nullptr: not given).
struct HelperDirectives {
  const Option* server = nullptr;
  const Option* server_ipv6 = nullptr;
  const Option* keepalive = nullptr;
};

// Expands server-ipv6, server and keepalive into `o` as OpenVPN's helper.c does (see
// server_options.h), after every option was applied and network.topology resolved. Sets
// `mode_server` and `tls_server` when server or server-ipv6 is given.
Status expand_server_helpers(const HelperDirectives& given, ServerOptions& o, bool& mode_server,
                             bool& tls_server, Warnings& warnings);

}  // namespace ovpn::config
