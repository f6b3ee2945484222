// Fuzz target: a client-role KeyState (control channel + TLS + key-method-2 + control messages)
// fed arbitrary wire packets after a fixed prefix (our hard reset sent, the captured stock
// server's reset received), in plain mode or with tls-crypt (pki/tc.key). The TLS context pins
// a fingerprint no server has, so no input gets past certificate verification: what is fuzzed
// is the pumping between channel and TLS and the state machine around it.
//
// Input: the control_channel target's format. Byte 0 picks the mode (even: plain, odd:
// tls-crypt); then frames of step (1) || length (2, big-endian) || packet (length), where
// step & 0x7f advances the clock by that many 100 ms (step & 0x80 is ignored here).
//
// Invariants:
//   * on_packet() returns a verdict, kFailed once the key state has failed;
//   * poll_transmit() never fails with a kMaxControlPacketSize buffer, sends nothing once
//     failed, and one drain ends within a send window's worth of packets (plus one ACK);
//   * the stage only moves forward; nothing is ACTIVE, so derive_key2() and send_message()
//     refuse and no message is ever received;
//   * everything the channel received in order went on to TLS (readable() stays 0);
//   * a key state that has not failed always has a next timeout, at most the hand-window's end.

#include <memory>
#include <optional>
#include <vector>

#include "captured_session.h"
#include "control/key_state.h"
#include "crypto/tls_crypt.h"
#include "fuzz_keys.h"
#include "fuzz_target.h"

namespace {

namespace control = ovpn::control;
namespace crypto = ovpn::crypto;
namespace proto = ovpn::proto;

using ovpn::fuzz::captured::kPlainClientSid;
using ovpn::fuzz::captured::kPlainServerReset;
using ovpn::fuzz::captured::kTlsCryptClientSid;
using ovpn::fuzz::captured::kTlsCryptClientTime;
using ovpn::fuzz::captured::kTlsCryptServerReset;
using ovpn::fuzz::captured::make_wrap;
using ovpn::fuzz::captured::pinned_tls_context;
constexpr uint64_t kHandWindowMs = 60 * 1000;

class Harness {
 public:
  explicit Harness(bool tls_crypt)
      : tls_crypt_(tls_crypt),
        wrap_(control::TlsWrapContext::make(make_wrap(tls_crypt), proto::Role::kClient,
                                            kTlsCryptClientTime)) {}

  bool start() {
    control::KeyStateConfig config;
    config.channel.own_session_id = tls_crypt_ ? kTlsCryptClientSid : kPlainClientSid;
    config.hand_window_ms = kHandWindowMs;
    config.options = "V4,dev-type tun,tls-client";
    config.random = [](std::span<uint8_t> out) -> ovpn::Status {
      for (auto& b : out) b = 0x5a;
      return {};
    };
    auto ks = control::KeyState::create(std::move(config), wrap_, pinned_tls_context(), 0);
    FUZZ_CHECK(ks.has_value());
    ks_.emplace(std::move(*ks));
    drain();
    const std::span<const uint8_t> reset =
        tls_crypt_ ? std::span<const uint8_t>(kTlsCryptServerReset) : kPlainServerReset;
    if (ks_->on_packet(reset, 0) != control::ControlDrop::kNone) return false;
    FUZZ_CHECK(ks_->stage() == control::KeyStateStage::kSentKey);
    drain();
    FUZZ_REACHED(tls_crypt_ ? "key_state/tls_crypt_started" : "key_state/plain_started");
    return true;
  }

  void step(uint8_t step, std::span<const uint8_t> wire) {
    now_ms_ += uint64_t{step & 0x7fu} * 100;
    const bool was_failed = ks_->failed();
    const auto before = ks_->stage();
    const control::ControlDrop verdict = ks_->on_packet(wire, now_ms_);
    FUZZ_CHECK(verdict < control::ControlDrop::kCount);
    if (was_failed) FUZZ_CHECK(verdict == control::ControlDrop::kFailed);
    drain();
    FUZZ_CHECK(ks_->stage() >= before);
    FUZZ_CHECK(!ks_->active());
    FUZZ_CHECK(!ks_->derive_key2(false).has_value());
    FUZZ_CHECK(!ks_->send_message("PUSH_REQUEST").has_value());
    FUZZ_CHECK(ks_->take_messages().empty());
    if (ks_->failed()) {
      FUZZ_CHECK(ks_->error().has_value());
      FUZZ_CHECK(!ks_->next_timeout_ms().has_value());
      FUZZ_REACHED("key_state/failed");
    } else {
      FUZZ_CHECK(ks_->channel().readable() == 0);
      const auto next = ks_->next_timeout_ms();
      FUZZ_CHECK(next.has_value() && *next <= kHandWindowMs);
    }
  }

 private:
  void drain() {
    std::vector<uint8_t> out(control::kMaxControlPacketSize);
    size_t packets = 0;
    for (;;) {
      auto n = ks_->poll_transmit(now_ms_, out);
      FUZZ_CHECK(n.has_value());
      if (*n == 0) break;
      FUZZ_CHECK(!ks_->failed());
      FUZZ_CHECK(*n <= out.size());
      FUZZ_CHECK(++packets <= control::kSendWindow + 1);
    }
  }

  bool tls_crypt_;
  control::TlsWrapContext wrap_;
  std::optional<control::KeyState> ks_;
  uint64_t now_ms_ = 0;
};

}  // namespace

OVPN_FUZZ_TARGET(key_state) {
  if (size < 1) return 0;
  Harness h((data[0] & 1) != 0);
  if (!h.start()) return 0;
  ovpn::fuzz::StepFrames frames(data + 1, size - 1, 256);
  uint8_t step = 0;
  std::span<const uint8_t> wire;
  while (frames.next(step, wire)) h.step(step, wire);
  return 0;
}
