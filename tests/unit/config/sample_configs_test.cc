// The client configurations stock OpenVPN 2.6.14 used for the golden vectors (copied to
// tests/unit/config/data/) build without errors; the server one is refused for its server
// options.

#include <gtest/gtest.h>

#include <string>

#include "config_test_util.h"

namespace ovpn::config {
namespace {

std::string sample(const std::string& name) {
  return ovpn::test::read_file(std::string(OVPN_TEST_DATA_DIR) + "/../unit/config/data/" + name);
}

class SampleClientConfig : public ::testing::TestWithParam<const char*> {};

TEST_P(SampleClientConfig, Builds) {
  const std::string name = GetParam();
  MemoryFileSystem fs = test::pki_files();
  auto built = test::build_text(sample(name), fs, name);
  ASSERT_TRUE(built) << built.error().message;
  const ClientOptions& o = built->options;
  EXPECT_TRUE(o.pull && o.tls_client);
  ASSERT_EQ(o.connection.entries.size(), 1u);
  EXPECT_EQ(o.connection.entries[0].remote_host, "10.210.0.1");
  EXPECT_EQ(o.connection.entries[0].explicit_exit_notify, 1u);
  EXPECT_FALSE(o.connection.entries[0].bind_local);
  EXPECT_EQ(o.tls.remote_cert_tls, RemoteCertTls::kServer);
  EXPECT_EQ(o.logging.verb, 7u);
  ASSERT_EQ(built->warnings.size(), 1u);  // disable-dco
  EXPECT_EQ(built->warnings[0].rfind(name + ":", 0), 0u);
}

INSTANTIATE_TEST_SUITE_P(Vectors, SampleClientConfig,
                         ::testing::Values("plain-client.conf", "prf-pyserver-client.conf",
                                           "reneg-client.conf", "tlsauth-sha1-chacha20-client.conf",
                                           "tlsauth-sha1-nodir-client.conf",
                                           "tlsauth-sha256-aes128gcm-client.conf",
                                           "tlscrypt-aes256gcm-client.conf",
                                           "tlscryptv2-client.conf"));

TEST(SampleConfigs, WrappingOfEachSample) {
  MemoryFileSystem fs = test::pki_files();
  auto nodir = test::build_text(sample("tlsauth-sha1-nodir-client.conf"), fs);
  ASSERT_TRUE(nodir);
  EXPECT_EQ(nodir->options.tls.wrap, TlsWrapMode::kTlsAuth);
  EXPECT_FALSE(nodir->options.tls.key_direction.has_value());
  auto sha256 = test::build_text(sample("tlsauth-sha256-aes128gcm-client.conf"), fs);
  ASSERT_TRUE(sha256);
  EXPECT_EQ(sha256->options.tls.key_direction, 1);
  EXPECT_EQ(sha256->options.tls.auth_digest, "SHA256");
  auto v2 = test::build_text(sample("tlscryptv2-client.conf"), fs);
  ASSERT_TRUE(v2);
  EXPECT_EQ(v2->options.tls.wrap, TlsWrapMode::kTlsCryptV2);
}

TEST(SampleConfigs, ServerConfigIsRefused) {
  MemoryFileSystem fs = test::pki_files();
  auto built = test::build_text(sample("prf-pyclient-server.conf"), fs, "server.conf");
  ASSERT_FALSE(built);
  EXPECT_EQ(built.error().message.rfind("server.conf:5: server: a server option", 0), 0u)
      << built.error().message;
}

TEST(SampleConfigs, CommandLineOverridesTheFile) {
  MemoryFileSystem fs = test::pki_files();
  fs.add("client.conf", sample("tlscrypt-aes256gcm-client.conf"));
  const std::vector<std::string> args = {"--verb",   "2",         "--config", "client.conf",
                                         "--verb",   "3",         "--proto",  "tcp-client",
                                         "--remote", "192.0.2.9", "443"};
  auto options = read_command_line(args, fs);
  ASSERT_TRUE(options) << options.error().message;
  auto built = build_client_options(*options, fs);
  ASSERT_TRUE(built) << built.error().message;
  EXPECT_EQ(built->options.logging.verb, 3u);  // the last one wins
  ASSERT_EQ(built->options.connection.entries.size(), 2u);
  EXPECT_EQ(built->options.connection.entries[1].remote_port, 443);
  EXPECT_EQ(built->options.connection.entries[0].proto, TransportProto::kTcpClient);
}

}  // namespace
}  // namespace ovpn::config
