// What the client rejects (and why), what it ignores with a warning, and how unknown options
// are handled (ignore-unknown-option, setenv opt, setenv FORWARD_COMPATIBLE).

#include <gtest/gtest.h>

#include "config_test_util.h"

namespace ovpn::config {
namespace {

using test::build_error;
using test::build_text;

std::string with(const std::string& line) {
  return std::string(test::kMinimalClient) + line + "\n";
}

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

TEST(RejectedOptions, DataChannelFeaturesTheOffloadEngineLacks) {
  EXPECT_EQ(build_error(with("fragment 1300")),
            "client.conf:6: fragment: not supported: the data channel runs in the offload "
            "engine, which (like the kernel DCO) does not do this");
  EXPECT_TRUE(contains(build_error(with("mtu-test")), "client.conf:6: mtu-test: not supported"));
  EXPECT_TRUE(contains(build_error(with("shaper 1000")), "client.conf:6: shaper: not supported"));
  EXPECT_TRUE(contains(build_error(with("comp-lzo")), "only \"comp-lzo no\" is accepted"));
  EXPECT_TRUE(contains(build_error(with("comp-lzo yes")), "client.conf:6: comp-lzo:"));
  EXPECT_TRUE(contains(build_error(with("compress lz4-v2")),
                       "client.conf:6: compress: \"lz4-v2\" is not accepted"));
  EXPECT_TRUE(contains(build_error(with("compress lzo")), "has no compression"));
  EXPECT_TRUE(contains(build_error(with("dev tap0")), "client.conf:6: dev: \"tap0\": tap devices"));
  EXPECT_TRUE(contains(build_error(with("dev-type tap")), "client.conf:6: dev-type: tap devices"));
  EXPECT_TRUE(contains(build_error(with("secret static.key")), "static-key mode is not supported"));
}

TEST(RejectedOptions, CbcCiphers) {
  const std::string aead_only = "does AEAD only";
  EXPECT_TRUE(contains(build_error(with("cipher AES-256-CBC")),
                       "client.conf:6: cipher: \"AES-256-CBC\" is not supported"));
  EXPECT_TRUE(contains(build_error(with("cipher BF-CBC")), aead_only));
  EXPECT_TRUE(contains(build_error(with("data-ciphers AES-256-GCM:AES-128-CBC")), aead_only));
  EXPECT_TRUE(contains(build_error(with("data-ciphers-fallback AES-128-CBC")), aead_only));
  EXPECT_EQ(build_error(with("data-ciphers AES-256-GCM:FOO")),
            "client.conf:6: data-ciphers: \"FOO\" is not one of AES-128-GCM, AES-192-GCM, "
            "AES-256-GCM, CHACHA20-POLY1305");
}

TEST(RejectedOptions, NotYetAndServerOptions) {
  EXPECT_EQ(build_error(with("socks-proxy 127.0.0.1 1080")),
            "client.conf:6: socks-proxy: not supported yet");
  EXPECT_EQ(build_error(with("http-proxy proxy 8080")),
            "client.conf:6: http-proxy: not supported yet");
  EXPECT_TRUE(contains(build_error(with("<http-proxy-user-pass>\nu\np\n</http-proxy-user-pass>")),
                       "client.conf:6: http-proxy-user-pass: not supported yet"));
  EXPECT_TRUE(
      contains(build_error(with("pkcs12 c.p12")), "client.conf:6: pkcs12: not supported yet"));
  EXPECT_TRUE(contains(build_error(with("cryptoapicert SUBJ:x")), "Windows only"));
  EXPECT_TRUE(contains(build_error(with("management 127.0.0.1 7505")),
                       "management interface is not supported for the client yet"));
  EXPECT_TRUE(contains(build_error(with("management-log-cache 100")), "management interface"));
  EXPECT_TRUE(contains(build_error(with("chroot /var/empty")), "ovpnd does not chroot"));
  EXPECT_TRUE(contains(build_error(with("tls-server")),
                       "client.conf:6: tls-server: a server option; ovpnd's client does not take "
                       "it (the server side is a separate mode)"));
  EXPECT_TRUE(contains(build_error(with("server 10.8.0.0 255.255.255.0")), "server side"));
  EXPECT_TRUE(contains(build_error(with("mode server")), "client.conf:6: mode: mode server"));
  EXPECT_TRUE(build_text(with("mode p2p")));
}

TEST(RejectedOptions, ConflictingOptions) {
  EXPECT_EQ(build_error(with("tls-auth ta.key 1\ntls-crypt tc.key")),
            "client.conf:7: tls-crypt: cannot be combined with another control-channel wrapping "
            "(tls-auth, tls-crypt and tls-crypt-v2 exclude each other)");
  EXPECT_TRUE(
      contains(build_error(with("tls-crypt-v2 v2c.key\ntls-auth ta.key")), "cannot be combined"));
  EXPECT_EQ(build_error(with("ping-restart 60\nping-exit 120")),
            "ping-restart and ping-exit exclude each other");
  // OpenVPN ignores explicit-exit-notify over TCP with a note; so do we.
  auto built = build_text(with("proto tcp-client\nexplicit-exit-notify 2"));
  ASSERT_TRUE(built) << built.error().message;
  EXPECT_EQ(built->options.connection.entries[0].explicit_exit_notify, 0u);
  ASSERT_EQ(built->warnings.size(), 1u);
  EXPECT_EQ(built->warnings[0],
            "client.conf:2: explicit-exit-notify: ignored for proto tcp (as OpenVPN does)");
}

TEST(RejectedOptions, CompressionStubsAreAcceptedWithAWarning) {
  for (const char* line : {"comp-lzo no", "compress", "compress stub", "compress stub-v2"}) {
    auto built = build_text(with(line));
    ASSERT_TRUE(built) << line << ": " << built.error().message;
    ASSERT_EQ(built->warnings.size(), 1u) << line;
    EXPECT_TRUE(contains(built->warnings[0], "negotiated off")) << built->warnings[0];
    EXPECT_NE(built->options.data.compression, CompressionStub::kNone);
  }
  auto allowed = build_text(with("allow-compression asym"));
  ASSERT_TRUE(allowed);
  EXPECT_EQ(allowed->options.data.allow_compression, AllowCompression::kAsym);
}

TEST(RejectedOptions, IgnoredOptionsWarn) {
  auto built = build_text(with("disable-dco\ntun-ipv6\nlink-mtu 1500"));
  ASSERT_TRUE(built) << built.error().message;
  ASSERT_EQ(built->warnings.size(), 3u);
  EXPECT_EQ(built->warnings[0],
            "client.conf:6: disable-dco: ignored: the data channel always runs in ovpnd's offload "
            "engine");
}

TEST(UnknownOptions, AreErrorsThatNameTheOptionAndPlace) {
  EXPECT_EQ(build_error(with("frobnicate 1")),
            "client.conf:6: frobnicate: unrecognized option or missing or extra parameter(s)");
}

TEST(UnknownOptions, IgnoreUnknownOptionMakesThemWarnings) {
  auto built =
      build_text(with("ignore-unknown-option frobnicate block-outside-dns\n"
                      "frobnicate 1\nblock-outside-dns"));
  ASSERT_TRUE(built) << built.error().message;
  ASSERT_EQ(built->warnings.size(), 2u);
  EXPECT_EQ(built->warnings[0], "client.conf:7: frobnicate: unrecognized option, ignored");
  // Only later options, and only the names listed.
  EXPECT_TRUE(contains(build_error(with("frobnicate 1\nignore-unknown-option frobnicate")),
                       "client.conf:6: frobnicate: unrecognized option"));
  EXPECT_TRUE(contains(build_error(with("ignore-unknown-option x\ny")), "client.conf:7: y:"));
}

TEST(UnknownOptions, SetenvOptAndForwardCompatible) {
  auto built = build_text(with("setenv opt frobnicate 1\nsetenv opt verb x\nsetenv opt verb 5"));
  ASSERT_TRUE(built) << built.error().message;
  EXPECT_EQ(built->options.logging.verb, 5u);  // known options still apply
  ASSERT_EQ(built->warnings.size(), 2u);
  EXPECT_EQ(built->warnings[0], "client.conf:6: frobnicate: unrecognized option, ignored");
  EXPECT_TRUE(contains(built->warnings[1], "client.conf:7: verb: \"x\" is not a number"));
  auto fc = build_text(with("setenv FORWARD_COMPATIBLE 1\nnew-option-from-2030 x"));
  ASSERT_TRUE(fc) << fc.error().message;
  EXPECT_EQ(fc->warnings.size(), 1u);
}

}  // namespace
}  // namespace ovpn::config
