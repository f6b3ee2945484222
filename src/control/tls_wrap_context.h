#pragma once
// The tls-wrap state one TLS session shares between its key states: the wrapping itself
// (plain, tls-auth, tls-crypt, tls-crypt-v2), the replay id counter we send with, and the
// replay window for what we receive. A soft reset keeps all three; dynamic tls-crypt, once
// active, is a new context with its own counter and window (protocol reference sections 2.5, 9).
//
// Single-threaded: owned and used on the control thread.

#include <cstdint>

#include "common/result.h"
#include "crypto/control_wrap.h"
#include "proto/control_packet.h"
#include "proto/replay_window.h"
#include "proto/static_key.h"

namespace ovpn::control {

// The sender's (id, time) pair of tls-auth and tls-crypt: the time is fixed when the counter
// is made, and the id is pre-incremented, so the first id on the wire is start + 1.
class WrapSendCounter {
 public:
  WrapSendCounter(uint32_t start, uint32_t unix_time) noexcept : last_(start), time_(unix_time) {}

  // The pair for the next packet. kExhausted rather than wrap to 0 (OpenVPN would change the
  // time; a session never sends 2^32 control packets).
  Expected<proto::ReplayId> next() noexcept;
  uint32_t last_id() const noexcept { return last_; }

 private:
  uint32_t last_;
  uint32_t time_;
};

// The wall clock in unix seconds (the replay time of a new context). Thread: any.
uint32_t system_unix_time();

struct TlsWrapContext {
  // `unix_time` is the wall-clock second the session starts (the replay time field). A
  // tls-crypt-v2 client starts its counter at kEarlyNegStart to ask for early negotiation.
  // Thread: control.
  static TlsWrapContext make(crypto::ControlWrapPtr wrap, proto::Role role, uint32_t unix_time);

  crypto::ControlWrapPtr wrap;
  WrapSendCounter send;
  proto::WrapReplayWindow receive;
};

}  // namespace ovpn::control
