// Fuzz target: one line of the server's management interface (app/management_command.h), parsed
// and answered (app/management_reply.h) against a fake daemon, as a management connection
// would have it answered.
//
// Invariants:
//   * parse_command never fails to give a command; a refusal is one "ERROR: " line;
//   * no answer line holds a line end ('\n'): a client's text cannot forge a line of its own
//     (a real-time ">..." line, say);
//   * an address kill carries an endpoint that prints to text that parses to the same endpoint,
//     and the address as written;
//   * multi-line answers (version, state, status) end with "END", and the settings change only
//     for the command that changes them.

#include <string>
#include <string_view>

#include "app/management_reply.h"
#include "fuzz_target.h"

namespace {

using namespace ovpn::app::management;

class FuzzHandler : public Handler {
 public:
  std::vector<std::string> status_lines(uint32_t version) override {
    FUZZ_CHECK(version >= 1 && version <= 3);
    return {"status", "END"};
  }
  std::vector<ClientBytes> client_bytes() override { return {{1, 2, 3}}; }
  size_t kill_by_common_name(std::string_view cn) override { return cn.size() % 2; }
  size_t kill_by_address(const ovpn::Endpoint&, LinkProto) override { return 1; }
  size_t kill_by_client_id(uint32_t id, std::string_view) override { return id % 2; }
  void raise_signal(int) override {}
};

bool multi_line(const Command& c) {
  if (const auto* v = std::get_if<Version>(&c)) return !v->client_version;
  if (const auto* s = std::get_if<State>(&c)) {
    return s->mode != State::Mode::kOn && s->mode != State::Mode::kOff;
  }
  return std::holds_alternative<ShowStatus>(c) || std::holds_alternative<Help>(c);
}

}  // namespace

OVPN_FUZZ_TARGET(management_command) {
  if (size > 8192) return 0;
  const std::string_view line(reinterpret_cast<const char*>(data), size);
  const Command command = parse_command(line);

  if (const auto* r = std::get_if<Refused>(&command)) {
    FUZZ_CHECK(r->error.starts_with("ERROR: "));
    FUZZ_REACHED("management_command/refused");
  } else {
    FUZZ_REACHED("management_command/command");
  }
  if (const auto* k = std::get_if<KillByAddress>(&command)) {
    FUZZ_CHECK(ovpn::Endpoint::parse(k->remote.to_string()) == k->remote);
    FUZZ_CHECK(line.find(k->text) != std::string_view::npos);
  }

  FuzzHandler handler;
  Settings settings;
  StateEntry entry;
  entry.name = "CONNECTED";
  const StateEntry history[] = {entry};
  const auto lines = answer(command, handler, settings, Context{1, history});
  for (const auto& l : lines) FUZZ_CHECK(l.find('\n') == std::string::npos);
  if (std::holds_alternative<Refused>(command)) FUZZ_CHECK(lines.size() == 1);
  if (multi_line(command)) FUZZ_CHECK(!lines.empty() && lines.back() == "END");
  if (!std::holds_alternative<Quit>(command)) FUZZ_CHECK(!settings.quit);
  if (!std::holds_alternative<ByteCount>(command)) FUZZ_CHECK(settings.bytecount_s == 0);
  if (!std::holds_alternative<State>(command)) FUZZ_CHECK(!settings.state_on);
  return 0;
}
