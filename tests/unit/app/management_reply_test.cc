// The management interface's answers, against a fake daemon: OpenVPN's formats for version,
// status, state, bytecount, kill (by common name, address and client id), load-stats, pid,
// signal, and what each command changes in the connection's settings.

#include <signal.h>

#include <gtest/gtest.h>

#include "app/management_reply.h"
#include "app/management_server.h"

namespace ovpn::app::management {
namespace {

using Lines = std::vector<std::string>;

class FakeHandler : public Handler {
 public:
  std::vector<std::string> status_lines(uint32_t version) override {
    return {"status version " + std::to_string(version), "END"};
  }
  std::vector<ClientBytes> client_bytes() override { return clients; }
  size_t kill_by_common_name(std::string_view cn) override {
    killed.push_back("cn " + std::string(cn));
    return cn == "client1" ? 1 : cn == "twins" ? 2 : 0;
  }
  size_t kill_by_address(const Endpoint& remote, LinkProto proto) override {
    killed.push_back("address " + remote.to_string() + " " +
                     std::to_string(static_cast<int>(proto)));
    return remote == *Endpoint::parse("10.77.0.2:40000") ? 1 : 0;
  }
  size_t kill_by_client_id(uint32_t id, std::string_view notice) override {
    killed.push_back("cid " + std::to_string(id) + " " + std::string(notice));
    return id == 3 ? 1 : 0;
  }
  void raise_signal(int signo) override { signals.push_back(signo); }

  std::vector<ClientBytes> clients{{0, 100, 200}, {3, 5, 7}};
  std::vector<std::string> killed;
  std::vector<int> signals;
};

class ManagementReply : public ::testing::Test {
 protected:
  Lines ask(std::string_view line) {
    const Context context{4242, history};
    return answer(parse_command(line), handler, settings, context);
  }

