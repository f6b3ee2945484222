#include "app/management_reply.h"

#include "app/client_setup.h"

namespace ovpn::app::management {
namespace {

constexpr const char* kHelp[] = {
    "Management interface of ovpnd, an OpenVPN 2.6 server. Commands:",
    "bytecount n             : Every n seconds, >BYTECOUNT_CLI:cid,in,out per client (0: off).",
    "client-kill cid [msg]   : Disconnect the client with this client id, telling it msg",
    "                          (default RESTART; HALT makes it stop).",
    "exit | quit             : Close this management session.",
    "help                    : This list.",
    "kill cn                 : Disconnect every client with the common name cn.",
    "kill [udp:|tcp:]ip:port : Disconnect the client at this real address.",
    "load-stats              : The number of clients and their bytes in and out.",
    "pid                     : The daemon's process id.",
    "signal s                : Signal the daemon: SIGHUP, SIGTERM, SIGUSR1 or SIGUSR2.",
    "state [on|off|all|n]    : The state, all of its history or its last n entries;",
    "                          on / off: real-time >STATE: lines ('state on all': both).",
    "status [n]              : The clients, in status format n (1, 2 or 3; default 1).",
    "version [n]             : The versions of ovpnd and of this interface; n: the client's.",
    "END",
};

std::vector<std::string> state_lines(std::span<const StateEntry> history, size_t count) {
  std::vector<std::string> out;
  const size_t first = history.size() > count ? history.size() - count : 0;
  for (size_t i = first; i < history.size(); ++i) out.push_back(format_state(history[i]));
  out.emplace_back("END");
  return out;
}

std::vector<std::string> answer_state(const State& s, Settings& settings,
                                      std::span<const StateEntry> history) {
  switch (s.mode) {
    case State::Mode::kCurrent:
      return state_lines(history, 1);
    case State::Mode::kOn:
      settings.state_on = true;
      return {"SUCCESS: real-time state notification set to ON"};
    case State::Mode::kOff:
      settings.state_on = false;
      return {"SUCCESS: real-time state notification set to OFF"};
    case State::Mode::kAll:
      return state_lines(history, history.size());
    case State::Mode::kRecent:
      return state_lines(history, s.count);
    case State::Mode::kOnAll:
      settings.state_on = true;
      return state_lines(history, history.size());
  }
  return {};
}

std::string load_stats(Handler& handler) {
  uint64_t in = 0;
  uint64_t out = 0;
  const auto clients = handler.client_bytes();
  for (const auto& c : clients) {
    in += c.bytes_in;
    out += c.bytes_out;
  }
  return "SUCCESS: nclients=" + std::to_string(clients.size()) + ",bytesin=" + std::to_string(in) +
         ",bytesout=" + std::to_string(out);
}

std::vector<std::string> client_kill(const ClientKill& k, Handler& handler) {
  const std::string_view notice = k.message.empty() ? "RESTART" : std::string_view(k.message);
  if (handler.kill_by_client_id(k.client_id, notice) == 0) {
    return {"ERROR: client-kill command failed"};
  }
  return {"SUCCESS: client-kill command succeeded"};
}

}  // namespace

std::string format_state(const StateEntry& e) {
  return std::to_string(e.time) + "," + e.name + "," + e.description + "," + e.local_ip + "," +
         e.remote_ip + "," + e.remote_port + "," + e.local_address + "," + e.local_port + "," +
         e.local_ipv6;
}

std::vector<std::string> bytecount_lines(std::span<const ClientBytes> clients) {
  std::vector<std::string> out;
  out.reserve(clients.size());
  for (const auto& c : clients) {
    out.push_back(">BYTECOUNT_CLI:" + std::to_string(c.client_id) + "," +
                  std::to_string(c.bytes_in) + "," + std::to_string(c.bytes_out));
  }
  return out;
}

std::vector<std::string> answer(const Command& command, Handler& handler, Settings& settings,
                                const Context& context) {
  struct Visit {
    Handler& handler;
    Settings& settings;
    const Context& context;

    std::vector<std::string> operator()(const Blank&) { return {}; }
    std::vector<std::string> operator()(const Help&) {
      return {std::begin(kHelp), std::end(kHelp)};
    }
    std::vector<std::string> operator()(const Version& v) {
      if (!v.client_version) {
        return {std::string("OpenVPN Version: ") + kOvpndVersion +
                    " (OpenVPN 2.6 protocol, userspace data channel offload)",
                "Management Version: " + std::to_string(kInterfaceVersion), "END"};
      }
      settings.client_version = *v.client_version;
      // Clients before version 3 expect no answer to "version N", as from OpenVPN.
      if (*v.client_version < 3) return {};
      return {"SUCCESS: Management client version set to " + std::to_string(*v.client_version)};
    }
    std::vector<std::string> operator()(const Pid&) {
      return {"SUCCESS: pid=" + std::to_string(context.pid)};
    }
    std::vector<std::string> operator()(const LoadStats&) { return {load_stats(handler)}; }
    std::vector<std::string> operator()(const Quit&) {
      settings.quit = true;
      return {};
    }
    std::vector<std::string> operator()(const ShowStatus& s) {
      return handler.status_lines(s.version);
    }
    std::vector<std::string> operator()(const State& s) {
      return answer_state(s, settings, context.history);
    }
    std::vector<std::string> operator()(const ByteCount& b) {
      settings.bytecount_s = b.interval_s;
      return {"SUCCESS: bytecount interval changed"};
    }
    std::vector<std::string> operator()(const KillByName& k) {
      const size_t n = handler.kill_by_common_name(k.common_name);
      if (n == 0) return {"ERROR: common name '" + k.common_name + "' not found"};
      return {"SUCCESS: common name '" + k.common_name + "' found, " + std::to_string(n) +
              " client(s) killed"};
    }
    std::vector<std::string> operator()(const KillByAddress& k) {
      const size_t n = handler.kill_by_address(k.remote, k.proto);
      if (n == 0) return {"ERROR: client at address " + k.text + " not found"};
      return {"SUCCESS: " + std::to_string(n) + " client(s) at address " + k.text + " killed"};
    }
    std::vector<std::string> operator()(const ClientKill& k) { return client_kill(k, handler); }
    std::vector<std::string> operator()(const Signal& s) {
      handler.raise_signal(s.signo);
      return {"SUCCESS: signal " + s.name + " thrown"};
    }
    std::vector<std::string> operator()(const Refused& r) { return {r.error}; }
  };
  return std::visit(Visit{handler, settings, context}, command);
}

}  // namespace ovpn::app::management
