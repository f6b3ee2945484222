#include "app/management_command.h"

#include <signal.h>

#include <charconv>
#include <vector>

#include "config/tokenizer.h"

namespace ovpn::app::management {
namespace {

using Words = std::vector<std::string>;

std::optional<uint32_t> parse_number(std::string_view text) {
  uint32_t value = 0;
  const char* end = text.data() + text.size();
  const auto [at, ec] = std::from_chars(text.data(), end, value);
  if (text.empty() || ec != std::errc() || at != end) return std::nullopt;
  return value;
}

Refused refused(std::string why) { return Refused{"ERROR: " + std::move(why)}; }

// The command takes between `min` and `max` arguments after its name.
std::optional<Refused> arity(const Words& w, size_t min, size_t max) {
  const size_t n = w.size() - 1;
  if (n < min) {
    return refused("the '" + w[0] + "' command needs " + std::to_string(min) + " argument" +
                   (min == 1 ? "" : "s"));
  }
  if (n > max) return refused("too many arguments for the '" + w[0] + "' command");
  return std::nullopt;
}

Command parse_state(const Words& w) {
  if (w.size() == 1) return State{};
  const std::string& a = w[1];
  if (w.size() == 3) {
    if (a == "on" && w[2] == "all") return State{State::Mode::kOnAll, 0};
    return refused("state: the second argument may only be 'all' after 'on'");
  }
  if (a == "on") return State{State::Mode::kOn, 0};
  if (a == "off") return State{State::Mode::kOff, 0};
  if (a == "all") return State{State::Mode::kAll, 0};
  if (auto n = parse_number(a)) return State{State::Mode::kRecent, *n};
  return refused("state: expected on, off, all or a number, not '" + a + "'");
}

// "[udp:|tcp:]IP:PORT" (IPv6 in brackets); nullopt when `text` is not an address.
std::optional<KillByAddress> parse_address(const std::string& text) {
  KillByAddress k;
  k.text = text;
  std::string_view rest = text;
  if (rest.starts_with("udp:")) {
    k.proto = LinkProto::kUdp;
    rest.remove_prefix(4);
  } else if (rest.starts_with("tcp:")) {
    k.proto = LinkProto::kTcp;
    rest.remove_prefix(4);
  }
  auto remote = Endpoint::parse(rest);
  if (!remote) return std::nullopt;
  k.remote = *remote;
  return k;
}

Command parse_signal(const std::string& name) {
  static constexpr struct {
    std::string_view name;
    int signo;
  } kSignals[] = {
      {"SIGHUP", SIGHUP}, {"SIGTERM", SIGTERM}, {"SIGUSR1", SIGUSR1}, {"SIGUSR2", SIGUSR2}};
  for (const auto& s : kSignals) {
    if (name == s.name) return Signal{s.signo, name};
  }
  return refused("signal '" + name + "' is not a known signal type");
}

Command parse_words(const Words& w) {
  const std::string& verb = w[0];
  if (verb == "help") return Help{};
  if (verb == "pid" || verb == "load-stats" || verb == "quit" || verb == "exit") {
    if (auto bad = arity(w, 0, 0)) return *bad;
    if (verb == "pid") return Pid{};
    if (verb == "load-stats") return LoadStats{};
    return Quit{};
  }
  if (verb == "version") {
    if (auto bad = arity(w, 0, 1)) return *bad;
    if (w.size() == 1) return Version{};
    if (auto n = parse_number(w[1])) return Version{*n};
    return refused("version: '" + w[1] + "' is not a number");
  }
  if (verb == "status") {
    if (auto bad = arity(w, 0, 1)) return *bad;
    if (w.size() == 1) return ShowStatus{};
    const auto n = parse_number(w[1]);
    if (!n || *n < 1 || *n > 3) return refused("status: the format version is 1, 2 or 3");
    return ShowStatus{*n};
  }
  if (verb == "state") {
    if (auto bad = arity(w, 0, 2)) return *bad;
    return parse_state(w);
  }
  if (verb == "bytecount") {
    if (auto bad = arity(w, 1, 1)) return *bad;
    if (auto n = parse_number(w[1])) return ByteCount{*n};
    return refused("bytecount: '" + w[1] + "' is not a number of seconds");
  }
  if (verb == "kill") {
    if (auto bad = arity(w, 1, 1)) return *bad;
    if (auto address = parse_address(w[1])) return *address;
    return KillByName{w[1]};
  }
  if (verb == "client-kill") {
    if (auto bad = arity(w, 1, 2)) return *bad;
    const auto id = parse_number(w[1]);
    if (!id) return refused("client-kill: '" + w[1] + "' is not a client id");
    return ClientKill{*id, w.size() == 3 ? w[2] : std::string()};
  }
  if (verb == "signal") {
    if (auto bad = arity(w, 1, 1)) return *bad;
    return parse_signal(w[1]);
  }
  return refused("unknown command, enter 'help' for more options");
}

}  // namespace

Command parse_command(std::string_view line) {
  // One line only: what follows a line end is never part of this command (nor of its echo).
  line = line.substr(0, line.find('\n'));
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  auto words = config::tokenize_line(line);
  if (!words) return refused(words.error().message);
  if (words->empty()) return Blank{};
  return parse_words(*words);
}

}  // namespace ovpn::app::management
