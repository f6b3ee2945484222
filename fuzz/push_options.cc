// Fuzz target: a control message applied as a PUSH_REPLY (apply_push_reply), twice, with the
// pull policy chosen by the first byte.
//
// Input: one byte of policy (bit 0 route-nopull, bit 1 allow-pull-fqdn, bit 2 a pull-filter
// list that accepts "route 10.", ignores "route " and rejects "redirect"), then the message
// ("PUSH_REPLY,..." or anything).
//
// Invariants: never crashes; lists stay bounded (4096 entries); a pull-filter reject is the
// only error besides compression with an algorithm; a message that is not a PUSH_REPLY is not
// applied; route-nopull leaves no routes or DNS options.

#include <string_view>

#include "config/pushed_options.h"
#include "fuzz_target.h"

namespace config = ovpn::config;

OVPN_FUZZ_TARGET(push_options) {
  if (size == 0) return 0;
  config::PullPolicy policy;
  policy.route_nopull = (data[0] & 1) != 0;
  policy.allow_pull_fqdn = (data[0] & 2) != 0;
  if ((data[0] & 4) != 0) {
    policy.filters = {{config::PullFilterAction::kAccept, "route 10."},
                      {config::PullFilterAction::kIgnore, "route "},
                      {config::PullFilterAction::kReject, "redirect"}};
  }
  const std::string_view message(reinterpret_cast<const char*>(data + 1), size - 1);
  const auto text = config::push_reply_options(message);
  if (!text) return 0;
  FUZZ_REACHED("push_options/push_reply");
  config::PushedOptions pushed;
  for (int round = 0; round < 2; ++round) {
    ovpn::Status s = config::apply_push_reply(*text, policy, pushed);
    if (!s) {
      FUZZ_CHECK(s.error().code == ovpn::Errc::kInvalidArgument ||
                 s.error().code == ovpn::Errc::kUnsupported);
      break;
    }
  }
  FUZZ_CHECK(pushed.routes.size() <= 4096 && pushed.routes6.size() <= 4096);
  FUZZ_CHECK(pushed.dhcp_options.size() <= 4096 && pushed.dns.size() <= 4096);
  FUZZ_CHECK(pushed.echo.size() <= 4096 && pushed.setenv_safe.size() <= 4096);
  if (policy.route_nopull) {
    FUZZ_CHECK(pushed.routes.empty() && pushed.routes6.empty() && pushed.dns.empty());
    FUZZ_CHECK(pushed.dhcp_options.empty() && !pushed.redirect && !pushed.block_ipv6);
  }
  return 0;
}
