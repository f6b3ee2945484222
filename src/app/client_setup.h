#pragma once
// From the client's options to the control plane's inputs: the TLS context (shared by every
// connection), a fresh tls-wrap context for each session (tls-auth, tls-crypt, tls-crypt-v2
// client key, or none), and the ClientSessionConfig of one connection attempt (options string,
// peer-info, NCP, timers, credentials, the server's address).
//
// Key files were read when the options were parsed; here they are parsed once
// (ClientWrapKeys) and a wrap is made from them per session, because a session owns its wrap.

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "common/ip_address.h"
#include "common/result.h"
#include "config/client_options.h"
#include "control/client_session.h"
#include "control/tls_session.h"
#include "control/tls_wrap_context.h"
#include "crypto/hmac.h"
#include "proto/static_key.h"

namespace ovpn::app {

// IV_VER of our peer-info.
inline constexpr const char* kOvpndVersion = "ovpnd-0.4";

// The TLS settings both roles take from TlsOptions (ca, cert, key, versions, cipher lists,
// remote-cert-tls, verify-x509-name, peer-fingerprint); tls-verify is refused.
// Thread: any (pure).
Expected<control::TlsConfig> tls_config_from(const config::TlsOptions& options, proto::Role role);

// The TLS settings of the options (ca, cert, key, versions, cipher lists, remote-cert-tls,
// verify-x509-name, peer-fingerprint) as a client TLS context. Errors name the option.
// Thread: control.
Expected<std::shared_ptr<const control::TlsContext>> make_client_tls(
    const config::TlsOptions& options);

// The parsed tls-auth / tls-crypt / tls-crypt-v2 key.
class ClientWrapKeys {
 public:
  // Errors name the option and its file. Thread: control.
  static Expected<ClientWrapKeys> create(const config::TlsOptions& options);
  // A new wrap context for one session starting at `unix_time`. Thread: control.
  Expected<control::TlsWrapContext> make(uint32_t unix_time) const;
  config::TlsWrapMode mode() const noexcept { return mode_; }
  // The 256-byte key (tls-crypt-v2: Kc), for dynamic tls-crypt.
  const proto::Key2& key() const noexcept { return key_; }
  crypto::Digest digest() const noexcept { return digest_; }             // tls-auth
  proto::KeyDirection direction() const noexcept { return direction_; }  // tls-auth

 private:
  config::TlsWrapMode mode_ = config::TlsWrapMode::kNone;
  proto::Key2 key_;
  std::vector<uint8_t> wkc_;  // tls-crypt-v2: the wrapped client key sent with the resets
  crypto::Digest digest_ = crypto::Digest::kSha1;
  proto::KeyDirection direction_ = proto::KeyDirection::kBidirectional;
};

struct Credentials {
  std::string username;
  std::string password;
};

// The session config for one attempt on `entry`, reaching the server at `remote`.
// Thread: any (pure).
Expected<control::ClientSessionConfig> make_session_config(const config::ClientOptions& options,
                                                           const config::ConnectionEntry& entry,
                                                           const Endpoint& remote,
                                                           const Credentials& credentials);

// The OCC options string of either role (protocol reference 5.3). Thread: any (pure).
std::string occ_options_string(proto::Role role, const config::TlsOptions& tls,
                               const config::DataChannelOptions& data, uint32_t tun_mtu, bool tcp);

// The OCC options string the client sends. Thread: any (pure).
std::string client_options_string(const config::ClientOptions& options,
                                  const config::ConnectionEntry& entry, bool ipv6);

// Our peer-info (IV_VER, IV_PLAT, IV_PROTO, IV_CIPHERS, IV_MTU, ...). Thread: any (pure).
Expected<std::string> client_peer_info(const config::ClientOptions& options);

}  // namespace ovpn::app
