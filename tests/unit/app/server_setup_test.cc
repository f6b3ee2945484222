// Server setup from the real parser's ServerOptions: the OCC options string compared with what
// stock 2.6.14 servers sent in the captured sessions, the TLS context and tls-wrap of each
// wrapping, each client's grant (pool lease or ifconfig-push, per topology, IPv6, ccd push edits
// and iroutes), and the server's own tun plan.

#include "app/server_setup.h"

#include <gtest/gtest.h>

#include <string>

#include "config/config_reader.h"
#include "config/file_system.h"
#include "support/vectors.h"

namespace ovpn::app {
namespace {

std::string pki_file(const char* name) {
  return test::read_file(test::vector_path(std::string("pki/") + name));
}

class ServerSetupTest : public ::testing::Test {
 protected:
  ServerSetupTest() {
    for (const char* name : {"ca.crt", "server.crt", "server.key", "ta.key", "tc.key", "v2s.key"}) {
      fs_.add(name, pki_file(name));
    }
  }

  config::ServerOptions build(const std::string& text) {
    auto list = config::read_config_text(text, "server.conf", fs_);
    EXPECT_TRUE(list) << list.error().message;
    if (!list) return {};
    auto built = config::build_server_options(*list, fs_);
    EXPECT_TRUE(built) << built.error().message;
    return built ? built->options : config::ServerOptions{};
  }

