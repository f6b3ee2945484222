// ovpnd: an OpenVPN-compatible VPN whose data channel runs in a multi-core userspace offload
// engine.
//
//   ovpnd --config client.conf|server.conf [OpenVPN options...] [--threads N]
//         [--udp-offload on|off] [--tun-offload on|off]
//   ovpnd --dco-only [options]          the engine alone, driven through dcoctl
//
// The OpenVPN options are OpenVPN's (a configuration file, or --option args on the command
// line, later ones overriding earlier ones); the three after them are ovpnd's own.

#include <unistd.h>

#include <charconv>
#include <cstdio>
#include <string>
#include <vector>

#include "app/client_daemon.h"
#include "app/client_setup.h"
#include "app/daemon_log.h"
#include "app/dco_only.h"
#include "app/server_daemon.h"
#include "config/client_options.h"
#include "config/config_reader.h"
#include "config/file_system.h"
#include "config/server_options.h"

namespace {

constexpr const char* kUsage =
    "usage: ovpnd --config FILE [OpenVPN options] [ovpnd options]\n"
    "       ovpnd --dco-only [options]   (see ovpnd --dco-only --help)\n"
    "ovpnd options:\n"
    "  --threads N           engine shards (default: one per core)\n"
    "  --udp-offload on|off  UDP GSO/GRO where the kernel has them (default on)\n"
    "  --tun-offload on|off  TUN TSO and checksum offload (default on)\n";

int dco_only_main(std::vector<std::string> args) {
  if (!args.empty() && (args[0] == "--help" || args[0] == "-h")) {
    std::fputs(ovpn::app::kDcoOnlyUsage, stdout);
    return 0;
  }
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

bool on_off(const std::string& value, bool& out) {
  if (value != "on" && value != "off") return false;
  out = value == "on";
  return true;
}

// Takes ovpnd's own options out of `args`; the rest are OpenVPN's. Empty string: ok.
std::string take_ovpnd_options(std::vector<std::string>& args,
                               ovpn::app::ClientRunSettings& settings) {
  std::vector<std::string> rest;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a != "--threads" && a != "--udp-offload" && a != "--tun-offload") {
      rest.push_back(a);
      continue;
    }
    if (i + 1 >= args.size()) return a + ": needs a value";
    const std::string& v = args[++i];
    if (a == "--threads") {
      const auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), settings.threads);
      if (ec != std::errc() || end != v.data() + v.size() || settings.threads > 256) {
        return "--threads: 0..256";
      }
    } else if (!on_off(v, a == "--udp-offload" ? settings.udp_offload : settings.tun_offload)) {
      return a + ": on or off, not " + v;
    }
  }
  args = std::move(rest);
  return {};
}

// A server configuration: server / server-ipv6 / mode server / tls-server.
bool is_server(const ovpn::config::OptionList& list) {
  for (const auto& o : list) {
    if (o.name == "server" || o.name == "server-ipv6" || o.name == "tls-server") return true;
    if (o.name == "mode" && !o.args.empty() && o.args[0] == "server") return true;
  }
  return false;
}

ovpn::app::DaemonLogSettings log_settings(const ovpn::config::LoggingOptions& log) {
  ovpn::app::DaemonLogSettings ls;
  ls.verb = log.verb;
  ls.mute = log.mute;
  ls.file = log.log_file;
  ls.append = log.log_append;
  ls.timestamps = !log.suppress_timestamps;
  return ls;
}

bool write_pid(const std::string& path) {
  if (path.empty()) return true;
  FILE* f = std::fopen(path.c_str(), "w");
  if (f == nullptr) return false;
  std::fprintf(f, "%d\n", static_cast<int>(::getpid()));
  std::fclose(f);
  return true;
}

