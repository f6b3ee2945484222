// Fuzz target: a client-role ControlChannel fed arbitrary wire packets after a fixed handshake
// prefix (our hard reset sent, the captured stock server's reset received), in plain mode or
// with tls-crypt (pki/tc.key).
//
// Input: byte 0 picks the mode (even: plain, odd: tls-crypt); then frames of
//   step (1) || length (2, big-endian) || packet (length)
// where step & 0x7f advances the clock by that many 100 ms, and step & 0x80 first writes 1000
// bytes of TLS data downward. After each packet the channel's output is drained and everything
// it delivers upward is read.
//
// Invariants:
//   * on_packet() returns a verdict; poll_transmit() never fails with a kMaxControlPacketSize
//     buffer, and one drain ends within a send window's worth of packets (plus one ACK);
//   * every packet we send authenticates with the server's keys, carries at most 4 ACKs
//     (8 on P_ACK_V1), and any ACKs name the server's session id;
//   * what comes out upward is exactly the payloads of the P_CONTROL_V1 packets the channel
//     accepted, each message id once, concatenated in message-id order from 1 without gaps;
//   * memory stays bounded: readable() and write_pending() never pass their limits.

#include <map>
#include <memory>
#include <vector>

#include "captured_session.h"
#include "control/control_channel.h"
#include "crypto/tls_crypt.h"
#include "fuzz_keys.h"
#include "fuzz_target.h"

namespace {

using ovpn::Drop;
namespace control = ovpn::control;
namespace crypto = ovpn::crypto;
namespace proto = ovpn::proto;

using ovpn::fuzz::captured::kPlainClientSid;
using ovpn::fuzz::captured::kPlainServerReset;
using ovpn::fuzz::captured::kTlsCryptClientSid;
using ovpn::fuzz::captured::kTlsCryptClientTime;
using ovpn::fuzz::captured::kTlsCryptServerReset;
using ovpn::fuzz::captured::make_wrap;

// P of a packet, or nullopt when it does not unwrap and parse.
struct Body {
  proto::Opcode op;
  proto::ControlBody body;
};
bool unwrap_body(crypto::ControlWrap& wrap, std::span<const uint8_t> wire,
                 std::vector<uint8_t>& scratch, Body& out) {
  scratch.resize(wire.size());
  crypto::UnwrappedControl u;
  if (wrap.unwrap(wire, scratch, u) != Drop::kNone) return false;
  out.op = u.op.opcode;
  return proto::parse_control_body(u.op.opcode, u.body, out.body) == Drop::kNone;
}

class Harness {
 public:
  explicit Harness(bool tls_crypt)
      : tls_crypt_(tls_crypt),
        wrap_(control::TlsWrapContext::make(make_wrap(tls_crypt, proto::Role::kClient),
                                            proto::Role::kClient, kTlsCryptClientTime)),
        model_wrap_(make_wrap(tls_crypt, proto::Role::kClient)),
        server_wrap_(make_wrap(tls_crypt, proto::Role::kServer)) {}

  bool start() {
    control::ChannelConfig cfg;
    cfg.role = proto::Role::kClient;
    cfg.own_session_id = tls_crypt_ ? kTlsCryptClientSid : kPlainClientSid;
    auto ch = control::ControlChannel::create(cfg, wrap_, 0);
    FUZZ_CHECK(ch.has_value());
    channel_.emplace(std::move(*ch));
    drain();
    const std::span<const uint8_t> reset =
        tls_crypt_ ? std::span<const uint8_t>(kTlsCryptServerReset) : kPlainServerReset;
    if (channel_->on_packet(reset, 0) != control::ControlDrop::kNone) return false;
    FUZZ_CHECK(channel_->own_reset_acked() && channel_->peer_reset_seen());
    drain();
    return true;
  }

