// The server's tls-wrap keys: authenticating packets of clients without state, new sessions'
// wraps.

#include "control/server_wrap.h"

#include <utility>

#include "crypto/tls_auth.h"
#include "crypto/tls_crypt.h"

namespace ovpn::control {

ServerWrap::ServerWrap(std::optional<StaticWrapKey> static_key, crypto::ControlWrapPtr static_wrap,
                       std::optional<crypto::TlsCryptV2Server> tls_crypt_v2) noexcept
    : static_key_(std::move(static_key)),
      static_wrap_(std::move(static_wrap)),
      tls_crypt_v2_(std::move(tls_crypt_v2)) {}

Expected<crypto::ControlWrapPtr> ServerWrap::make_static(const StaticWrapKey& key) {
  switch (key.mode) {
    case proto::ControlWrapMode::kPlain:
      return crypto::ControlWrapPtr(std::make_unique<crypto::PlainWrap>());
    case proto::ControlWrapMode::kTlsAuth: {
      auto w = crypto::TlsAuth::create(key.digest, key.key, key.direction);
      if (!w) return forward_error(std::move(w));
      return crypto::ControlWrapPtr(std::move(*w));
    }
    case proto::ControlWrapMode::kTlsCrypt: {
      auto w = crypto::TlsCrypt::create(key.key, proto::Role::kServer);
      if (!w) return forward_error(std::move(w));
      return crypto::ControlWrapPtr(std::move(*w));
    }
    case proto::ControlWrapMode::kTlsCryptV2:
      break;
  }
  return make_error(Errc::kInvalidArgument, "the static wrapping is plain, tls-auth or tls-crypt");
}

Expected<ServerWrap> ServerWrap::create(std::optional<StaticWrapKey> static_key,
                                        std::optional<crypto::TlsCryptV2Server> tls_crypt_v2) {
  if (!static_key && !tls_crypt_v2) {
    return make_error(Errc::kInvalidArgument, "a server needs a static wrapping or tls-crypt-v2");
  }
  crypto::ControlWrapPtr wrap;
  if (static_key) {
    auto w = make_static(*static_key);
    if (!w) return forward_error(std::move(w));
    wrap = std::move(*w);
  }
  return ServerWrap(std::move(static_key), std::move(wrap), std::move(tls_crypt_v2));
}

proto::ControlWrapMode ServerWrap::static_mode() const noexcept {
  return static_key_ ? static_key_->mode : proto::ControlWrapMode::kTlsCryptV2;
}

WrapVerdict ServerWrap::unwrap(std::span<const uint8_t> wire, std::span<uint8_t> scratch,
                               ClientPacket& out) noexcept {
  out = ClientPacket{};
  if (wire.empty()) return WrapVerdict::kMalformed;
  const auto op = proto::decode_op_byte(wire[0]);
  if (!op) return WrapVerdict::kMalformed;

  if (!proto::carries_wkc(op->opcode)) {
    if (!static_wrap_) return WrapVerdict::kNoKey;
    const Drop d = static_wrap_->unwrap(wire, scratch, out.unwrapped);
    if (d == Drop::kBadTag) return WrapVerdict::kBadAuth;
    if (d != Drop::kNone) return WrapVerdict::kMalformed;
    out.mode = static_wrap_->mode();
    return WrapVerdict::kOk;
  }

  // tls-crypt-v2: the WKc first, then the packet under the Kc it holds.
  if (!tls_crypt_v2_) return WrapVerdict::kNoKey;
  proto::ControlEnvelope env;
  if (proto::parse_control_envelope(proto::ControlWrapMode::kTlsCryptV2, 0, wire, env) !=
      Drop::kNone) {
    return WrapVerdict::kMalformed;
  }
  crypto::UnwrappedClientKey key;
  const Drop wkc = tls_crypt_v2_->unwrap(env.wkc, key);
  if (wkc == Drop::kBadTag) return WrapVerdict::kBadWkc;
  if (wkc != Drop::kNone) return WrapVerdict::kMalformed;
  auto client_wrap = crypto::TlsCrypt::create_v2(key.kc, proto::Role::kServer, {});
  if (!client_wrap) return WrapVerdict::kBadWkc;  // OpenSSL refused the key: cannot happen
  const Drop d = (*client_wrap)->unwrap(wire, scratch, out.unwrapped);
  if (d == Drop::kBadTag) return WrapVerdict::kBadAuth;
  if (d != Drop::kNone) return WrapVerdict::kMalformed;
  out.mode = proto::ControlWrapMode::kTlsCryptV2;
  out.client_key = std::move(key);
  out.client_wrap = std::move(*client_wrap);
  return WrapVerdict::kOk;
}

Expected<size_t> ServerWrap::wrap_reply(ClientPacket& packet, const crypto::WrapHeader& header,
                                        std::span<const uint8_t> body,
                                        std::span<uint8_t> out) noexcept {
  crypto::ControlWrap* wrap = packet.client_wrap ? packet.client_wrap.get() : static_wrap_.get();
  if (wrap == nullptr) return make_error(Errc::kInvalidArgument, "no wrap for the reply");
  return wrap->wrap(header, body, out);
}

Expected<crypto::ControlWrapPtr> ServerWrap::make_session_wrap(proto::ControlWrapMode mode,
                                                               const proto::Key2* kc) const {
  if (mode == proto::ControlWrapMode::kTlsCryptV2) {
    if (!tls_crypt_v2_ || kc == nullptr) {
      return make_error(Errc::kInvalidArgument, "a tls-crypt-v2 session needs the client's Kc");
    }
    auto w = crypto::TlsCrypt::create_v2(*kc, proto::Role::kServer, {});
    if (!w) return forward_error(std::move(w));
    return crypto::ControlWrapPtr(std::move(*w));
  }
  if (!static_key_ || static_key_->mode != mode) {
    return make_error(Errc::kInvalidArgument, "a wrapping this server does not use");
  }
  return make_static(*static_key_);
}

Expected<TlsWrapContext> ServerWrap::make_context(proto::ControlWrapMode mode,
                                                  const proto::Key2* kc, uint32_t last_sent_id,
                                                  uint32_t unix_time) const {
  auto wrap = make_session_wrap(mode, kc);
  if (!wrap) return forward_error(std::move(wrap));
  TlsWrapContext context = TlsWrapContext::make(std::move(*wrap), proto::Role::kServer, unix_time);
  context.send = WrapSendCounter(last_sent_id, unix_time);
  return context;
}

}  // namespace ovpn::control
