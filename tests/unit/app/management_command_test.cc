// The management interface's command parser: every command and its arguments, the address and
// common-name forms of kill, quoting, and the ERROR: answers of lines that are not commands.

#include <signal.h>

#include <gtest/gtest.h>

#include "app/management_command.h"

namespace ovpn::app::management {
namespace {

template <class T>
T parsed_as(std::string_view line) {
  const Command c = parse_command(line);
  EXPECT_TRUE(std::holds_alternative<T>(c)) << "line: " << line << " (index " << c.index() << ")";
  return std::holds_alternative<T>(c) ? std::get<T>(c) : T{};
}

std::string error_of(std::string_view line) { return parsed_as<Refused>(line).error; }

TEST(ManagementCommand, SimpleCommands) {
  parsed_as<Blank>("");
  parsed_as<Blank>("   \r");
  parsed_as<Blank>("# a comment");
  parsed_as<Help>("help");
  parsed_as<Pid>("pid");
  parsed_as<LoadStats>("load-stats");
  parsed_as<Quit>("quit");
  parsed_as<Quit>("exit\r");
  EXPECT_FALSE(parsed_as<Version>("version").client_version);
  EXPECT_EQ(parsed_as<Version>("version 3").client_version, 3u);
}

TEST(ManagementCommand, Status) {
  EXPECT_EQ(parsed_as<ShowStatus>("status").version, 1u);
  EXPECT_EQ(parsed_as<ShowStatus>("status 2").version, 2u);
  EXPECT_EQ(parsed_as<ShowStatus>("status 3\r").version, 3u);
  EXPECT_EQ(error_of("status 4"), "ERROR: status: the format version is 1, 2 or 3");
  EXPECT_EQ(error_of("status x"), "ERROR: status: the format version is 1, 2 or 3");
  EXPECT_EQ(error_of("status 2 3"), "ERROR: too many arguments for the 'status' command");
}

TEST(ManagementCommand, State) {
  EXPECT_EQ(parsed_as<State>("state").mode, State::Mode::kCurrent);
  EXPECT_EQ(parsed_as<State>("state on").mode, State::Mode::kOn);
  EXPECT_EQ(parsed_as<State>("state off").mode, State::Mode::kOff);
  EXPECT_EQ(parsed_as<State>("state all").mode, State::Mode::kAll);
  EXPECT_EQ(parsed_as<State>("state on all").mode, State::Mode::kOnAll);
  const State recent = parsed_as<State>("state 3");
  EXPECT_EQ(recent.mode, State::Mode::kRecent);
  EXPECT_EQ(recent.count, 3u);
  EXPECT_EQ(error_of("state sideways"),
            "ERROR: state: expected on, off, all or a number, not 'sideways'");
  EXPECT_EQ(error_of("state off all"),
            "ERROR: state: the second argument may only be 'all' after 'on'");
}

TEST(ManagementCommand, ByteCount) {
  EXPECT_EQ(parsed_as<ByteCount>("bytecount 5").interval_s, 5u);
  EXPECT_EQ(parsed_as<ByteCount>("bytecount 0").interval_s, 0u);
  EXPECT_EQ(error_of("bytecount"), "ERROR: the 'bytecount' command needs 1 argument");
  EXPECT_EQ(error_of("bytecount -1"), "ERROR: bytecount: '-1' is not a number of seconds");
  EXPECT_EQ(error_of("bytecount 99999999999"),
            "ERROR: bytecount: '99999999999' is not a number of seconds");
}

TEST(ManagementCommand, KillByCommonNameOrAddress) {
  EXPECT_EQ(parsed_as<KillByName>("kill client1").common_name, "client1");
  EXPECT_EQ(parsed_as<KillByName>("kill \"Test Client\"").common_name, "Test Client");
  EXPECT_EQ(parsed_as<KillByName>("kill Test\\ Client").common_name, "Test Client");
  // Not an address (no port): a common name.
  EXPECT_EQ(parsed_as<KillByName>("kill 10.0.0.1").common_name, "10.0.0.1");

  const KillByAddress v4 = parsed_as<KillByAddress>("kill 10.77.0.2:40000");
  EXPECT_EQ(v4.remote, *Endpoint::parse("10.77.0.2:40000"));
  EXPECT_EQ(v4.proto, LinkProto::kAny);
  EXPECT_EQ(v4.text, "10.77.0.2:40000");
  const KillByAddress tcp = parsed_as<KillByAddress>("kill tcp:[fd77::2]:1194");
  EXPECT_EQ(tcp.remote, *Endpoint::parse("[fd77::2]:1194"));
  EXPECT_EQ(tcp.proto, LinkProto::kTcp);
  EXPECT_EQ(parsed_as<KillByAddress>("kill udp:1.2.3.4:4000").proto, LinkProto::kUdp);

  EXPECT_EQ(error_of("kill"), "ERROR: the 'kill' command needs 1 argument");
  EXPECT_EQ(error_of("kill a b"), "ERROR: too many arguments for the 'kill' command");
}

TEST(ManagementCommand, ClientKill) {
  const ClientKill plain = parsed_as<ClientKill>("client-kill 7");
  EXPECT_EQ(plain.client_id, 7u);
  EXPECT_EQ(plain.message, "");
  EXPECT_EQ(parsed_as<ClientKill>("client-kill 7 HALT").message, "HALT");
  EXPECT_EQ(error_of("client-kill x"), "ERROR: client-kill: 'x' is not a client id");
  EXPECT_EQ(error_of("client-kill"), "ERROR: the 'client-kill' command needs 1 argument");
}

TEST(ManagementCommand, Signal) {
  EXPECT_EQ(parsed_as<Signal>("signal SIGHUP").signo, SIGHUP);
  EXPECT_EQ(parsed_as<Signal>("signal SIGTERM").signo, SIGTERM);
  EXPECT_EQ(parsed_as<Signal>("signal SIGUSR1").signo, SIGUSR1);
  const Signal usr2 = parsed_as<Signal>("signal SIGUSR2");
  EXPECT_EQ(usr2.signo, SIGUSR2);
  EXPECT_EQ(usr2.name, "SIGUSR2");
  EXPECT_EQ(error_of("signal SIGKILL"), "ERROR: signal 'SIGKILL' is not a known signal type");
  EXPECT_EQ(error_of("signal sigterm"), "ERROR: signal 'sigterm' is not a known signal type");
}

TEST(ManagementCommand, NotCommands) {
  EXPECT_EQ(error_of("frobnicate"), "ERROR: unknown command, enter 'help' for more options");
  EXPECT_EQ(error_of("STATUS"), "ERROR: unknown command, enter 'help' for more options");
  EXPECT_EQ(error_of("pid 1"), "ERROR: too many arguments for the 'pid' command");
  // One line only: a line end inside quotes ends the command there.
  EXPECT_TRUE(error_of("kill \"a\nb\"").starts_with("ERROR: "));
  EXPECT_EQ(parsed_as<KillByName>("kill a\nkill b").common_name, "a");
  // The tokenizer's errors, as answers.
  EXPECT_TRUE(error_of("kill \"unterminated").starts_with("ERROR: "));
  EXPECT_TRUE(error_of("kill a\\b").starts_with("ERROR: "));
}

}  // namespace
}  // namespace ovpn::app::management