  FakeHandler handler;
  Settings settings;
  std::vector<StateEntry> history;
};

TEST_F(ManagementReply, Version) {
  const Lines v = ask("version");
  ASSERT_EQ(v.size(), 3u);
  EXPECT_TRUE(v[0].starts_with("OpenVPN Version: ovpnd")) << v[0];
  EXPECT_EQ(v[1], "Management Version: 5");
  EXPECT_EQ(v[2], "END");
  // A client announcing its own version: answered from version 3 on.
  EXPECT_EQ(ask("version 2"), Lines{});
  EXPECT_EQ(settings.client_version, 2u);
  EXPECT_EQ(ask("version 3"), Lines{"SUCCESS: Management client version set to 3"});
  EXPECT_EQ(settings.client_version, 3u);
}

TEST_F(ManagementReply, HelpEndsWithEnd) {
  const Lines help = ask("help");
  ASSERT_GT(help.size(), 10u);
  EXPECT_EQ(help.back(), "END");
  for (const char* cmd : {"bytecount", "client-kill", "kill", "load-stats", "pid", "signal",
                          "state", "status", "version", "quit"}) {
    bool found = false;
    for (const auto& l : help) found |= l.find(cmd) != std::string::npos;
    EXPECT_TRUE(found) << cmd;
  }
}

TEST_F(ManagementReply, StatusAsksTheDaemonForTheVersion) {
  EXPECT_EQ(ask("status"), (Lines{"status version 1", "END"}));
  EXPECT_EQ(ask("status 2"), (Lines{"status version 2", "END"}));
  EXPECT_EQ(ask("status 3"), (Lines{"status version 3", "END"}));
}

TEST_F(ManagementReply, StateHistoryAndRealTime) {
  StateEntry connected;
  connected.time = 1700000000;
  connected.name = "CONNECTED";
  connected.description = "SUCCESS";
  connected.local_ip = "10.8.0.1";
  connected.local_address = "10.77.0.1";
  connected.local_port = "1194";
  connected.local_ipv6 = "fd88::1";
  EXPECT_EQ(format_state(connected),
            "1700000000,CONNECTED,SUCCESS,10.8.0.1,,,10.77.0.1,1194,fd88::1");

  EXPECT_EQ(ask("state"), Lines{"END"});  // nothing yet
  StateEntry first;
  first.time = 1;
  first.name = "CONNECTING";
  history = {first, connected};
  EXPECT_EQ(ask("state"), (Lines{format_state(connected), "END"}));
  EXPECT_EQ(ask("state all"), (Lines{format_state(first), format_state(connected), "END"}));
  EXPECT_EQ(ask("state 1"), (Lines{format_state(connected), "END"}));
  EXPECT_EQ(ask("state 9"), (Lines{format_state(first), format_state(connected), "END"}));
  EXPECT_EQ(ask("state on"), Lines{"SUCCESS: real-time state notification set to ON"});
  EXPECT_TRUE(settings.state_on);
  EXPECT_EQ(ask("state off"), Lines{"SUCCESS: real-time state notification set to OFF"});
  EXPECT_FALSE(settings.state_on);
  EXPECT_EQ(ask("state on all"), (Lines{format_state(first), format_state(connected), "END"}));
  EXPECT_TRUE(settings.state_on);
}

TEST_F(ManagementReply, ByteCount) {
  EXPECT_EQ(ask("bytecount 5"), Lines{"SUCCESS: bytecount interval changed"});
  EXPECT_EQ(settings.bytecount_s, 5u);
  EXPECT_EQ(bytecount_lines(handler.clients),
            (Lines{">BYTECOUNT_CLI:0,100,200", ">BYTECOUNT_CLI:3,5,7"}));
  EXPECT_EQ(ask("bytecount 0"), Lines{"SUCCESS: bytecount interval changed"});
  EXPECT_EQ(settings.bytecount_s, 0u);
}

TEST_F(ManagementReply, KillByCommonName) {
  EXPECT_EQ(ask("kill client1"), Lines{"SUCCESS: common name 'client1' found, 1 client(s) killed"});
  EXPECT_EQ(ask("kill twins"), Lines{"SUCCESS: common name 'twins' found, 2 client(s) killed"});
  EXPECT_EQ(ask("kill ghost"), Lines{"ERROR: common name 'ghost' not found"});
  EXPECT_EQ(handler.killed, (Lines{"cn client1", "cn twins", "cn ghost"}));
}

TEST_F(ManagementReply, KillByAddress) {
  EXPECT_EQ(ask("kill 10.77.0.2:40000"),
            Lines{"SUCCESS: 1 client(s) at address 10.77.0.2:40000 killed"});
  EXPECT_EQ(ask("kill tcp:10.77.0.2:40001"),
            Lines{"ERROR: client at address tcp:10.77.0.2:40001 not found"});
  EXPECT_EQ(handler.killed, (Lines{"address 10.77.0.2:40000 0", "address 10.77.0.2:40001 2"}));
}

TEST_F(ManagementReply, ClientKill) {
  EXPECT_EQ(ask("client-kill 3"), Lines{"SUCCESS: client-kill command succeeded"});
  EXPECT_EQ(ask("client-kill 3 RESTART"), Lines{"SUCCESS: client-kill command succeeded"});
  EXPECT_EQ(ask("client-kill 4"), Lines{"ERROR: client-kill command failed"});
  EXPECT_EQ(ask("client-kill 3 HALT"), Lines{"SUCCESS: client-kill command succeeded"});
  EXPECT_EQ(handler.killed,
            (Lines{"cid 3 RESTART", "cid 3 RESTART", "cid 4 RESTART", "cid 3 HALT"}));
}

TEST_F(ManagementReply, PidLoadStatsSignal) {
  EXPECT_EQ(ask("pid"), Lines{"SUCCESS: pid=4242"});
  EXPECT_EQ(ask("load-stats"), Lines{"SUCCESS: nclients=2,bytesin=105,bytesout=207"});
  handler.clients.clear();
  EXPECT_EQ(ask("load-stats"), Lines{"SUCCESS: nclients=0,bytesin=0,bytesout=0"});
  EXPECT_EQ(ask("signal SIGUSR1"), Lines{"SUCCESS: signal SIGUSR1 thrown"});
  EXPECT_EQ(handler.signals, std::vector<int>{SIGUSR1});
  EXPECT_EQ(ask("signal SIGSTOP"), Lines{"ERROR: signal 'SIGSTOP' is not a known signal type"});
  EXPECT_EQ(handler.signals.size(), 1u);
}

TEST_F(ManagementReply, QuitAndErrors) {
  EXPECT_EQ(ask(""), Lines{});
  EXPECT_FALSE(settings.quit);
  EXPECT_EQ(ask("nonsense"), Lines{"ERROR: unknown command, enter 'help' for more options"});
  EXPECT_EQ(ask("quit"), Lines{});
  EXPECT_TRUE(settings.quit);
}

TEST(ManagementPassword, SameInConstantTime) {
  EXPECT_TRUE(same_password("s3cret", "s3cret"));
  EXPECT_FALSE(same_password("s3cret", "s3cre"));
  EXPECT_FALSE(same_password("s3cret", "s3cret!"));
  EXPECT_FALSE(same_password("s3cret", "s3creT"));
  EXPECT_FALSE(same_password("s3cret", ""));
  EXPECT_FALSE(same_password("s3cret", "s3crets3cret"));  // the repetition does not match
  EXPECT_TRUE(same_password("", ""));
}

}  // namespace
}  // namespace ovpn::app::management
