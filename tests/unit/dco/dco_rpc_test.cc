// The JSON control protocol over a DCO (here the fake): requests map one for one onto the API,
// replies carry what the API returns, and bad requests get clear errors, never an exception.

#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include "dco/dco_rpc.h"
#include "fakes/fake_dco.h"

namespace ovpn::dco {
namespace {

class DcoRpc : public ::testing::Test {
 protected:
  void SetUp() override {
    auto fake = FakeDco::create(Mode::kMultiPeer);
    ASSERT_TRUE(fake);
    dco_ = std::move(*fake);
  }
  Json call(const char* text) { return handle_request(*dco_, Json::parse(text)); }
  std::unique_ptr<FakeDco> dco_;
};

constexpr const char* kKey =
    R"({"cmd":"key_new","key":{"peer":1,"slot":"primary","key_id":2,"cipher":"CHACHA20-POLY1305",
        "encrypt":{"key":"0101010101010101010101010101010101010101010101010101010101010101",
                   "nonce_tail":"0202020202020202"},
        "decrypt":{"key":"0303030303030303030303030303030303030303030303030303030303030303",
                   "nonce_tail":"0404040404040404"}}})";

TEST_F(DcoRpc, PeerAndKeyLifecycle) {
  EXPECT_EQ(call(R"({"cmd":"peer_new","tag":7,"peer":{"id":1,"remote":"192.0.2.1:1194",
                     "vpn_ipv4":"10.8.0.2","routes":["192.168.1.0/24"],
                     "keepalive":{"interval":10,"timeout":60}}})"),
            (Json{{"ok", true}, {"tag", 7}}));
  EXPECT_EQ(call(kKey)["ok"], true);
  EXPECT_EQ(*dco_->key_bytes_for_test(*PeerId::make(1), KeySlot::kPrimary, true),
            std::vector<uint8_t>(32, 1));

  const Json info = call(R"({"cmd":"peer_get","id":1})");
  ASSERT_EQ(info["ok"], true) << info.dump();
  EXPECT_EQ(info["peer"]["remote"], "192.0.2.1:1194");
  EXPECT_EQ(info["peer"]["routes"], Json::array({"192.168.1.0/24"}));
  EXPECT_EQ(info["peer"]["keepalive"]["timeout"], 60);
  EXPECT_EQ(info["peer"]["keys"][0]["cipher"], "CHACHA20-POLY1305");
  EXPECT_EQ(info["peer"]["stats"]["drops"]["bad_tag"], 0);
  EXPECT_EQ(info.dump().find("0101"), std::string::npos) << "key material is never returned";

  EXPECT_EQ(call(R"({"cmd":"key_get","peer":1})")["key"]["key_id"], 2);
  EXPECT_EQ(call(R"({"cmd":"key_swap","peer":1})")["ok"], true);
  EXPECT_EQ(call(R"({"cmd":"key_get","peer":1,"slot":"secondary"})")["key"]["key_id"], 2);
  EXPECT_EQ(call(R"({"cmd":"key_del","peer":1,"slot":"secondary"})")["ok"], true);
  EXPECT_EQ(call(R"({"cmd":"peer_set","peer":{"id":1,"remote":"[fd00::1]:5000"}})")["ok"], true);
  EXPECT_EQ(call(R"({"cmd":"peer_get"})")["peers"][0]["remote"], "[fd00::1]:5000");
  EXPECT_EQ(call(R"({"cmd":"send_control","peer":1,"bytes":"38aa"})")["ok"], true);
  EXPECT_EQ(call(R"({"cmd":"send_control","remote":"10.0.0.1:1","bytes":"38"})")["ok"], true);
  EXPECT_EQ(dco_->take_sent().size(), 2u);
  EXPECT_EQ(call(R"({"cmd":"peer_del","id":1})")["ok"], true);
  EXPECT_TRUE(call(R"({"cmd":"peer_get"})")["peers"].empty());
}

