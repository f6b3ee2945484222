// One key state's control-channel transport: reliability over a tls-wrap.

#include "control/control_channel.h"

#include <algorithm>
#include <utility>

#include "control/early_negotiation.h"

namespace ovpn::control {

namespace {

using proto::Opcode;

constexpr proto::SessionId kZeroSid{};

// What OpenVPN's packet sizing assumes tls-crypt adds: replay id and time, tag, and one cipher
// block (tls_crypt_buf_overhead()); the real overhead is 40 bytes.
constexpr size_t kTlsCryptPlannedOverhead = proto::kReplayFieldSize + proto::kTlsCryptTagSize + 16;

constexpr size_t ack_array_size(size_t n) noexcept {
  return 1 + 4 * n + (n > 0 ? proto::kSessionIdSize : 0);
}

// Moves [pos, end) of `buf` to its front once the consumed part is large.
void compact(std::vector<uint8_t>& buf, size_t& pos) {
  if (pos == buf.size()) {
    buf.clear();
    pos = 0;
  } else if (pos >= 4096 && pos >= buf.size() / 2) {
    buf.erase(buf.begin(), buf.begin() + static_cast<ptrdiff_t>(pos));
    pos = 0;
  }
}

}  // namespace

const char* control_drop_name(ControlDrop reason) noexcept {
  switch (reason) {
    case ControlDrop::kNone:
      return "none";
    case ControlDrop::kMalformed:
      return "malformed";
    case ControlDrop::kBadAuth:
      return "bad_auth";
    case ControlDrop::kReplay:
      return "replay";
    case ControlDrop::kWrongKeyId:
      return "wrong_key_id";
    case ControlDrop::kUnexpectedOpcode:
      return "unexpected_opcode";
    case ControlDrop::kUnknownSession:
      return "unknown_session";
    case ControlDrop::kWrongSession:
      return "wrong_session";
    case ControlDrop::kBadAckSession:
      return "bad_ack_session";
    case ControlDrop::kDuplicate:
      return "duplicate";
    case ControlDrop::kBeyondWindow:
      return "beyond_window";
    case ControlDrop::kReadBufferFull:
      return "read_buffer_full";
    case ControlDrop::kBadResetPayload:
      return "bad_reset_payload";
    case ControlDrop::kFailed:
      return "failed";
    case ControlDrop::kCount:
      break;
  }
  return "unknown";
}

ControlChannel::ControlChannel(const ChannelConfig& config, TlsWrapContext& wrap) noexcept
    : config_(config),
      wrap_(&wrap),
      peer_sid_(config.peer_session_id),
      sender_(config.tls_timeout_ms) {}

Expected<ControlChannel> ControlChannel::create(const ChannelConfig& config, TlsWrapContext& wrap,
                                                uint64_t now_ms) {
  if (wrap.wrap == nullptr) return make_error(Errc::kInvalidArgument, "no tls-wrap");
  if (config.tls_mtu < kMinTlsMtu || config.tls_mtu > kMaxTlsMtu) {
    return make_error(Errc::kInvalidArgument, "tls-mtu out of range 154..2048");
  }
  if (config.transport_overhead > kTcp6Overhead) {
    return make_error(Errc::kInvalidArgument, "transport overhead above IPv6 + TCP");
  }
  if (config.own_session_id == kZeroSid) {
    return make_error(Errc::kInvalidArgument, "session id is all zeros");
  }
  if (config.peer_session_id && *config.peer_session_id == kZeroSid) {
    return make_error(Errc::kInvalidArgument, "peer session id is all zeros");
  }
  if (config.tls_timeout_ms == 0) return make_error(Errc::kInvalidArgument, "tls-timeout is 0");
  if (config.max_acks_on_ack_v1 == 0 || config.max_acks_on_ack_v1 > kAcksOnAckV1) {
    return make_error(Errc::kInvalidArgument, "P_ACK_V1 carries 1..8 ACKs");
  }
  if (config.reset == ResetKind::kHard && config.key_id != KeyId{}) {
    return make_error(Errc::kInvalidArgument, "a hard reset uses key id 0");
  }
  if (config.reset == ResetKind::kSoft && (config.key_id == KeyId{} || !config.peer_session_id)) {
    return make_error(Errc::kInvalidArgument, "a soft reset needs key id 1..7 and the peer's sid");
  }
  if (config.reset_exchanged && (config.role != proto::Role::kServer ||
                                 config.reset != ResetKind::kHard || !config.peer_session_id)) {
    return make_error(Errc::kInvalidArgument,
                      "a stateless reset exchange is a server's hard reset with the peer's sid");
  }

  ControlChannel channel(config, wrap);
  channel.scratch_.resize(kMaxControlWireSize);
  if (config.reset_exchanged) {
    // 2.6's session_skip_to_pre_start(): our reset (id 0) went out statelessly and came back
    // ACKed with the cookie, and the client's reset (id 0) was taken there. Nothing is sent.
    auto id = channel.sender_.push(channel.own_reset_opcode(), {}, now_ms);
    if (!id) return forward_error(std::move(id));
    static_cast<void>(channel.sender_.on_ack(*id));
    static_cast<void>(channel.receiver_.on_packet(0, {}));
    static_cast<void>(channel.receiver_.pop_in_order());
    channel.own_reset_queued_ = true;
    channel.own_reset_acked_ = true;
    channel.peer_reset_seen_ = true;
  } else if (!(config.role == proto::Role::kServer && config.reset == ResetKind::kHard)) {
    // A server answers the client's reset; everyone else starts with its own.
    auto id = channel.sender_.push(channel.own_reset_opcode(), {}, now_ms);
    if (!id) return forward_error(std::move(id));
    channel.own_reset_queued_ = true;
  }
  return channel;
}

proto::Opcode ControlChannel::own_reset_opcode() const noexcept {
  if (config_.reset == ResetKind::kSoft) return Opcode::kControlSoftResetV1;
  if (config_.role == proto::Role::kServer) return Opcode::kControlHardResetServerV2;
  return wrap_->wrap->mode() == proto::ControlWrapMode::kTlsCryptV2
             ? Opcode::kControlHardResetClientV3
             : Opcode::kControlHardResetClientV2;
}

bool ControlChannel::is_peer_reset(proto::Opcode op) const noexcept {
  if (config_.reset == ResetKind::kSoft) return op == Opcode::kControlSoftResetV1;
  if (config_.role == proto::Role::kClient) return op == Opcode::kControlHardResetServerV2;
  return op == Opcode::kControlHardResetClientV2 || op == Opcode::kControlHardResetClientV3;
}

ControlDrop ControlChannel::on_packet(std::span<const uint8_t> wire, uint64_t now_ms) {
  const ControlDrop verdict = receive(wire, now_ms);
  ++stats_.rx[static_cast<size_t>(verdict)];
  return verdict;
}

ControlDrop ControlChannel::receive(std::span<const uint8_t> wire, uint64_t now_ms) {
  if (failed_) return ControlDrop::kFailed;
  if (wire.empty() || wire.size() > kMaxControlWireSize) return ControlDrop::kMalformed;
  // Routing by key id needs no authentication, and must not use up a replay id.
  if (KeyId::from_wire(wire[0]) != config_.key_id) return ControlDrop::kWrongKeyId;

  crypto::UnwrappedControl u;
  const Drop unwrapped = wrap_->wrap->unwrap(wire, scratch_, u);
  if (unwrapped == Drop::kBadTag) return ControlDrop::kBadAuth;
  if (unwrapped != Drop::kNone) return ControlDrop::kMalformed;
  if (wrap_->wrap->mode() != proto::ControlWrapMode::kPlain &&
      wrap_->receive.accept(u.replay.id, u.replay.time, now_ms / 1000) !=
          proto::ReplayVerdict::kOk) {
    return ControlDrop::kReplay;
  }

  const Opcode op = u.op.opcode;
  const bool peer_reset = is_peer_reset(op);
  switch (op) {
    case Opcode::kControlV1:
    case Opcode::kAckV1:
      break;
    case Opcode::kControlWkcV1:  // a server treats it as P_CONTROL_V1 (the WKc is split off)
      if (config_.role != proto::Role::kServer) return ControlDrop::kUnexpectedOpcode;
      break;
    default:
      if (!peer_reset) return ControlDrop::kUnexpectedOpcode;
  }
  proto::ControlBody body;
  if (proto::parse_control_body(op, u.body, body) != Drop::kNone) return ControlDrop::kMalformed;
  // Message id 0 is the reset's, and only the reset's.
  if (body.has_message_id && (body.message_id == 0) != peer_reset) {
    return ControlDrop::kUnexpectedOpcode;
  }

  if (u.session_id == kZeroSid) return ControlDrop::kMalformed;
  if (!peer_sid_) {
    if (!peer_reset) return ControlDrop::kUnknownSession;
  } else if (u.session_id != *peer_sid_) {
    return ControlDrop::kWrongSession;
  }
  if (body.ack_count > 0 && body.remote_session_id != config_.own_session_id) {
    return ControlDrop::kBadAckSession;
  }

  const RxVerdict verdict =
      body.has_message_id ? receiver_.classify(body.message_id) : RxVerdict::kDuplicate;
  const bool first_peer_reset = peer_reset && !peer_reset_seen_ && verdict == RxVerdict::kNew;
  EarlyNegotiation early;
  if (first_peer_reset && config_.reset == ResetKind::kHard) {
    auto parsed = parse_early_negotiation(body.payload);
    if (!parsed) {
      failed_ = std::move(parsed).error();
      return ControlDrop::kBadResetPayload;
    }
    early = *parsed;
  }

  // The packet is good: from here on it changes state. ACKs first, as OpenVPN does, so that a
  // packet outside the receive window still acknowledges ours.
  for (size_t i = 0; i < body.ack_count; ++i) {
    if (!sender_.on_ack(body.acks[i])) continue;
    ++stats_.acks_received;
    if (body.acks[i] == 0 && own_reset_queued_) own_reset_acked_ = true;
  }
  if (!body.has_message_id) return ControlDrop::kNone;

  if (verdict == RxVerdict::kBeyondWindow) return ControlDrop::kBeyondWindow;
  if (verdict == RxVerdict::kNew && readable() >= kMaxReadBuffer) {
    return ControlDrop::kReadBufferFull;
  }
  acks_.add(body.message_id);
  if (verdict == RxVerdict::kDuplicate) return ControlDrop::kDuplicate;

  // A reset's payload (TLVs) is not part of the TLS stream.
  static_cast<void>(
      receiver_.on_packet(body.message_id, peer_reset ? std::span<const uint8_t>() : body.payload));
  if (first_peer_reset) {
    peer_sid_ = u.session_id;
    peer_reset_seen_ = true;
    resend_wkc_ = early.resend_wkc() && config_.role == proto::Role::kClient &&
                  wrap_->wrap->mode() == proto::ControlWrapMode::kTlsCryptV2;
    on_peer_reset(now_ms);
  }
  deliver_in_order();
  return ControlDrop::kNone;
}

void ControlChannel::on_peer_reset(uint64_t now_ms) {
  sender_.burst(now_ms);
  if (!own_reset_queued_) {
    // A server's answer to the client's reset: it always fits, the window is empty.
    auto id = sender_.push(own_reset_opcode(), {}, now_ms);
    own_reset_queued_ = id.has_value();
  }
}

void ControlChannel::deliver_in_order() {
  while (auto payload = receiver_.pop_in_order()) {
    read_buf_.insert(read_buf_.end(), payload->begin(), payload->end());
  }
}

Status ControlChannel::write(std::span<const uint8_t> tls_bytes) {
  if (failed_) return make_error(Errc::kInvalidArgument, "control channel has failed");
  if (tls_bytes.size() > kMaxWriteBuffer - write_pending()) {
    return make_error(Errc::kExhausted, "control channel write buffer full");
  }
  compact(write_buf_, write_pos_);
  write_buf_.insert(write_buf_.end(), tls_bytes.begin(), tls_bytes.end());
  return {};
}

size_t ControlChannel::read(std::span<uint8_t> out) noexcept {
  const size_t n = std::min(out.size(), readable());
  std::copy_n(read_buf_.begin() + static_cast<ptrdiff_t>(read_pos_), n, out.begin());
  read_pos_ += n;
  compact(read_buf_, read_pos_);
  return n;
}

size_t ControlChannel::payload_budget(proto::Opcode op) const noexcept {
  const crypto::ControlWrap& wrap = *wrap_->wrap;
  size_t wrap_overhead = 0;
  switch (wrap.mode()) {
    case proto::ControlWrapMode::kPlain:
      break;
    case proto::ControlWrapMode::kTlsAuth:  // HMAC and replay id
      wrap_overhead = wrap.overhead(Opcode::kControlV1) - proto::kOpSidSize;
      break;
    case proto::ControlWrapMode::kTlsCrypt:
    case proto::ControlWrapMode::kTlsCryptV2:
      wrap_overhead = kTlsCryptPlannedOverhead;
      break;
  }
  // OpenVPN does not count a WKc; counting it keeps P_CONTROL_WKC_V1 within tls-mtu too.
  const size_t wkc = wrap.overhead(op) - wrap.overhead(Opcode::kControlV1);
  const size_t acks = peer_sid_ ? acks_.would_send(kAcksPiggybacked) : 0;
  const size_t fixed = proto::kOpSidSize + ack_array_size(acks) + 4 + wrap_overhead +
                       config_.transport_overhead + wkc;
  const size_t limit = std::min(kMaxTlsMtu, config_.tls_mtu);
  return limit > fixed ? limit - fixed : 1;  // never 0: the stream must make progress
}

void ControlChannel::cut_packets(uint64_t now_ms) {
  // TLS data waits until our reset is ACKed (OpenVPN's S_START): before that a stateless
  // server could not take it anyway.
  if (!own_reset_acked_) return;
  auto next_op = [&] {
    return resend_wkc_ && sender_.next_id() == 1 ? Opcode::kControlWkcV1 : Opcode::kControlV1;
  };
  while (write_pending() > 0 && !sender_.window_full()) {
    const Opcode op = next_op();
    const size_t n = std::min(write_pending(), payload_budget(op));
    const auto first = write_buf_.begin() + static_cast<ptrdiff_t>(write_pos_);
    if (!sender_.push(op, std::vector<uint8_t>(first, first + static_cast<ptrdiff_t>(n)), now_ms)) {
      break;
    }
    write_pos_ += n;
  }
  compact(write_buf_, write_pos_);
  // The server's stateless reset asked for the WKc again: an ACK alone cannot carry it, so the
  // ACK goes out on an empty P_CONTROL_WKC_V1 (message id 1).
  if (next_op() == Opcode::kControlWkcV1 && acks_.has_pending() && !sender_.window_full()) {
    static_cast<void>(sender_.push(Opcode::kControlWkcV1, {}, now_ms));
  }
}

Expected<size_t> ControlChannel::build(proto::Opcode op, bool has_message_id, uint32_t message_id,
                                       std::span<const uint8_t> payload, size_t max_acks,
                                       std::span<uint8_t> out) {
  // Nothing may change if the packet cannot be built.
  const AckTracker saved_acks = acks_;
  const WrapSendCounter saved_counter = wrap_->send;

  const AckList acks = peer_sid_ ? acks_.take(max_acks) : AckList{};
  proto::ControlBody body;
  body.ack_count = acks.count;
  body.acks = acks.ids;
  if (acks.count > 0) body.remote_session_id = *peer_sid_;
  body.has_message_id = has_message_id;
  body.message_id = message_id;
  body.payload = payload;
  const size_t body_size = proto::write_control_body(body, scratch_);

  crypto::WrapHeader header{proto::OpByte{op, config_.key_id}, config_.own_session_id, {}};
  auto wrap_body = [&]() -> Expected<size_t> {
    if (body_size == 0) return make_error(Errc::kInvalidArgument, "control body too large");
    if (wrap_->wrap->mode() != proto::ControlWrapMode::kPlain) {
      auto replay = wrap_->send.next();
      if (!replay) return forward_error(std::move(replay));
      header.replay = *replay;
    }
    return wrap_->wrap->wrap(header, std::span<const uint8_t>(scratch_).first(body_size), out);
  };
  Expected<size_t> size = wrap_body();
  if (!size) {
    acks_ = saved_acks;
    wrap_->send = saved_counter;
  }
  return size;
}

Expected<size_t> ControlChannel::poll_transmit(uint64_t now_ms, std::span<uint8_t> out) {
  if (failed_) return size_t{0};
  cut_packets(now_ms);
  if (const SendEntry* e = sender_.due(now_ms)) {
    const bool retransmit = e->sends > 0;
    auto size = build(e->op, true, e->id, e->payload, kAcksPiggybacked, out);
    if (!size) return size;
    sender_.mark_sent(e->id, now_ms);
    ++stats_.tx_packets;
    if (retransmit) ++stats_.tx_retransmits;
    return size;
  }
  if (acks_.has_pending() && peer_sid_) {
    auto size = build(Opcode::kAckV1, false, 0, {}, config_.max_acks_on_ack_v1, out);
    if (!size) return size;
    ++stats_.tx_packets;
    ++stats_.tx_ack_only;
    return size;
  }
  return size_t{0};
}

std::optional<uint64_t> ControlChannel::next_timeout_ms() const noexcept {
  if (failed_) return std::nullopt;
  // Due now (0 is in the past): a pending ACK, or stream bytes the window can take.
  if (acks_.has_pending() && peer_sid_) return 0;
  if (own_reset_acked_ && write_pending() > 0 && !sender_.window_full()) return 0;
  return sender_.next_deadline();
}

}  // namespace ovpn::control
