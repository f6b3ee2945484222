// Fuzz target: a ClientSession (key states by key id, push/pull and renegotiation around them)
// with a FakeDco, fed arbitrary wire packets after a fixed prefix (our hard reset sent, the
// captured stock server's reset received), in plain mode or with tls-crypt (pki/tc.key). As in
// the key_state target, the TLS context pins a fingerprint no server has, so no input reaches
// ACTIVE: what is fuzzed is the routing by key id, the SOFT_RESET path and the failure path.
//
// Input: the control_channel target's format. Byte 0 picks the mode (even: plain, odd:
// tls-crypt); then frames of step (1) || length (2, big-endian) || packet (length), where
// step & 0x7f advances the clock by that many 100 ms and step & 0x80 also delivers the packet
// as a dco ControlPacket notification instead of directly.
//
// Invariants:
//   * nothing connects: no peer is ever created in the DCO, no Connected outcome;
//   * the only outcome is one Restart (the handshake failed or hand-window ran out), after which
//     the session is done and has no timeout;
//   * a session not done always has a next timeout, at most the hand-window's end;
//   * no renegotiation starts (it needs a connected session).

#include <memory>
#include <variant>
#include <vector>

#include "captured_session.h"
#include "control/client_session.h"
#include "crypto/tls_crypt.h"
#include "fakes/fake_dco.h"
#include "fuzz_keys.h"
#include "fuzz_target.h"

namespace {

namespace control = ovpn::control;
namespace crypto = ovpn::crypto;
namespace proto = ovpn::proto;
namespace dco = ovpn::dco;

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
  explicit Harness(bool tls_crypt) : tls_crypt_(tls_crypt) {}

  bool start() {
    auto fake = dco::FakeDco::create(dco::Mode::kPointToPoint);
    FUZZ_CHECK(fake.has_value());
    dco_ = std::move(*fake);
    control::ClientSessionConfig config;
    config.options = "V4,dev-type tun,tls-client";
    config.hand_window_ms = kHandWindowMs;
    config.data_ciphers = {"AES-256-GCM"};
    config.remote = *ovpn::Endpoint::parse("192.0.2.1:1194");
    // The first 8 random bytes are the captured client's session id, the rest constant.
    auto sid = tls_crypt_ ? kTlsCryptClientSid : kPlainClientSid;
    auto calls = std::make_shared<int>(0);
    config.random = [sid, calls](std::span<uint8_t> out) -> ovpn::Status {
      const bool first = (*calls)++ == 0 && out.size() == sid.size();
      for (size_t i = 0; i < out.size(); ++i) out[i] = first ? sid[i] : 0x5a;
      return {};
    };
    auto session = control::ClientSession::create(
        std::move(config),
        control::TlsWrapContext::make(make_wrap(tls_crypt_), proto::Role::kClient,
                                      kTlsCryptClientTime),
        pinned_tls_context(), *dco_, 0);
    FUZZ_CHECK(session.has_value());
    session_ = std::move(*session);
    session_->poll(0);
    const std::span<const uint8_t> reset =
        tls_crypt_ ? std::span<const uint8_t>(kTlsCryptServerReset) : kPlainServerReset;
    const auto drops = session_->stats().key_state_drops;
    session_->on_packet(reset, 0);
    session_->poll(0);
    if (session_->stats().key_state_drops != drops) return false;
    FUZZ_REACHED(tls_crypt_ ? "client_session/tls_crypt_started" : "client_session/plain_started");
    return true;
  }

  void step(uint8_t step, std::span<const uint8_t> wire) {
    now_ms_ += uint64_t{step & 0x7fu} * 100;
    if ((step & 0x80) != 0) {
      const dco::Notification n{
          .seq = 1,
          .event = dco::ControlPacket{.peer = std::nullopt,
                                      .transport = dco::Transport::kUdp,
                                      .remote = *ovpn::Endpoint::parse("192.0.2.1:1194"),
                                      .local = {},
                                      .bytes = {wire.begin(), wire.end()}}};
      session_->on_notification(n, now_ms_);
    } else {
      session_->on_packet(wire, now_ms_);
    }
    session_->poll(now_ms_);
    static_cast<void>(dco_->take_sent());
    FUZZ_CHECK(dco_->peer_get_all().empty());
    FUZZ_CHECK(!session_->negotiating());
    for (auto& o : session_->take_outcomes()) {
      FUZZ_CHECK(std::holds_alternative<control::Restart>(o));
      FUZZ_CHECK(++outcomes_ == 1);
      FUZZ_REACHED("client_session/restart");
    }
    if (session_->phase() == control::ClientSession::Phase::kDone) {
      FUZZ_CHECK(outcomes_ == 1);
      FUZZ_CHECK(!session_->next_timeout_ms().has_value());
    } else {
      const auto next = session_->next_timeout_ms();
      FUZZ_CHECK(next.has_value() && *next <= kHandWindowMs);
    }
  }

 private:
  bool tls_crypt_;
  std::unique_ptr<dco::FakeDco> dco_;
  std::unique_ptr<control::ClientSession> session_;
  uint64_t now_ms_ = 0;
  int outcomes_ = 0;
};

}  // namespace

OVPN_FUZZ_TARGET(client_session) {
  if (size < 1) return 0;
  Harness h((data[0] & 1) != 0);
  if (!h.start()) return 0;
  ovpn::fuzz::StepFrames frames(data + 1, size - 1, 256);
  uint8_t step = 0;
  std::span<const uint8_t> wire;
  while (frames.next(step, wire)) h.step(step, wire);
  return 0;
}