// The server, run again after SIGHUP/SIGUSR1 with the configuration read again.
int server_main(const std::vector<std::string>& args,
                const ovpn::app::ClientRunSettings& client_settings) {
  constexpr ovpn::Logger kLog{"ovpnd"};
  ovpn::app::ServerRunSettings settings;
  settings.config_path = client_settings.config_path;
  settings.threads = client_settings.threads;
  settings.udp_offload = client_settings.udp_offload;
  settings.tun_offload = client_settings.tun_offload;
  bool logging_set = false;
  ovpn::app::ServerPersistent persistent;
  for (;;) {
    ovpn::config::RealFileSystem fs;
    auto list = ovpn::config::read_command_line(args, fs);
    auto built = list ? ovpn::config::build_server_options(*list, fs)
                      : ovpn::Expected<ovpn::config::BuiltServerOptions>(
                            ovpn::forward_error(std::move(list)));
    if (!built) {
      std::fprintf(stderr, "Options error: %s\n", built.error().message.c_str());
      return 1;
    }
    const auto& options = built->options;
    if (!logging_set) {
      if (auto st = ovpn::app::configure_daemon_log(log_settings(options.logging)); !st) {
        std::fprintf(stderr, "Options error: %s\n", st.error().message.c_str());
        return 1;
      }
      logging_set = true;
      if (!write_pid(options.logging.writepid)) {
        OVPN_LOG(kLog, ovpn::LogLevel::kError, "writepid %s: cannot write",
                 options.logging.writepid.c_str());
        return 1;
      }
    }
    for (const auto& w : built->warnings) OVPN_LOG(kLog, ovpn::LogLevel::kWarn, "%s", w.c_str());
    OVPN_LOG(kLog, ovpn::LogLevel::kInfo,
             "%s: OpenVPN 2.6 server, data channel in the offload engine",
             ovpn::app::kOvpndVersion);
    const auto result = ovpn::app::run_server(options, settings, persistent);
    if (!result.restart) return result.status;
  }
}

std::string first_config_path(const std::vector<std::string>& args) {
  for (size_t i = 0; i + 1 < args.size(); ++i) {
    if (args[i] == "--config") return args[i + 1];
  }
  return {};
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty() || args[0] == "--help" || args[0] == "-h") {
    std::fputs(kUsage, args.empty() ? stderr : stdout);
    return args.empty() ? 2 : 0;
  }
  if (args[0] == "--version") {
    std::printf("%s (OpenVPN 2.6 protocol, userspace data channel offload)\n",
                ovpn::app::kOvpndVersion);
    return 0;
  }
  if (args[0] == "--dco-only") return dco_only_main({args.begin() + 1, args.end()});

  ovpn::app::ClientRunSettings settings;
  if (std::string error = take_ovpnd_options(args, settings); !error.empty()) {
    std::fprintf(stderr, "ovpnd: %s\n%s", error.c_str(), kUsage);
    return 2;
  }
  settings.config_path = first_config_path(args);
  ovpn::config::RealFileSystem fs;
  auto list = ovpn::config::read_command_line(args, fs);
  if (!list) {
    std::fprintf(stderr, "Options error: %s\n", list.error().message.c_str());
    return 1;
  }
  if (is_server(*list)) return server_main(args, settings);
  auto built = ovpn::config::build_client_options(*list, fs);
  if (!built) {
    std::fprintf(stderr, "Options error: %s\n", built.error().message.c_str());
    return 1;
  }
  const auto& options = built->options;
  const auto& log = options.logging;
  if (auto st = ovpn::app::configure_daemon_log(log_settings(log)); !st) {
    std::fprintf(stderr, "Options error: %s\n", st.error().message.c_str());
    return 1;
  }
  constexpr ovpn::Logger kLog{"ovpnd"};
  for (const auto& w : built->warnings) OVPN_LOG(kLog, ovpn::LogLevel::kWarn, "%s", w.c_str());
  if (!write_pid(log.writepid)) {
    OVPN_LOG(kLog, ovpn::LogLevel::kError, "writepid %s: cannot write", log.writepid.c_str());
    return 1;
  }
  OVPN_LOG(kLog, ovpn::LogLevel::kInfo,
           "%s: OpenVPN 2.6 client, data channel in the offload engine", ovpn::app::kOvpndVersion);
  return ovpn::app::run_client(options, settings);
}
