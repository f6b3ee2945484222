#pragma once
// The options a server pushes (PUSH_REPLY), applied as OpenVPN 2.6's client does.
//
//   PUSH_REPLY,route-gateway 10.8.0.1,topology subnet,ping 10,ping-restart 60,ifconfig ...
//
// The text after "PUSH_REPLY," is split at every ',' (no quoting protects a comma), and each
// item is an option line tokenized like a configuration line. Before that, the client's
// pull-filter list is tried on the item (first filter whose text is a prefix of the item, after
// leading blanks, wins): accept keeps it, ignore drops it, reject fails the whole reply (OpenVPN
// restarts the connection). With route-nopull, the route and DNS/DHCP options (route,
// route-ipv6, redirect-gateway, redirect-private, block-ipv6, dhcp-option, dns) are refused.
// Refused, unknown and malformed options are warnings, as in OpenVPN ("Options error:
// Unrecognized option or missing or extra parameter(s) in [PUSH-OPTIONS]:N"); the rest of the
// reply still applies.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/result.h"
#include "config/client_options.h"
#include "config/network_options.h"
#include "config/option_errors.h"

namespace ovpn::config {

struct ProtocolFlags {
  bool cc_exit = false;
  bool tls_ekm = false;
  bool dyn_tls_crypt = false;
  bool aead_epoch = false;
  bool operator==(const ProtocolFlags&) const = default;
};

struct PushedOptions {
  std::optional<std::pair<std::string, std::string>> ifconfig;       // local, netmask or peer
  std::optional<std::pair<std::string, std::string>> ifconfig_ipv6;  // address/bits, peer
  std::vector<Route4> routes;
  std::vector<Route6> routes6;
  std::string route_gateway;
  std::string topology;
  std::optional<uint32_t> peer_id;
  std::optional<std::string> cipher;  // canonical name when it is an AEAD cipher
  std::optional<uint32_t> ping_s, ping_restart_s;
  ProtocolFlags protocol_flags;  // protocol-flags, and key-derivation tls-ekm
  std::optional<uint32_t> tun_mtu;
  std::vector<DhcpOption> dhcp_options;
  std::vector<std::vector<std::string>> dns;
  std::optional<RedirectGateway> redirect;
  bool block_ipv6 = false;
  std::optional<uint32_t> explicit_exit_notify;
  std::optional<uint32_t> inactive_s;
  uint64_t inactive_bytes = 0;
  std::optional<uint32_t> session_timeout_s;
  std::string auth_token, auth_token_user;
  std::vector<std::string> echo;
  CompressionStub compression = CompressionStub::kNone;
  std::vector<std::pair<std::string, std::string>> setenv_safe;
  // push-continuation of the last message: 2 means more PUSH_REPLY messages follow.
  uint32_t push_continuation = 0;
  Warnings warnings;

  bool complete() const { return push_continuation != 2; }
};

// What the client's configuration says about pulled options.
struct PullPolicy {
  std::vector<PullFilter> filters;
  bool route_nopull = false;
  bool allow_pull_fqdn = false;

  static PullPolicy from(const ClientOptions& options);
};

// The option text of a control message "PUSH_REPLY[,options]" (a trailing NUL allowed), or
// nullopt when the message is not a PUSH_REPLY.
std::optional<std::string_view> push_reply_options(std::string_view message);

// Applies one PUSH_REPLY's option text (what follows "PUSH_REPLY,") to `into`. Call it again
// with the next message while !into.complete(). Fails (Errc::kInvalidArgument) only when a
// pull-filter rejects an option or the server pushes something ovpnd cannot run (compression
// with an algorithm); `into` then holds the options before that one.
// Thread: control.
Status apply_push_reply(std::string_view options_text, const PullPolicy& policy,
                        PushedOptions& into);

// Checks one option (name and arguments) as apply_push_reply() would apply it, with
// allow-pull-fqdn and no pull-filter: an error when ovpnd's client would refuse it (compression
// with an algorithm, Errc::kUnsupported) or drop it as malformed (Errc::kInvalidArgument); false
// when the client does not know the option (it would ignore it with a warning), true otherwise.
// A server checks its push options with it.
// Thread: any (pure).
Expected<bool> check_pushable_option(const Option& option);

}  // namespace ovpn::config
