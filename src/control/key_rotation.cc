#include "control/key_rotation.h"

#include <algorithm>

#include "control/dco_keys.h"
#include "proto/opcode.h"

namespace ovpn::control {

KeyId next_key_id(KeyId current) noexcept {
  const unsigned next = current.value() >= 7 ? 1 : current.value() + 1u;
  return *KeyId::make(next);
}

std::optional<uint64_t> earliest(std::optional<uint64_t> a, std::optional<uint64_t> b) noexcept {
  if (!a) return b;
  if (!b) return a;
  return std::min(*a, *b);
}

KeyRotation::KeyRotation(KeyRotationConfig config, dco::Dco& dco, MakeKeyState make)
    : config_(config), dco_(&dco), make_(std::move(make)) {}

void KeyRotation::start(PeerId peer, crypto::CipherAlg cipher, bool ekm, uint64_t now_ms) {
  peer_ = peer;
  cipher_ = cipher;
  ekm_ = ekm;
  if (config_.reneg_ms != 0) reneg_at_ms_ = now_ms + config_.reneg_ms;
}

bool KeyRotation::on_packet(std::span<const uint8_t> wire, uint64_t now_ms) {
  const auto op = wire.empty() ? std::nullopt : proto::decode_op_byte(wire[0]);
  if (!op) return false;
  for (KeyState* ks : all()) {
    if (ks != nullptr && ks->key_id() == op->key_id) {
      if (ks->on_packet(wire, now_ms) != ControlDrop::kNone) ++stats_.key_state_drops;
      return true;
    }
  }
  // The peer's renegotiation: its SOFT_RESET with the next key id, accepted only once the
  // primary key is installed and no other renegotiation runs.
  if (op->opcode == proto::Opcode::kControlSoftResetV1 && peer_ && negotiating_ == nullptr &&
      primary_ && op->key_id == next_key_id(primary_->key_id())) {
    start_renegotiation(now_ms, wire);
    return true;
  }
  return false;
}

Status KeyRotation::renegotiate(uint64_t now_ms) {
  if (!peer_ || !primary_ || negotiating_ != nullptr) {
    return make_error(Errc::kInvalidArgument, "no renegotiation possible now");
  }
  start_renegotiation(now_ms, {});
  return {};
}

void KeyRotation::start_renegotiation(uint64_t now_ms, std::span<const uint8_t> first_packet) {
  auto ks = make_(next_key_id(primary_->key_id()), now_ms);
  if (!ks) {
    ++stats_.failed_renegotiations;
    return;
  }
  // A peer's SOFT_RESET that does not authenticate (or parse) starts nothing.
  if (!first_packet.empty() && (*ks)->on_packet(first_packet, now_ms) != ControlDrop::kNone) {
    ++stats_.key_state_drops;
    return;
  }
  // The lame duck of the previous renegotiation goes now at the latest.
  drop_lame_duck();
  ++(first_packet.empty() ? stats_.started_by_us : stats_.started_by_peer);
  negotiating_ = std::move(*ks);
  negotiation_started_ms_ = now_ms;
  reneg_at_ms_.reset();
}

void KeyRotation::finish_renegotiation(uint64_t now_ms) {
  auto key2 = negotiating_->derive_key2(ekm_);
  Status st = key2 ? Status{} : forward_error(std::move(key2));
  if (st) {
    auto key = make_dco_key_config(*key2, {.alg = cipher_,
                                           .role = config_.role,
                                           .key_id = negotiating_->key_id(),
                                           .peer = *peer_,
                                           .slot = dco::KeySlot::kSecondary});
    if (!key) st = forward_error(std::move(key));
    if (st) st = dco_->key_new(std::move(*key));
    if (st) st = dco_->key_swap(*peer_);
  }
  if (!st) {
    renegotiation_failed(now_ms);
    return;
  }
  lame_duck_ = std::move(primary_);
  lame_duck_die_ms_ = now_ms + config_.tran_window_ms;
  primary_ = std::move(negotiating_);
  primary_die_ms_.reset();
  ++stats_.renegotiations;
  if (config_.reneg_ms != 0) reneg_at_ms_ = now_ms + config_.reneg_ms;
}

void KeyRotation::renegotiation_failed(uint64_t now_ms) {
  ++stats_.failed_renegotiations;
  negotiating_.reset();
  if (!primary_die_ms_) primary_die_ms_ = negotiation_started_ms_ + config_.tran_window_ms;
  if (config_.reneg_ms != 0) reneg_at_ms_ = now_ms + config_.hand_window_ms;
}

void KeyRotation::drop_lame_duck() {
  if (!lame_duck_) return;
  lame_duck_.reset();
  // After the swap the lame duck's key sits in the secondary slot.
  if (peer_) static_cast<void>(dco_->key_del(*peer_, dco::KeySlot::kSecondary));
}

std::optional<std::string> KeyRotation::run_timers(uint64_t now_ms) {
  if (!peer_) return std::nullopt;
  if (negotiating_ != nullptr) {
    if (negotiating_->active()) {
      finish_renegotiation(now_ms);
    } else if (negotiating_->failed()) {
      renegotiation_failed(now_ms);
    }
  }
  if (primary_die_ms_ && now_ms >= *primary_die_ms_) {
    return "key renegotiation failed and tran-window has passed";
  }
  if (lame_duck_ && now_ms >= lame_duck_die_ms_) drop_lame_duck();
  if (negotiating_ == nullptr && reneg_at_ms_ && now_ms >= *reneg_at_ms_) {
    start_renegotiation(now_ms, {});
  }
  return std::nullopt;
}

uint64_t KeyRotation::flush(uint64_t now_ms, const dco::ControlTarget& target) {
  tx_.resize(kMaxControlPacketSize);
  uint64_t errors = 0;
  for (KeyState* ks : all()) {
    if (ks == nullptr) continue;
    for (int i = 0; i < 64; ++i) {  // bounded: a window's worth and some ACKs
      auto n = ks->poll_transmit(now_ms, tx_);
      if (!n || *n == 0) break;
      if (!dco_->send_control(target, std::span(tx_.data(), *n))) ++errors;
    }
  }
  return errors;
}

std::optional<uint64_t> KeyRotation::next_timeout_ms() const noexcept {
  std::optional<uint64_t> t;
  for (const KeyState* ks : all()) {
    if (ks != nullptr) t = earliest(t, ks->next_timeout_ms());
  }
  if (peer_) {
    t = earliest(t, reneg_at_ms_);
    t = earliest(t, primary_die_ms_);
    if (lame_duck_) t = earliest(t, lame_duck_die_ms_);
  }
  return t;
}

}  // namespace ovpn::control
