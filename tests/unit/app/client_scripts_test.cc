// The server's per-client hooks with real scripts in a temporary directory: auth-user-pass-verify
// via-file and via-env, client-connect's
// file read back as client-config-dir options, its exit status refusing the client, a file
// that does not parse, client-disconnect's counters, and tls-crypt-v2-verify's metadata file
// (the metadata without its type byte) and verdict. Temporary files are gone afterwards.

#include "app/client_scripts.h"

#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include <gtest/gtest.h>

namespace ovpn::app {
namespace {

namespace fs = std::filesystem;

class ClientScriptsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/ovpn_client_scripts.XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    fs::create_directory(dir_ / "tmp");
    settings_ = {.script_security = 2, .tmp_dir = (dir_ / "tmp").string(), .working_dir = dir_};
    options_.network.topology = config::Topology::kSubnet;
    facts_.options = &options_;
    facts_.common_name = "alice";
    facts_.remote = *Endpoint::parse("10.77.0.2:40000");
    facts_.vpn_ipv4 = IpAddress::parse("10.8.0.2");
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::string script(const std::string& name, const std::string& body) {
    const fs::path path = dir_ / name;
    std::ofstream(path) << "#!/bin/sh\n" << body;
    chmod(path.c_str(), 0755);
    return path.string();
  }
  std::string read(const std::string& name) {
    std::ifstream in(dir_ / name);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
  }
  bool tmp_is_empty() { return fs::is_empty(dir_ / "tmp"); }

  fs::path dir_;
  ClientScriptSettings settings_;
  config::ServerOptions options_;
  ClientScriptFacts facts_;
};

TEST_F(ClientScriptsTest, UserPassVerifyViaFile) {
  facts_.username = "alice";
  const auto cmd = script("check.sh",
                          "{ read -r u; read -r p; } <\"$1\"\n"
                          "echo \"$script_type $untrusted_ip ${trusted_ip:-none}\" > env.out\n"
                          "[ \"$u\" = alice ] && [ \"$p\" = secret ]\n");
  using config::AuthVerifyMethod;
  EXPECT_TRUE(run_user_pass_verify(cmd, AuthVerifyMethod::kViaFile, facts_, "secret", settings_));
  EXPECT_EQ(read("env.out"), "user-pass-verify 10.77.0.2 none\n");
  auto bad = run_user_pass_verify(cmd, AuthVerifyMethod::kViaFile, facts_, "wrong", settings_);
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().message, "Auth Username/Password verification failed");
  EXPECT_TRUE(tmp_is_empty());
}

TEST_F(ClientScriptsTest, UserPassVerifyViaEnvNeedsScriptSecurityThree) {
  facts_.username = "alice";
  const auto cmd = script("check.sh", "[ \"$username\" = alice ] && [ \"$password\" = secret ]\n");
  using config::AuthVerifyMethod;
  EXPECT_FALSE(run_user_pass_verify(cmd, AuthVerifyMethod::kViaEnv, facts_, "secret", settings_));
  settings_.script_security = 3;
  EXPECT_TRUE(run_user_pass_verify(cmd, AuthVerifyMethod::kViaEnv, facts_, "secret", settings_));
}

TEST_F(ClientScriptsTest, ClientConnectWritesOptions) {
  const auto cmd = script("connect.sh",
                          "echo \"$common_name $ifconfig_pool_remote_ip $1\" > env.out\n"
                          "[ \"$1\" = \"$client_connect_config_file\" ] || exit 3\n"
                          "printf 'ifconfig-push 10.8.0.50 255.255.255.0\\n"
                          "push \"route 10.9.0.0 255.255.0.0\"\\n' > \"$1\"\n");
  auto written = run_client_connect(cmd, facts_, settings_);
  ASSERT_TRUE(written) << written.error().message;
  ASSERT_TRUE(*written);
  ASSERT_TRUE((*written)->ifconfig_push);
  EXPECT_EQ((*written)->ifconfig_push->local, *IpAddress::parse("10.8.0.50"));
  ASSERT_EQ((*written)->push_edits.size(), 1u);
  EXPECT_EQ((*written)->push_edits[0].text, "route 10.9.0.0 255.255.0.0");
  EXPECT_EQ(read("env.out").substr(0, 15), "alice 10.8.0.2 ");
  EXPECT_TRUE(tmp_is_empty());
}

TEST_F(ClientScriptsTest, ClientConnectWritingNothingIsFine) {
  auto written = run_client_connect(script("connect.sh", "exit 0\n"), facts_, settings_);
  ASSERT_TRUE(written) << written.error().message;
  EXPECT_FALSE(*written);
}

TEST_F(ClientScriptsTest, ClientConnectFailureRefuses) {
  auto written = run_client_connect(script("connect.sh", "exit 1\n"), facts_, settings_);
  ASSERT_FALSE(written);
  EXPECT_EQ(written.error().message, "client-connect command exited with status 1");
  EXPECT_TRUE(tmp_is_empty());
}

TEST_F(ClientScriptsTest, ClientConnectFileThatDoesNotParse) {
  auto written = run_client_connect(script("connect.sh", "echo 'remote 1.2.3.4' > \"$1\"\n"),
                                    facts_, settings_);
  ASSERT_FALSE(written);
  EXPECT_NE(written.error().message.find("client-connect file:1: remote"), std::string::npos)
      << written.error().message;
}

TEST_F(ClientScriptsTest, ScriptSecurityOneRunsNothing) {
  settings_.script_security = 1;
  auto written = run_client_connect(script("connect.sh", "exit 0\n"), facts_, settings_);
  ASSERT_FALSE(written);
  EXPECT_NE(written.error().message.find("script-security 2"), std::string::npos);
}

TEST_F(ClientScriptsTest, ClientDisconnectGetsTheCounters) {
  facts_.bytes_received = 11;
  facts_.bytes_sent = 22;
  facts_.time_duration = 33;
  const auto cmd = script("disconnect.sh",
                          "echo \"$script_type $bytes_received $bytes_sent $time_duration\" "
                          "> env.out\n");
  ASSERT_TRUE(run_client_disconnect(cmd, facts_, settings_));
  EXPECT_EQ(read("env.out"), "client-disconnect 11 22 33\n");
  EXPECT_FALSE(run_client_disconnect(script("bad.sh", "exit 2\n"), facts_, settings_));
}

TEST_F(ClientScriptsTest, TlsCryptV2VerifySeesTheMetadata) {
  const auto cmd = script("verify.sh",
                          "cp \"$metadata_file\" md.out\n"
                          "echo \"$script_type $metadata_type\" > env.out\n"
                          "grep -q allowed \"$metadata_file\"\n");
  const std::string good = std::string(1, '\0') + "allowed-user";
  EXPECT_TRUE(run_tls_crypt_v2_verify(
      cmd, std::span(reinterpret_cast<const uint8_t*>(good.data()), good.size()), settings_));
  EXPECT_EQ(read("md.out"), "allowed-user");
  EXPECT_EQ(read("env.out"), "tls-crypt-v2-verify 0\n");
  const std::string bad = std::string(1, '\0') + "someone";
  EXPECT_FALSE(run_tls_crypt_v2_verify(
      cmd, std::span(reinterpret_cast<const uint8_t*>(bad.data()), bad.size()), settings_));
  EXPECT_FALSE(run_tls_crypt_v2_verify(cmd, {}, settings_));
  EXPECT_TRUE(tmp_is_empty());
}

}  // namespace
}  // namespace ovpn::app
