#include "crypto/tls_auth.h"

#include <cstring>

#include "common/byteorder.h"

namespace ovpn::crypto {

using proto::kOpSidSize;
using proto::kReplayFieldSize;

Expected<std::unique_ptr<TlsAuth>> TlsAuth::create(Digest digest, const proto::Key2& key,
                                                   proto::KeyDirection direction) {
  const auto slices = proto::slice_key2(key, direction);
  auto send = Hmac::create(digest, slices.send.hmac);
  if (!send) return forward_error(std::move(send));
  auto receive = Hmac::create(digest, slices.receive.hmac);
  if (!receive) return forward_error(std::move(receive));
  return std::unique_ptr<TlsAuth>(new TlsAuth(std::move(*send), std::move(*receive)));
}

size_t TlsAuth::overhead(proto::Opcode) const noexcept {
  return proto::control_envelope_overhead(proto::ControlWrapMode::kTlsAuth, send_.size());
}

Expected<size_t> TlsAuth::wrap(const WrapHeader& header, std::span<const uint8_t> body,
                               std::span<uint8_t> out) noexcept {
  const size_t hmac_size = send_.size();
  const size_t size = overhead(header.op.opcode) + body.size();
  if (out.size() < size) return make_error(Errc::kInvalidArgument, "control packet too large");
  uint8_t* replay = out.data() + kOpSidSize + hmac_size;
  write_op_sid(header, out.data());
  store_be32(replay, header.replay.id);
  store_be32(replay + 4, header.replay.time);
  if (!body.empty()) std::memcpy(replay + kReplayFieldSize, body.data(), body.size());
  const std::span<const uint8_t> replay_bytes(replay, kReplayFieldSize);
  const std::span<const uint8_t> op_sid(out.data(), kOpSidSize);
  if (!send_.compute({replay_bytes, op_sid, body}, out.subspan(kOpSidSize, hmac_size))) {
    return make_error(Errc::kCrypto, "tls-auth HMAC failed");
  }
  return size;
}

Drop TlsAuth::unwrap(std::span<const uint8_t> wire, std::span<uint8_t>,
                     UnwrappedControl& out) noexcept {
  proto::ControlEnvelope env;
  const Drop drop =
      proto::parse_control_envelope(proto::ControlWrapMode::kTlsAuth, receive_.size(), wire, env);
  if (drop != Drop::kNone) return drop;
  const auto replay_bytes = wire.subspan(kOpSidSize + receive_.size(), kReplayFieldSize);
  if (!receive_.verify({replay_bytes, env.header, env.body}, env.auth)) return Drop::kBadTag;
  out.op = env.op;
  out.session_id = env.session_id;
  out.replay = env.replay;
  out.body = env.body;
  out.wkc = {};
  return Drop::kNone;
}

}  // namespace ovpn::crypto