  void step(uint8_t step, std::span<const uint8_t> wire) {
    now_ms_ += uint64_t{step & 0x7fu} * 100;
    if ((step & 0x80) != 0) {
      const std::vector<uint8_t> tls(1000, 0x17);
      auto written = channel_->write(tls);
      FUZZ_CHECK(written.has_value() || channel_->failed() ||
                 channel_->write_pending() + tls.size() > control::kMaxWriteBuffer);
    }
    const control::ControlDrop verdict = channel_->on_packet(wire, now_ms_);
    FUZZ_CHECK(verdict < control::ControlDrop::kCount);
    if (verdict == control::ControlDrop::kNone) note_accepted(wire);
    drain();
    read_upward();
    FUZZ_CHECK(channel_->readable() == 0);
    FUZZ_CHECK(channel_->write_pending() <= control::kMaxWriteBuffer);
  }

  // Everything delivered so far is the accepted payloads in id order.
  void check_stream() const {
    std::vector<uint8_t> expected;
    for (uint32_t id = 1;; ++id) {
      auto it = accepted_.find(id);
      if (it == accepted_.end()) break;
      expected.insert(expected.end(), it->second.begin(), it->second.end());
    }
    FUZZ_CHECK(ovpn::fuzz::same_bytes(upward_, expected));
    if (!upward_.empty()) {
      FUZZ_REACHED(tls_crypt_ ? "control_channel/tls_crypt_delivered"
                              : "control_channel/plain_delivered");
    }
  }

 private:
  void note_accepted(std::span<const uint8_t> wire) {
    Body b;
    FUZZ_CHECK(unwrap_body(*model_wrap_, wire, scratch_, b));
    if (b.op != proto::Opcode::kControlV1 || !b.body.has_message_id) return;
    FUZZ_CHECK(accepted_.count(b.body.message_id) == 0);  // a repeat is kDuplicate
    accepted_.emplace(b.body.message_id,
                      std::vector<uint8_t>(b.body.payload.begin(), b.body.payload.end()));
  }

  void drain() {
    std::vector<uint8_t> out(control::kMaxControlPacketSize);
    size_t packets = 0;
    for (;;) {
      auto n = channel_->poll_transmit(now_ms_, out);
      FUZZ_CHECK(n.has_value());
      if (*n == 0) break;
      FUZZ_CHECK(*n <= out.size());
      FUZZ_CHECK(++packets <= control::kSendWindow + 1);
      Body b;
      FUZZ_CHECK(unwrap_body(*server_wrap_, std::span<const uint8_t>(out).first(*n), scratch_, b));
      const size_t max_acks =
          b.op == proto::Opcode::kAckV1 ? control::kAcksOnAckV1 : control::kAcksPiggybacked;
      FUZZ_CHECK(b.body.ack_count <= max_acks);
      FUZZ_CHECK(b.body.ack_count == 0 ||
                 b.body.remote_session_id == channel_->peer_session_id().value());
    }
  }

  void read_upward() {
    std::vector<uint8_t> buf(channel_->readable());
    FUZZ_CHECK(channel_->read(buf) == buf.size());
    upward_.insert(upward_.end(), buf.begin(), buf.end());
  }

  bool tls_crypt_;
  control::TlsWrapContext wrap_;
  std::unique_ptr<crypto::ControlWrap> model_wrap_;
  std::unique_ptr<crypto::ControlWrap> server_wrap_;
  std::optional<control::ControlChannel> channel_;
  uint64_t now_ms_ = 0;
  std::map<uint32_t, std::vector<uint8_t>> accepted_;
  std::vector<uint8_t> upward_;
  std::vector<uint8_t> scratch_;
};

}  // namespace

OVPN_FUZZ_TARGET(control_channel) {
  if (size < 1) return 0;
  Harness h((data[0] & 1) != 0);
  if (!h.start()) return 0;
  ovpn::fuzz::StepFrames frames(data + 1, size - 1, 256);
  uint8_t step = 0;
  std::span<const uint8_t> wire;
  while (frames.next(step, wire)) h.step(step, wire);
  h.check_stream();
  return 0;
}
