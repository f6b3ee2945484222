// ovpnd: an OpenVPN-compatible VPN whose data channel runs in a multi-core userspace offload
// engine. This build offers the engine alone (--dco-only); the OpenVPN control plane
// (--config) arrives with the client and server issues.

#include <cstdio>
#include <string>
#include <vector>

#include "app/dco_only.h"

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty() || args[0] == "--help" || args[0] == "-h") {
    std::fputs(ovpn::app::kDcoOnlyUsage, args.empty() ? stderr : stdout);
    return args.empty() ? 2 : 0;
  }
  if (args[0] != "--dco-only") {
    std::fprintf(stderr, "ovpnd: %s: only --dco-only is available in this build\n%s",
                 args[0].c_str(), ovpn::app::kDcoOnlyUsage);
    return 2;
  }
  args.erase(args.begin());
  auto options = ovpn::app::parse_dco_only_args(args);
  if (!options) {
    std::fprintf(stderr, "ovpnd: %s\n%s", options.error().message.c_str(),
                 ovpn::app::kDcoOnlyUsage);
    return 2;
  }
  auto st = ovpn::app::run_dco_only(*options);
  if (!st) {
    std::fprintf(stderr, "ovpnd: %s\n", st.error().message.c_str());
    return 1;
  }
  return 0;
}
