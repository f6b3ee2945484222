#include "app/dco_only.h"

#include <signal.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <charconv>

#include "app/control_socket.h"
#include "common/log.h"
#include "engine/engine_dco.h"
#include "engine/mss_clamp.h"
#include "io/netlink.h"

namespace ovpn::app {
namespace {

constexpr Logger kLog{"ovpnd"};

Unexpected<Error> bad_option(const std::string& option, const std::string& why) {
  return make_error(Errc::kInvalidArgument, "--" + option + ": " + why);
}

template <class T>
bool parse_number(const std::string& text, T& out) {
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return ec == std::errc() && end == text.data() + text.size();
}

// The flag an on|off option sets; null for any other option.
bool* on_off_option(DcoOnlyOptions& o, const std::string& name) {
  if (name == "udp-offload") return &o.udp_offload;
  if (name == "tun-offload") return &o.tun_offload;
  if (name == "client-to-client") return &o.client_to_client;
  if (name == "pin") return &o.pin;
  if (name == "fanout") return &o.fanout;
  return nullptr;
}

// Applies the device setup; records what it added so that it can be undone on exit.
Status configure_device(const DcoOnlyOptions& o, engine::EngineDco& engine) {
  auto nl = io::NetlinkSocket::open();
  if (!nl) return forward_error(std::move(nl));
  const int ifindex = engine.ifindex();
  if (auto st = nl->link_set_mtu(ifindex, o.mtu); !st) return st;
  for (const auto& [address, length] : o.addresses) {
    if (auto st = nl->addr_new(ifindex, address, length); !st) return st;
  }
  if (auto st = nl->link_set_up(ifindex, true); !st) return st;
  for (const auto& route : o.routes) {
    if (auto st = nl->route_new(io::Route{route, ifindex, std::nullopt, std::nullopt}); !st) {
      return st;
    }
  }
  return {};
}

}  // namespace

const char* const kDcoOnlyUsage =
    "usage: ovpnd --dco-only [options]\n"
    "  --dev NAME            tunnel device name (default ovpn%d)\n"
    "  --mode p2p|mp         one peer (client) or many (server); default p2p\n"
    "  --listen ADDR:PORT    UDP address to bind (default [::]:1194, dual stack)\n"
    "  --threads N           shards (default: one per core)\n"
    "  --pin on|off          shard N pinned to CPU N, for a dedicated machine (default off:\n"
    "                        the scheduler places them, away from other busy processes)\n"
    "  --mtu N               tunnel MTU (default 1420)\n"
    "  --mssfix N            clamp TCP MSS to N, both ways (default MTU - 40; 0: off)\n"
    "  --ifconfig ADDR/LEN   interface address (repeatable; IPv4 or IPv6)\n"
    "  --route PREFIX        route a prefix into the device (repeatable)\n"
    "  --control PATH        control socket (default /run/ovpnd/dco.sock)\n"
    "  --udp-offload on|off  UDP GSO on send and GRO on receive, where the kernel has them\n"
    "                        (default on)\n"
    "  --tun-offload on|off  TUN TSO and checksum offload: the engine reads TCP super-packets\n"
    "                        and cuts them itself (default on)\n"
    "  --client-to-client on|off\n"
    "                        mp: a peer's packets for another peer go straight to it; off:\n"
    "                        they are dropped, even when the host forwards IP (default off)\n"
    "  --fanout on|off       a large batch's crypto (one heavy peer) shared with the other\n"
    "                        shards, delivered in order: for one heavy peer on a machine\n"
    "                        with spare cores; more CPU per byte (default off)\n";

Expected<DcoOnlyOptions> parse_dco_only_args(const std::vector<std::string>& args) {
  DcoOnlyOptions o;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (arg.rfind("--", 0) != 0) return bad_option(arg, "not an option");
    const std::string name = arg.substr(2);
    if (i + 1 >= args.size()) return bad_option(name, "needs a value");
    const std::string& value = args[++i];
    if (name == "dev") {
      o.dev = value;
    } else if (name == "mode") {
      if (value == "p2p") {
        o.mode = dco::Mode::kPointToPoint;
      } else if (value == "mp") {
        o.mode = dco::Mode::kMultiPeer;
      } else {
        return bad_option(name, "p2p or mp, not " + value);
      }
    } else if (name == "listen") {
      auto e = Endpoint::parse(value);
      if (!e) return bad_option(name, "not ADDR:PORT: " + value);
      o.listen = *e;
    } else if (name == "threads") {
      if (!parse_number(value, o.threads) || o.threads > 256) return bad_option(name, "0..256");
    } else if (name == "mtu") {
      if (!parse_number(value, o.mtu) || o.mtu < 576 || o.mtu > 9000) {
        return bad_option(name, "576..9000");
      }
    } else if (name == "mssfix") {
      uint16_t mss = 0;
      if (!parse_number(value, mss) || (mss != 0 && mss < 216))
        return bad_option(name, "0 or 216..65535");
      o.mssfix = mss;
    } else if (name == "ifconfig") {
      const size_t slash = value.find('/');
      auto address = IpAddress::parse(value.substr(0, slash));
      unsigned length = 0;
      if (!address || slash == std::string::npos ||
          !parse_number(value.substr(slash + 1), length) || length > address->size() * 8) {
        return bad_option(name, "not ADDR/LEN: " + value);
      }
      o.addresses.emplace_back(*address, static_cast<uint8_t>(length));
    } else if (name == "route") {
      auto p = IpPrefix::parse(value);
      if (!p) return bad_option(name, "not a prefix: " + value);
      o.routes.push_back(*p);
    } else if (name == "control") {
      o.control = value;
    } else if (bool* flag = on_off_option(o, name)) {
      if (value != "on" && value != "off") return bad_option(name, "on or off, not " + value);
      *flag = value == "on";
    } else {
      return bad_option(name, "unknown option");
    }
  }
  return o;
}

Status run_dco_only(const DcoOnlyOptions& o) {
  // SIGINT and SIGTERM end the loop through a signalfd.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);  // before any thread starts: they inherit it
  io::Fd stop(::signalfd(-1, &signals, SFD_CLOEXEC));
  if (!stop.valid()) return io::errno_error(errno, "signalfd");

  engine::EngineOptions eo;
  eo.mode = o.mode;
  eo.ifname = o.dev;
  eo.threads = o.threads;
  eo.pin_threads = o.pin;
  eo.listen = o.listen;
  eo.max_mss = o.mssfix.value_or(engine::mss_for_mtu(o.mtu));
  eo.udp_offload = o.udp_offload;
  eo.tun_offload = o.tun_offload;
  eo.client_to_client = o.client_to_client;
  eo.fanout = o.fanout;
  auto engine = engine::EngineDco::start(eo);
  if (!engine) return forward_error(std::move(engine));
  if (auto st = configure_device(o, **engine); !st) return st;
  auto control = ControlSocket::listen(o.control);
  if (!control) return forward_error(std::move(control));
  OVPN_LOG(kLog, LogLevel::kInfo, "dco-only: %s up, control socket %s", (*engine)->ifname().c_str(),
           o.control.c_str());
  std::printf("%s %s\n", (*engine)->ifname().c_str(),
              (*engine)->local_endpoint().to_string().c_str());
  std::fflush(stdout);
  auto st = control->run(**engine, stop.get());
  OVPN_LOG(kLog, LogLevel::kInfo, "dco-only: stopping");
  return st;
}

}  // namespace ovpn::app
