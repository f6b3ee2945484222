#include "crypto/tls_crypt.h"

#include <cstring>

#include "common/byteorder.h"

namespace ovpn::crypto {

using proto::kOpSidSize;
using proto::kTlsCryptHeaderSize;
using proto::kTlsCryptTagSize;

namespace {

constexpr size_t kTlsCryptKeySize = 32;

}  // namespace

TlsCrypt::TlsCrypt(proto::ControlWrapMode mode, Direction send, Direction receive,
                   std::span<const uint8_t> wkc)
    : mode_(mode),
      send_(std::move(send)),
      receive_(std::move(receive)),
      wkc_(wkc.begin(), wkc.end()) {}

Expected<std::unique_ptr<TlsCrypt>> TlsCrypt::make(proto::ControlWrapMode mode,
                                                   const proto::Key2& key, proto::Role role,
                                                   std::span<const uint8_t> wkc) {
  const auto slices = proto::slice_key2(key, proto::tls_crypt_direction(role));
  auto send_cipher = AesCtr::create(slices.send.cipher.first(kTlsCryptKeySize));
  if (!send_cipher) return forward_error(std::move(send_cipher));
  auto send_hmac = Hmac::create(Digest::kSha256, slices.send.hmac.first(kTlsCryptKeySize));
  if (!send_hmac) return forward_error(std::move(send_hmac));
  auto receive_cipher = AesCtr::create(slices.receive.cipher.first(kTlsCryptKeySize));
  if (!receive_cipher) return forward_error(std::move(receive_cipher));
  auto receive_hmac = Hmac::create(Digest::kSha256, slices.receive.hmac.first(kTlsCryptKeySize));
  if (!receive_hmac) return forward_error(std::move(receive_hmac));
  return std::unique_ptr<TlsCrypt>(
      new TlsCrypt(mode, Direction{std::move(*send_cipher), std::move(*send_hmac)},
                   Direction{std::move(*receive_cipher), std::move(*receive_hmac)}, wkc));
}

Expected<std::unique_ptr<TlsCrypt>> TlsCrypt::create(const proto::Key2& key, proto::Role role) {
  return make(proto::ControlWrapMode::kTlsCrypt, key, role, {});
}

Expected<std::unique_ptr<TlsCrypt>> TlsCrypt::create_v2(const proto::Key2& kc, proto::Role role,
                                                        std::span<const uint8_t> wkc) {
  if (role == proto::Role::kClient &&
      (wkc.size() < proto::kWkcMinSize || wkc.size() > proto::kWkcMaxSize)) {
    return make_error(Errc::kInvalidArgument, "a tls-crypt-v2 client needs its wrapped key");
  }
  return make(proto::ControlWrapMode::kTlsCryptV2, kc, role, wkc);
}

size_t TlsCrypt::overhead(proto::Opcode op) const noexcept {
  const size_t base = kTlsCryptHeaderSize + kTlsCryptTagSize;
  return proto::carries_wkc(op) ? base + wkc_.size() : base;
}

Expected<size_t> TlsCrypt::wrap(const WrapHeader& header, std::span<const uint8_t> body,
                                std::span<uint8_t> out) noexcept {
  const size_t size = overhead(header.op.opcode) + body.size();
  if (out.size() < size) return make_error(Errc::kInvalidArgument, "control packet too large");
  write_op_sid(header, out.data());
  store_be32(out.data() + kOpSidSize, header.replay.id);
  store_be32(out.data() + kOpSidSize + 4, header.replay.time);
  const auto head = out.first(kTlsCryptHeaderSize);
  const auto tag = out.subspan(kTlsCryptHeaderSize, kTlsCryptTagSize);
  const auto ciphertext = out.subspan(kTlsCryptHeaderSize + kTlsCryptTagSize, body.size());
  if (!send_.hmac.compute({head, body}, tag) ||
      !send_.cipher.apply(std::span<const uint8_t, kAesCtrIvSize>(tag.data(), kAesCtrIvSize), body,
                          ciphertext)) {
    return make_error(Errc::kCrypto, "tls-crypt wrap failed");
  }
  if (proto::carries_wkc(header.op.opcode) && !wkc_.empty()) {
    std::memcpy(ciphertext.data() + ciphertext.size(), wkc_.data(), wkc_.size());
  }
  return size;
}

Drop TlsCrypt::unwrap(std::span<const uint8_t> wire, std::span<uint8_t> scratch,
                      UnwrappedControl& out) noexcept {
  proto::ControlEnvelope env;
  const Drop drop = proto::parse_control_envelope(mode_, 0, wire, env);
  if (drop != Drop::kNone) return drop;
  if (scratch.size() < env.body.size()) return Drop::kMalformed;
  const auto plain = scratch.first(env.body.size());
  const std::span<const uint8_t, kAesCtrIvSize> iv(env.auth.data(), kAesCtrIvSize);
  if (!receive_.cipher.apply(iv, env.body, plain) ||
      !receive_.hmac.verify({env.header, plain}, env.auth)) {
    secure_wipe(plain.data(), plain.size());
    return Drop::kBadTag;
  }
  out.op = env.op;
  out.session_id = env.session_id;
  out.replay = env.replay;
  out.body = plain;
  out.wkc = env.wkc;
  return Drop::kNone;
}

proto::Key2 dynamic_tls_crypt_key(const proto::Key2& original,
                                  std::span<const uint8_t, proto::kKey2Size> ekm) noexcept {
  proto::Key2 out = original;
  auto bytes = out.mutable_bytes();
  for (size_t i = 0; i < proto::kKey2Size; ++i) bytes[i] = static_cast<uint8_t>(bytes[i] ^ ekm[i]);
  return out;
}

}  // namespace ovpn::crypto
