#include "crypto/control_wrap.h"

#include <cstring>

namespace ovpn::crypto {

void write_op_sid(const WrapHeader& header, uint8_t* out) noexcept {
  out[0] = proto::encode_op_byte(header.op.opcode, header.op.key_id);
  std::memcpy(out + 1, header.session_id.data(), proto::kSessionIdSize);
}

Expected<size_t> PlainWrap::wrap(const WrapHeader& header, std::span<const uint8_t> body,
                                 std::span<uint8_t> out) noexcept {
  const size_t size = proto::kOpSidSize + body.size();
  if (out.size() < size) return make_error(Errc::kInvalidArgument, "control packet too large");
  write_op_sid(header, out.data());
  if (!body.empty()) std::memcpy(out.data() + proto::kOpSidSize, body.data(), body.size());
  return size;
}

Drop PlainWrap::unwrap(std::span<const uint8_t> wire, std::span<uint8_t>,
                       UnwrappedControl& out) noexcept {
  proto::ControlEnvelope env;
  const Drop drop = proto::parse_control_envelope(proto::ControlWrapMode::kPlain, 0, wire, env);
  if (drop != Drop::kNone) return drop;
  out.op = env.op;
  out.session_id = env.session_id;
  out.replay = {};
  out.body = env.body;
  out.wkc = {};
  return Drop::kNone;
}

}  // namespace ovpn::crypto
