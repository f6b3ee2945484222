// Fuzz target: a server configuration's text, read and built into the server options
// (build_server_options: the option tables, the server / server-ipv6 / keepalive expansions and
// the checks).
//
// Input: the text of "fuzz.conf". The in-memory file system also holds PKI placeholders (ca.crt,
// server.crt, server.key), the wrapping keys (ta.key, tc.key, v2s.key, v2c.key), dh.pem, crl.pem,
// a management password file (mgmt.pw) and inc.conf, which includes fuzz.conf.
//
// Invariants: reading and building never crash and return an error or a value; a built server
// has a tunnel address, a CA (or fingerprint), a certificate and key, and only AEAD data ciphers;
// its pools are ordered and within OpenVPN's bounds; every option it pushes is one a client
// applies (ovpnd's client takes the whole push list as one PUSH_REPLY without refusing any);
// keepalive's restart is doubled; a TCP management socket is on loopback with a password.

#include <string>
#include <string_view>

#include "config/config_reader.h"
#include "config/ip_math.h"
#include "config/pushed_options.h"
#include "config/server_options.h"
#include "fuzz_target.h"

namespace {

namespace config = ovpn::config;

config::MemoryFileSystem make_files(std::string_view input) {
  config::MemoryFileSystem fs;
  const std::string pem = "-----BEGIN CERTIFICATE-----\nAA==\n-----END CERTIFICATE-----\n";
  const std::string static_key =
      "-----BEGIN OpenVPN Static key V1-----\n00\n-----END OpenVPN Static key V1-----\n";
  fs.add("ca.crt", pem);
  fs.add("server.crt", pem);
  fs.add("server.key", "-----BEGIN PRIVATE KEY-----\nAA==\n-----END PRIVATE KEY-----\n");
  fs.add("ta.key", static_key);
  fs.add("tc.key", static_key);
  fs.add("v2s.key",
         "-----BEGIN OpenVPN tls-crypt-v2 server key-----\nAA==\n"
         "-----END OpenVPN tls-crypt-v2 server key-----\n");
  fs.add("v2c.key",
         "-----BEGIN OpenVPN tls-crypt-v2 client key-----\nAA==\n"
         "-----END OpenVPN tls-crypt-v2 client key-----\n");
  fs.add("dh.pem", "-----BEGIN DH PARAMETERS-----\nAA==\n-----END DH PARAMETERS-----\n");
  fs.add("crl.pem", "-----BEGIN X509 CRL-----\nAA==\n-----END X509 CRL-----\n");
  fs.add("mgmt.pw", "secret\n");
  fs.add("inc.conf", "verb 3\nconfig fuzz.conf\n");
  fs.add("fuzz.conf", std::string(input));
  return fs;
}

void check_network(const config::ServerNetwork& n) {
  FUZZ_CHECK(n.ifconfig || n.ifconfig_ipv6);
  if (n.pool) {
    FUZZ_CHECK(n.ifconfig.has_value());
    FUZZ_CHECK(config::v4_number(n.pool->start) <= config::v4_number(n.pool->end));
    FUZZ_CHECK(config::v4_number(n.pool->end) - config::v4_number(n.pool->start) < 65536);
    FUZZ_CHECK(n.pool->netmask.has_value() == (n.topology == config::Topology::kSubnet));
  }
  if (n.pool_ipv6) {
    FUZZ_CHECK(n.ifconfig_ipv6.has_value());
    FUZZ_CHECK(n.pool_ipv6->bits >= 64 && n.pool_ipv6->bits <= 124);
  }
  if (n.server) FUZZ_CHECK(n.server->length >= 16 && n.server->length <= 29);
  if (n.push_constraint) FUZZ_CHECK(n.push_constraint == n.server);
  FUZZ_CHECK(config::pool_capacity(n) <= 65536);
}

}  // namespace

OVPN_FUZZ_TARGET(server_config) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  config::MemoryFileSystem fs = make_files(input);
  auto options = config::read_config_file("fuzz.conf", fs);
  if (!options) {
    FUZZ_CHECK(!options.error().message.empty());
    return 0;
  }
  FUZZ_REACHED("server_config/read");
  auto built = config::build_server_options(*options, fs);
  if (!built) {
    FUZZ_CHECK(!built.error().message.empty());
    return 0;
  }
  FUZZ_REACHED("server_config/built");
  const config::ServerOptions& s = built->options;
  check_network(s.network);
  FUZZ_CHECK(!s.tls.ca.text.empty() || !s.tls.peer_fingerprints.empty());
  FUZZ_CHECK(!s.tls.cert.text.empty() && !s.tls.key.text.empty());
  FUZZ_CHECK(s.tls.reneg_sec_min && *s.tls.reneg_sec_min <= s.tls.reneg_sec);
  FUZZ_CHECK(!s.data.data_ciphers.empty());
  for (const std::string& cipher : s.data.data_ciphers) {
    FUZZ_CHECK(config::canonical_aead_cipher(cipher).value_or("") == cipher);
  }
  FUZZ_CHECK(s.clients.max_clients >= 1 && s.clients.max_clients < 0xFFFFFF);
  if (s.transport.proto == config::ServerProto::kTcpServer) {
    FUZZ_CHECK(s.transport.explicit_exit_notify == 0 && !s.clients.connect_freq);
  }
  if (s.timers.keepalive) {
    FUZZ_CHECK(s.timers.ping_restart_s == 2 * s.timers.keepalive->second);
  }
  if (s.management && !s.management->unix_socket) FUZZ_CHECK(!s.management->password.empty());
  // The whole push list as one reply: a client applies it without refusing anything.
  std::string reply;
  for (const std::string& option : s.push) {
    FUZZ_CHECK(!option.empty() && option.size() <= 255);
    FUZZ_CHECK(option.find(',') == std::string::npos);
    reply += (reply.empty() ? "" : ",") + option;
  }
  if (!s.push.empty()) {
    config::PushedOptions pushed;
    FUZZ_CHECK(config::apply_push_reply(reply, {}, pushed).has_value());
    FUZZ_REACHED("server_config/pushed");
  }
  return 0;
}
