// Fuzz target: a configuration file's text, read (tokenizer, inline blocks, <connection>,
// `config` includes) and built into the client options.
//
// Input: the text of "fuzz.conf". The in-memory file system also holds PKI placeholders
// (ca.crt, client.crt, client.key, ta.key) and inc.conf, which includes fuzz.conf (a loop when
// the input says "config inc.conf").
//
// Invariants: reading and building never crash and return an error or a value; every option
// read has a name and a location in a known file; a built client has at least one remote, a
// CA or fingerprint, and only AEAD data ciphers.

#include <string>
#include <string_view>

#include "config/client_options.h"
#include "config/config_reader.h"
#include "config/tokenizer.h"
#include "fuzz_target.h"

namespace {

namespace config = ovpn::config;

config::MemoryFileSystem make_files(std::string_view input) {
  config::MemoryFileSystem fs;
  const std::string pem = "-----BEGIN CERTIFICATE-----\nAA==\n-----END CERTIFICATE-----\n";
  fs.add("ca.crt", pem);
  fs.add("client.crt", pem);
  fs.add("client.key", "-----BEGIN PRIVATE KEY-----\nAA==\n-----END PRIVATE KEY-----\n");
  fs.add("ta.key",
         "-----BEGIN OpenVPN Static key V1-----\n00\n-----END OpenVPN Static key V1-----\n");
  fs.add("tc.key",
         "-----BEGIN OpenVPN Static key V1-----\n00\n-----END OpenVPN Static key V1-----\n");
  fs.add("inc.conf", "verb 3\nconfig fuzz.conf\n");
  fs.add("fuzz.conf", std::string(input));
  return fs;
}

// Any file of the in-memory file system: `config client.crt` reads a PEM file as options.
bool known_file(const std::string& file) {
  for (const char* name :
       {"fuzz.conf", "inc.conf", "ca.crt", "client.crt", "client.key", "ta.key", "tc.key"}) {
    if (file == name) return true;
  }
  return false;
}

}  // namespace

OVPN_FUZZ_TARGET(config_parse) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  config::MemoryFileSystem fs = make_files(input);
  auto options = config::read_config_file("fuzz.conf", fs);
  if (!options) {
    FUZZ_CHECK(!options.error().message.empty());
    return 0;
  }
  FUZZ_REACHED("config_parse/read");
  for (const config::Option& o : *options) {
    FUZZ_CHECK(!o.name.empty());
    FUZZ_CHECK(known_file(o.where.file));
    FUZZ_CHECK(o.where.line >= 1);
    FUZZ_CHECK(o.args.size() < config::kMaxWords);
  }
  auto built = config::build_client_options(*options, fs);
  if (!built) {
    FUZZ_CHECK(!built.error().message.empty());
    return 0;
  }
  FUZZ_REACHED("config_parse/built");
  const config::ClientOptions& c = built->options;
  FUZZ_CHECK(!c.connection.entries.empty());
  FUZZ_CHECK(c.tls_client);
  FUZZ_CHECK(!c.tls.ca.text.empty() || !c.tls.peer_fingerprints.empty());
  FUZZ_CHECK(!c.data.data_ciphers.empty());
  for (const std::string& cipher : c.data.data_ciphers) {
    FUZZ_CHECK(config::canonical_aead_cipher(cipher).value_or("") == cipher);
  }
  return 0;
}
