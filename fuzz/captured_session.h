#pragma once
// What the control-plane fuzz targets (control_channel, key_state, client_session) start from:
// the stock client's session id (and replay time) and the stock server's reset that answered
// it, captured in control-plain.json and tls-crypt.json; the tls-wrap those packets used
// (pki/tc.key); and a client TLS context that pins a fingerprint no server has, so no input
// can complete a handshake.

#include <cstdint>
#include <memory>

#include "control/tls_session.h"
#include "crypto/control_wrap.h"
#include "crypto/tls_crypt.h"
#include "fuzz_keys.h"
#include "fuzz_target.h"

namespace ovpn::fuzz::captured {

inline constexpr auto kPlainClientSid = hex_bytes<8>("8fd6349fb2cccce1");
inline constexpr auto kPlainServerReset =
    hex_bytes<26>("4065360371ca23c37e01000000008fd6349fb2cccce100000000");
inline constexpr auto kTlsCryptClientSid = hex_bytes<8>("f2d284ea8ca77c59");
inline constexpr uint32_t kTlsCryptClientTime = 1795510021;
inline constexpr auto kTlsCryptServerReset = hex_bytes<66>(
    "40e4089e8d5a1d106b000000016b054f055afa54009ac6621dc814456116acda3d7b19f8819ff5302da818095f"
    "ea172faba83d2354ab3a2e1dbbb36a9762ad1d7dba");

// Plain, or tls-crypt with the captured session's key.
inline std::unique_ptr<crypto::ControlWrap> make_wrap(bool tls_crypt,
                                                      proto::Role role = proto::Role::kClient) {
  if (!tls_crypt) return std::make_unique<crypto::PlainWrap>();
  auto wrap = crypto::TlsCrypt::create(proto::Key2(keys::kTlsCryptKey), role);
  FUZZ_CHECK(wrap.has_value());
  return std::move(*wrap);
}

// A client context whose handshakes always fail verification (made once).
inline std::shared_ptr<const control::TlsContext> pinned_tls_context() {
  static const std::shared_ptr<const control::TlsContext> ctx = [] {
    control::TlsConfig config;
    config.role = proto::Role::kClient;
    config.peer_fingerprints.push_back(control::Sha256Fingerprint{});
    auto created = control::TlsContext::create(config);
    FUZZ_CHECK(created.has_value());
    return std::shared_ptr<const control::TlsContext>(std::move(*created));
  }();
  return ctx;
}

}  // namespace ovpn::fuzz::captured
