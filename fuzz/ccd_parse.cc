// Fuzz target: a client-config-dir file's text, read (read_client_config), checked against a
// fixed subnet server (check_client_config) and applied to its push list (client_push_list).
//
// Input: the text of "ccd/fuzz". The in-memory file system also holds inc.ccd, which includes
// ccd/fuzz (a loop when the input says "config inc.ccd").
//
// Invariants: never crashes; a read file has its iroutes without host bits and only push edits
// a server may send (no ',' in an added option); the client's push list never grows by more than
// the file adds, keeps no route naming one of the client's own iroutes exactly, and blocks the
// pushed address only after a push-remove of it.

#include <algorithm>
#include <string>
#include <string_view>
#include <vector>

#include "config/ccd.h"
#include "fuzz_target.h"

namespace {

namespace config = ovpn::config;

// The network and push list of "server 10.8.0.0 255.255.255.0" with topology subnet and
// keepalive 10 60, plus a few pushes (as build_server_options expands them).
config::ServerNetwork subnet_network() {
  config::ServerNetwork n;
  n.topology = config::Topology::kSubnet;
  n.server = ovpn::IpPrefix::parse("10.8.0.0/24");
  n.push_constraint = n.server;
  n.ifconfig = config::Ipv4Ifconfig{*ovpn::IpAddress::parse("10.8.0.1"),
                                    *ovpn::IpAddress::parse("255.255.255.0")};
  return n;
}

const std::vector<std::string> kServerPush = {"route 192.168.50.0 255.255.255.0",
                                              "route-ipv6 fd00:50::/48",
                                              "dhcp-option DNS 10.8.0.1",
                                              "route-gateway 10.8.0.1",
                                              "topology subnet",
                                              "ping 10",
                                              "ping-restart 60"};

}  // namespace

OVPN_FUZZ_TARGET(ccd_parse) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  config::MemoryFileSystem fs;
  fs.add("inc.ccd", "push-reset\nconfig ccd/fuzz\n");
  fs.add("ccd/fuzz", std::string(input));
  auto ccd = config::read_client_config(input, "ccd/fuzz", fs);
  if (!ccd) {
    FUZZ_CHECK(!ccd.error().message.empty());
    return 0;
  }
  FUZZ_REACHED("ccd_parse/built");
  for (const ovpn::IpPrefix& r : ccd->iroutes) {
    FUZZ_CHECK(r.address.is_v4() && ovpn::IpPrefix::make(r.address, r.length) == r);
  }
  for (const ovpn::IpPrefix& r : ccd->iroutes_ipv6) {
    FUZZ_CHECK(r.address.is_v6() && ovpn::IpPrefix::make(r.address, r.length) == r);
  }
  size_t adds = 0;
  bool removes_ifconfig = false;
  for (const config::PushEdit& e : ccd->push_edits) {
    if (e.kind == config::PushEditKind::kAdd) {
      ++adds;
      FUZZ_CHECK(!e.text.empty() && e.text.find(',') == std::string::npos);
    }
    if (e.kind == config::PushEditKind::kRemove && e.text == "ifconfig") removes_ifconfig = true;
  }
  const ovpn::Status checked = config::check_client_config(*ccd, subnet_network());
  if (!checked) FUZZ_CHECK(ccd->ifconfig_push.has_value());
  const config::ClientPushList list = config::client_push_list(kServerPush, *ccd);
  FUZZ_CHECK(list.options.size() <= kServerPush.size() + adds);
  FUZZ_CHECK(!list.ifconfig_blocked || removes_ifconfig);
  for (const ovpn::IpPrefix& r : ccd->iroutes) {
    const std::string own =
        "route " + r.address.to_string() + " " +
        ovpn::IpAddress::v4(r.length == 0 ? 0 : ~0u << (32 - r.length)).to_string();
    FUZZ_CHECK(std::find(list.options.begin(), list.options.end(), own) == list.options.end());
  }
  FUZZ_REACHED("ccd_parse/push_list");
  return 0;
}
