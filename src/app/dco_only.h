#pragma once
// `ovpnd --dco-only`: the offload engine alone, configured by hand through its control socket
// (dcoctl), the way the Linux ovpn module is driven by ovpn-cli in its selftests.

#include <optional>
#include <string>
#include <vector>

#include "common/ip_address.h"
#include "common/result.h"
#include "dco/dco.h"
#include "engine/engine_dco.h"

namespace ovpn::app {

struct DcoOnlyOptions {
  std::string dev = "ovpn%d";
  dco::Mode mode = dco::Mode::kPointToPoint;
  Endpoint listen{IpAddress::v6(in6addr_any), 1194};
  size_t threads = 0;
  bool pin = false;  // shard i on CPU i
  uint32_t mtu = 1420;
  std::optional<uint16_t> mssfix;  // clamp TCP MSS to this; default: what the MTU carries
  std::vector<std::pair<IpAddress, uint8_t>> addresses;  // interface addresses with prefix
  std::vector<IpPrefix> routes;                          // routed into the device
  std::string control = "/run/ovpnd/dco.sock";
  bool udp_offload = true;               // UDP GSO/GRO where the kernel has them
  bool tun_offload = true;               // TUN TSO and checksum offload where the kernel has them
  bool client_to_client = false;         // mp: peers reach each other through the engine
  bool fanout = engine::kFanoutDefault;  // one peer's crypto over several shards
};

// Parses the command line after "--dco-only". Errors name the option.
Expected<DcoOnlyOptions> parse_dco_only_args(const std::vector<std::string>& args);
extern const char* const kDcoOnlyUsage;

// Runs until SIGINT or SIGTERM. Thread: main (the control thread).
Status run_dco_only(const DcoOnlyOptions& options);

}  // namespace ovpn::app
