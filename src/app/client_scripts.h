#pragma once
// The server's per-client hooks, run as OpenVPN runs them:
//
//   auth-user-pass-verify  the client's username and password (via-file or via-env);
//   client-connect FILE    after authentication, before the push; a non-zero exit refuses the
//                          client; options it writes to FILE (a client-config-dir file's
//                          syntax) apply after the client-config-dir file;
//   client-disconnect      when a client that was connected goes, with its byte counts;
//   tls-crypt-v2-verify    before the TLS handshake of a tls-crypt-v2 client, with the metadata
//                          of its client key in a file; a non-zero exit refuses the client.
//
// Temporary files are made with mkstemp in tmp-dir (default /tmp), readable by us only, and
// removed afterwards.
//
// Thread: main. Each call blocks while the script runs (up to the runner's timeout), as stock
// OpenVPN does without deferred scripts.

#include <cstdint>
#include <optional>
#include <span>
#include <string>

#include "app/server_script_env.h"
#include "common/result.h"
#include "config/ccd.h"

namespace ovpn::app {

struct ClientScriptSettings {
  uint32_t script_security = 1;
  std::string tmp_dir;      // "": /tmp
  std::string working_dir;  // `cd`
};

// Runs auth-user-pass-verify: via-file gives the script a file holding the username and the
// password (its argument), via-env the password in the environment (with script-security 3).
// The client is not trusted yet: its address is in untrusted_ip/untrusted_port only. Ok: the
// credentials are accepted.
Status run_user_pass_verify(const std::string& command, config::AuthVerifyMethod method,
                            const ClientScriptFacts& facts, const std::string& password,
                            const ClientScriptSettings& settings);

// Runs client-connect. The options the script wrote (nullopt when it wrote none); an error when
// it could not run, failed, or wrote something that is not a valid client-config-dir file.
Expected<std::optional<config::ClientConfig>> run_client_connect(
    const std::string& command, ClientScriptFacts facts, const ClientScriptSettings& settings);

// Runs client-disconnect; an error when it could not run or failed (logged by the caller: the
// client is gone either way).
Status run_client_disconnect(const std::string& command, const ClientScriptFacts& facts,
                             const ClientScriptSettings& settings);

// Runs tls-crypt-v2-verify on a client key's metadata (type byte first, as unwrapped). Ok: the
// client may go on.
Status run_tls_crypt_v2_verify(const std::string& command, std::span<const uint8_t> metadata,
                               const ClientScriptSettings& settings);

}  // namespace ovpn::app
