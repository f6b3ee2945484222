#pragma once
// From the server's options to the control plane's inputs: the server TLS context, the tls-wrap
// keys of the stateless handshake, each client session's config, and each client's grant (its
// addresses, iroutes and push list: the server's pushes with its client-config-dir edits, then
// ifconfig / ifconfig-ipv6 by topology). And the tun device's own plan (addresses, MTU, routes).
//
// Thread: control (the TLS context); the rest is pure.

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "app/address_pool.h"
#include "app/net_plan.h"
#include "common/result.h"
#include "config/ccd.h"
#include "config/server_options.h"
#include "control/server_session.h"
#include "control/server_wrap.h"
#include "control/tls_session.h"

namespace ovpn::app {

// ca/cert/key, versions, cipher lists, ecdh-curve, verify-client-cert, crl-verify.
Expected<std::shared_ptr<const control::TlsContext>> make_server_tls(
    const config::ServerOptions& options);

// tls-auth (with key-direction), tls-crypt, tls-crypt-v2 server key, or none.
Expected<control::ServerWrap> make_server_wrap(const config::ServerOptions& options);

// The OCC options string a 2.6 server sends (tls-server). Thread: any.
std::string server_options_string(const config::ServerOptions& options, bool tcp);

// One client's session config, before its peer id and remote are filled in.
control::ServerSessionConfig make_server_session_config(const config::ServerOptions& options,
                                                        bool tcp, bool ipv6);

// What a client gets: `lease` from the pool (none with an ifconfig-push), `ccd` its
// client-config-dir file (none without one). kInvalidArgument when the client has no IPv4 or
// IPv6 address at all (the engine routes by them).
Expected<control::ClientGrant> make_client_grant(const config::ServerOptions& options,
                                                 const std::optional<PoolLease>& lease,
                                                 const config::ClientConfig* ccd);

// The server's own tun: ifconfig / ifconfig-ipv6 by topology, tun-mtu, and `route` /
// `route-ipv6` into the device. Thread: any (pure).
Expected<NetPlan> make_server_net_plan(const config::ServerOptions& options, int ifindex);

}  // namespace ovpn::app
