#pragma once
// A client-config-dir file: the settings of one client (the file named after its common name),
// read when it connects, as OpenVPN's client-specific context.
//
//   ifconfig-push LOCAL NETMASK|PEER [ALIAS]   its IPv4 address (a netmask with topology subnet,
//                                              the peer address with net30 and p2p)
//   ifconfig-ipv6-push ADDRESS/BITS [PEER]     its IPv6 address
//   iroute NETWORK [NETMASK]                   a network behind the client (the server routes it
//   iroute-ipv6 NETWORK/BITS                   to this client; the server's `route` sends it
//                                              into the tun)
//   push "OPTION"                              appended to its push list (checked as the
//                                              server's push lines, server_push.h)
//   push-reset                                 drops the push list inherited so far
//   push-remove PREFIX                         drops the pushed options that start with PREFIX
//                                              ("ifconfig" and "ifconfig-ipv6": its address)
//   disable                                    refuses the client
// plus `config FILE` includes, read as everywhere else. Anything else is an error naming the
// file and line. OpenVPN logs such errors and ignores the line; ovpnd's server refuses a client
// whose settings it could not read rather than run it with half of them.

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/ip_address.h"
#include "common/result.h"
#include "config/file_system.h"
#include "config/option.h"
#include "config/option_errors.h"
#include "config/server_options.h"

namespace ovpn::config {

struct IfconfigPush {
  IpAddress local;
  IpAddress netmask_or_peer;
  bool operator==(const IfconfigPush&) const = default;
};

struct IfconfigIpv6Push {
  IpAddress local;
  uint8_t bits = 64;
  std::optional<IpAddress> peer;
  bool operator==(const IfconfigIpv6Push&) const = default;
};

// push, push-reset and push-remove, kept in file order: each applies to the list as it stands.
enum class PushEditKind : uint8_t { kAdd, kReset, kRemove };
struct PushEdit {
  PushEditKind kind;
  std::string text;  // kAdd: the option; kRemove: the prefix; kReset: ""
  bool operator==(const PushEdit&) const = default;
};

struct ClientConfig {
  bool disable = false;
  std::optional<IfconfigPush> ifconfig_push;
  SourceLocation ifconfig_push_where;  // for messages
  std::optional<IfconfigIpv6Push> ifconfig_ipv6_push;
  std::vector<IpPrefix> iroutes;       // IPv4, host bits cleared
  std::vector<IpPrefix> iroutes_ipv6;  // host bits cleared
  std::vector<PushEdit> push_edits;
  Warnings warnings;  // formatted like errors (file:line: option: what)
};

// Reads `text` as the client-config-dir file `name` (for messages); `config` includes are read
// through `fs`.
// Thread: any (pure apart from `fs`).
Expected<ClientConfig> read_client_config(std::string_view text, const std::string& name,
                                          FileSystem& fs);

// Builds a ClientConfig from options already read.
// Thread: any (pure).
Expected<ClientConfig> build_client_config(const OptionList& options);

// Applies `later` over `into`, as OpenVPN reads a client-connect script's file after the
// client-config-dir file: addresses and `disable` it sets replace those before, iroutes and push
// edits are appended.
// Thread: any (pure).
void merge_client_config(ClientConfig& into, ClientConfig later);

// Checks a client's addresses against the server's network: with `server` and topology subnet
// an ifconfig-push address must lie in the server's network (OpenVPN refuses it otherwise), and
// its second address must be a netmask.
// Thread: any (pure).
Status check_client_config(const ClientConfig& ccd, const ServerNetwork& network);

// One client's push list and whether its pool addresses may be pushed.
struct ClientPushList {
  std::vector<std::string> options;
  bool ifconfig_blocked = false;       // push-remove ifconfig
  bool ifconfig_ipv6_blocked = false;  // push-remove ifconfig-ipv6
};

// The server's push list with the client's edits applied in order, then without the routes that
// name one of the client's own iroutes exactly ("route NET [MASK]" and "route-ipv6 NET/BITS"
// without a gateway), as OpenVPN does so that a client is not routed to its own network.
// Thread: any (pure).
ClientPushList client_push_list(std::span<const std::string> server_push, const ClientConfig& ccd);

}  // namespace ovpn::config