  config::MemoryFileSystem fs_;
};

constexpr const char* kBase =
    "dev tun\nproto udp\nport 1194\ntopology subnet\nserver 10.8.0.0 255.255.255.0\n"
    "ca ca.crt\ncert server.crt\nkey server.key\ndh none\nkeepalive 2 20\n";

std::string session_lines(const std::string& session) {
  if (session == "plain") return "";
  if (session == "tlscrypt-aes256gcm") return "tls-crypt tc.key\n";
  if (session == "tlsauth-sha256-aes128gcm") return "tls-auth ta.key 0\nauth SHA256\n";
  if (session == "tlsauth-sha1-chacha20") return "tls-auth ta.key 0\n";
  if (session == "tlsauth-sha1-nodir") return "tls-auth ta.key\n";
  return "?";
}

TEST_F(ServerSetupTest, OptionsStringIsWhatStockServersSent) {
  const auto doc = test::load_vectors("push-and-km2.json");
  int compared = 0;
  for (const auto& s : doc["sessions"]) {
    const std::string lines = session_lines(s["session"].get<std::string>());
    if (lines == "?") continue;
    std::string expected;
    for (const auto& m : s["messages"]) {
      if (!m.contains("fields") || !m["fields"].contains("options")) continue;
      const std::string options = m["fields"]["options"].get<std::string>();
      if (options.ends_with(",tls-server")) expected = options;
    }
    if (expected.empty()) continue;
    EXPECT_EQ(server_options_string(build(std::string(kBase) + lines), false), expected)
        << s["session"];
    ++compared;
  }
  EXPECT_GE(compared, 3);
}

TEST_F(ServerSetupTest, TlsAndWrapForEveryWrapping) {
  for (const char* lines : {"", "tls-auth ta.key 0\n", "tls-auth ta.key\n", "tls-crypt tc.key\n",
                            "tls-crypt-v2 v2s.key\n"}) {
    const auto o = build(std::string(kBase) + lines);
    auto tls = make_server_tls(o);
    EXPECT_TRUE(tls) << lines << (tls ? "" : tls.error().message);
    auto wrap = make_server_wrap(o);
    EXPECT_TRUE(wrap) << lines << (wrap ? "" : wrap.error().message);
  }
  const auto c =
      make_server_session_config(build(std::string(kBase) + "tls-crypt tc.key\n"), false, false);
  EXPECT_TRUE(c.wrap_key);
  EXPECT_EQ(c.keepalive.interval_s, 2u);
  EXPECT_EQ(c.keepalive.timeout_s, 40u);  // the server runs 2 x keepalive's M
  EXPECT_TRUE(c.options.ends_with(",tls-server"));
}

TEST_F(ServerSetupTest, SubnetGrantAndTunPlan) {
  auto o =
      build(std::string(kBase) + "server-ipv6 fd88::/64\npush \"route 10.99.0.0 255.255.255.0\"\n");
  auto pool = AddressPool::create(o.network);
  ASSERT_TRUE(pool);
  const auto lease = pool->acquire("client1");
  auto g = make_client_grant(o, lease, nullptr);
  ASSERT_TRUE(g) << g.error().message;
  EXPECT_EQ(g->vpn_ipv4, IpAddress::parse("10.8.0.2"));
  EXPECT_EQ(g->vpn_ipv6, IpAddress::parse("fd88::1000"));
  const auto has = [&](const std::string& line) {
    return std::find(g->push.begin(), g->push.end(), line) != g->push.end();
  };
  EXPECT_TRUE(has("ifconfig 10.8.0.2 255.255.255.0"));
  EXPECT_TRUE(has("ifconfig-ipv6 fd88::1000/64 fd88::1"));
  EXPECT_TRUE(has("route 10.99.0.0 255.255.255.0"));
  EXPECT_TRUE(has("topology subnet"));

  auto plan = make_server_net_plan(o, 7);
  ASSERT_TRUE(plan) << plan.error().message;
  ASSERT_EQ(plan->addresses.size(), 2u);
  EXPECT_EQ(plan->addresses[0].address, IpAddress::parse("10.8.0.1"));
  EXPECT_EQ(plan->addresses[0].prefix_len, 24);
  EXPECT_EQ(plan->addresses[1].address, IpAddress::parse("fd88::1"));
  EXPECT_EQ(plan->mtu, 1500u);
}

TEST_F(ServerSetupTest, Net30GrantAndTunPlan) {
  auto o = build(
      "dev tun\nproto udp\nserver 10.8.0.0 255.255.255.0\nca ca.crt\ncert server.crt\n"
      "key server.key\ndh none\ntopology net30\n");
  auto pool = AddressPool::create(o.network);
  ASSERT_TRUE(pool);
  auto g = make_client_grant(o, pool->acquire("a"), nullptr);
  ASSERT_TRUE(g);
  EXPECT_NE(std::find(g->push.begin(), g->push.end(), "ifconfig 10.8.0.6 10.8.0.5"), g->push.end());
  auto plan = make_server_net_plan(o, 3);
  ASSERT_TRUE(plan) << plan.error().message;
  ASSERT_EQ(plan->addresses.size(), 1u);
  EXPECT_EQ(plan->addresses[0].address, IpAddress::parse("10.8.0.1"));
  EXPECT_EQ(plan->addresses[0].peer, IpAddress::parse("10.8.0.2"));
  ASSERT_FALSE(plan->routes.empty());
  EXPECT_EQ(plan->routes[0].destination.to_string(), "10.8.0.0/24");
  EXPECT_EQ(plan->routes[0].gateway, IpAddress::parse("10.8.0.2"));
}

TEST_F(ServerSetupTest, CcdIfconfigPushIroutesAndPushEdits) {
  auto o = build(std::string(kBase) + "push \"route 10.99.0.0 255.255.255.0\"\n");
  fs_.add("ccd", "");
  auto ccd = config::read_client_config(
      "ifconfig-push 10.8.0.50 255.255.255.0\niroute 192.168.50.0 255.255.255.0\n"
      "push-remove route\npush \"route 172.16.0.0 255.255.0.0\"\n",
      "ccd/client1", fs_);
  ASSERT_TRUE(ccd) << ccd.error().message;
  auto g = make_client_grant(o, std::nullopt, &*ccd);
  ASSERT_TRUE(g) << g.error().message;
  EXPECT_EQ(g->vpn_ipv4, IpAddress::parse("10.8.0.50"));
  ASSERT_EQ(g->iroutes.size(), 1u);
  EXPECT_EQ(g->iroutes[0].to_string(), "192.168.50.0/24");
  const auto has = [&](const std::string& line) {
    return std::find(g->push.begin(), g->push.end(), line) != g->push.end();
  };
  EXPECT_TRUE(has("ifconfig 10.8.0.50 255.255.255.0"));
  EXPECT_TRUE(has("route 172.16.0.0 255.255.0.0"));
  EXPECT_FALSE(has("route 10.99.0.0 255.255.255.0"));
  // Without a lease or an ifconfig-push there is nothing to route to the client.
  EXPECT_FALSE(make_client_grant(o, std::nullopt, nullptr));
}

}  // namespace
}  // namespace ovpn::app