TEST_F(DcoRpc, ErrorsNameTheField) {
  auto error = [&](const char* text) {
    const Json reply = call(text);
    EXPECT_EQ(reply["ok"], false) << text;
    return reply.value("error", std::string());
  };
  EXPECT_EQ(error(R"({"nocmd":1})"), "cmd: missing");
  EXPECT_NE(error(R"({"cmd":"fly"})").find("unknown command fly"), std::string::npos);
  EXPECT_NE(error(R"({"cmd":"peer_new","peer":{"remote":"1.2.3.4:5"}})").find("id: missing"),
            std::string::npos);
  EXPECT_NE(error(R"({"cmd":"peer_new","peer":{"id":16777215,"remote":"1.2.3.4:5"}})")
                .find("id: peer ids"),
            std::string::npos);
  EXPECT_NE(error(R"({"cmd":"peer_new","peer":{"id":1,"remote":"1.2.3.4"}})").find("remote:"),
            std::string::npos);
  EXPECT_NE(
      error(R"({"cmd":"peer_new","peer":{"id":1,"remote":"1.2.3.4:5"}})").find("VPN IPv4 or IPv6"),
      std::string::npos);
  EXPECT_NE(error(R"({"cmd":"peer_new","peer":{"id":"one"}})").find("id: not an integer"),
            std::string::npos);
  EXPECT_NE(error(R"({"cmd":"peer_get","id":3})").find("no peer 3"), std::string::npos);
  EXPECT_NE(error(R"({"cmd":"key_new","key":{"peer":1,"encrypt":{"key":"zz"}}})").find("encrypt"),
            std::string::npos);
  EXPECT_NE(error(R"({"cmd":"send_control","peer":1,"bytes":"xyz"})").find("bytes: not hex"),
            std::string::npos);
}

// A tcp peer_new takes the descriptor passed with it; without one it fails, saying why, and a
// request that fails leaves the descriptor with the caller.
TEST_F(DcoRpc, TcpPeerNewTakesThePassedSocket) {
  int sv[2];
  ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
  Json tcp = Json::parse(R"({"cmd":"peer_new",
                             "peer":{"id":1,"transport":"tcp","vpn_ipv4":"10.8.0.2"}})");
  const Json no_fd = handle_request(*dco_, tcp);
  EXPECT_EQ(no_fd["ok"], false);
  EXPECT_NE(no_fd.value("error", "").find("SCM_RIGHTS"), std::string::npos) << no_fd.dump();
  int none = -1;
  EXPECT_EQ(handle_request(*dco_, tcp, &none)["ok"], false);

  int fd = sv[0];
  Json with_remote = tcp;
  with_remote["peer"]["remote"] = "192.0.2.1:1194";  // a TCP peer's remote is its socket's
  EXPECT_EQ(handle_request(*dco_, with_remote, &fd)["ok"], false);
  EXPECT_EQ(fd, sv[0]);
  const Json udp = Json::parse(
      R"({"cmd":"peer_new","peer":{"id":2,"remote":"192.0.2.1:1194","vpn_ipv4":"10.8.0.3"}})");
  EXPECT_EQ(handle_request(*dco_, udp, &fd)["ok"], true);
  EXPECT_EQ(fd, sv[0]) << "a UDP peer takes no socket";

  EXPECT_EQ(handle_request(*dco_, tcp, &fd)["ok"], true);
  EXPECT_EQ(fd, -1);
  EXPECT_EQ(call(R"({"cmd":"peer_get","id":1})")["peer"]["transport"], "tcp");
  EXPECT_EQ(call(R"({"cmd":"peer_del","id":1})")["ok"], true);
  EXPECT_EQ(::fcntl(sv[0], F_GETFD), -1) << "the DCO closed the socket with its peer";
  ::close(sv[1]);
}

// Any JSON shape is answered with a reply, never an exception.
TEST_F(DcoRpc, OddShapesNeverThrow) {
  for (const char* text :
       {"[]", "1", "null", R"({"cmd":5})", R"({"cmd":"peer_new","peer":[]})",
        R"({"cmd":"peer_new","peer":{"id":-1}})", R"({"cmd":"peer_new","peer":{"id":1.5}})",
        R"({"cmd":"peer_new","peer":{"id":1,"routes":"x"}})",
        R"({"cmd":"peer_new","peer":{"id":1,"routes":[1]}})",
        R"({"cmd":"peer_new","peer":{"id":1,"keepalive":[]}})",
        R"({"cmd":"key_new","key":{"peer":1,"encrypt":[],"decrypt":5}})",
        R"({"cmd":"key_get","peer":"x"})", R"({"cmd":"send_control","bytes":7})"}) {
    Json reply;
    EXPECT_NO_THROW(reply = call(text)) << text;
    EXPECT_EQ(reply["ok"], false) << text;
  }
}

}  // namespace
}  // namespace ovpn::dco
