#pragma once
// Helpers of the config tests: a file system with the PKI files the sample configs name, and
// one-call parsing of configuration text (client and server).

#include <string>
#include <string_view>

#include "config/client_options.h"
#include "config/config_reader.h"
#include "config/file_system.h"
#include "config/server_options.h"
#include "support/vectors.h"

namespace ovpn::config::test {

inline constexpr std::string_view kCaPem =
    "-----BEGIN CERTIFICATE-----\nMIIBtest\n-----END CERTIFICATE-----\n";
inline constexpr std::string_view kKeyPem =
    "-----BEGIN PRIVATE KEY-----\nMIIEtest\n-----END PRIVATE KEY-----\n";

// ca.crt, client.crt, client.key (placeholders) and ta.key, tc.key, v2c.key (the real keys of
// the golden vectors).
inline MemoryFileSystem pki_files() {
  MemoryFileSystem fs;
  fs.add("ca.crt", std::string(kCaPem));
  fs.add("client.crt", std::string(kCaPem));
  fs.add("client.key", std::string(kKeyPem));
  for (const char* key : {"ta.key", "tc.key", "v2c.key"}) {
    fs.add(key, ovpn::test::read_file(ovpn::test::vector_path(std::string("pki/") + key)));
  }
  return fs;
}

// The smallest client configuration that builds, to which tests add lines.
inline constexpr std::string_view kMinimalClient =
    "client\nremote 192.0.2.1 1194\nca ca.crt\ncert client.crt\nkey client.key\n";

inline Expected<BuiltClientOptions> build_text(std::string_view text, FileSystem& fs,
                                               const std::string& name = "client.conf") {
  auto options = read_config_text(text, name, fs);
  if (!options) return forward_error(std::move(options));
  return build_client_options(*options, fs);
}

inline Expected<BuiltClientOptions> build_text(std::string_view text) {
  MemoryFileSystem fs = pki_files();
  return build_text(text, fs);
}

// The error message of building `text`, or "" when it builds.
inline std::string build_error(std::string_view text) {
  auto built = build_text(text);
  return built ? std::string() : built.error().message;
}

// pki_files() plus server.crt, server.key (placeholders), v2s.key (the golden vectors'
// tls-crypt-v2 server key), dh.pem, crl.pem and mgmt.pw.
inline MemoryFileSystem server_files() {
  MemoryFileSystem fs = pki_files();
  fs.add("server.crt", std::string(kCaPem));
  fs.add("server.key", std::string(kKeyPem));
  fs.add("v2s.key", ovpn::test::read_file(ovpn::test::vector_path("pki/v2s.key")));
  fs.add("dh.pem", "-----BEGIN DH PARAMETERS-----\nMIIBtest\n-----END DH PARAMETERS-----\n");
  fs.add("crl.pem", "-----BEGIN X509 CRL-----\nMIIBtest\n-----END X509 CRL-----\n");
  fs.add("mgmt.pw", "s3cret\nignored\n");
  return fs;
}

// The smallest server configuration that builds (topology subnet), to which tests add lines.
inline constexpr std::string_view kMinimalServer =
    "topology subnet\nserver 10.8.0.0 255.255.255.0\nca ca.crt\ncert server.crt\n"
    "key server.key\n";

inline Expected<BuiltServerOptions> build_server_text(std::string_view text, FileSystem& fs,
                                                      const std::string& name = "server.conf") {
  auto options = read_config_text(text, name, fs);
  if (!options) return forward_error(std::move(options));
  return build_server_options(*options, fs);
}

inline Expected<BuiltServerOptions> build_server_text(std::string_view text) {
  MemoryFileSystem fs = server_files();
  return build_server_text(text, fs);
}

// The error message of building `text` as a server configuration, or "" when it builds.
inline std::string server_error(std::string_view text) {
  auto built = build_server_text(text);
  return built ? std::string() : built.error().message;
}

}  // namespace ovpn::config::test
