#pragma once
// The 2.6 UDP server's stateless session id (protocol reference 2.8): instead of a random
// session id it keeps, the server answers a client's hard reset with a cookie it can recompute
//
//   cookie   = HMAC-SHA256(K, slot (4, big-endian) || address (4 or 16) || port (2) ||
//                            client sid (8))[0..8)
//   slot     = now_s / slot_len,  slot_len = max(1, (hand_window_s + 1) / 2)   (30 s by default)
//
// K is a random key of the process, never sent. A cookie comes back in the ACK of the client's
// next packet; it is valid for slots now-2 .. now+1 (as 2.6: about 60 to 90 s with the default
// hand-window), for the address, port and client sid it was made for, and for nothing else.
//
// Single-threaded: make() and verify() re-use one keyed HMAC context (control thread).

#include <cstddef>
#include <cstdint>
#include <span>

#include "common/ip_address.h"
#include "common/result.h"
#include "crypto/hmac.h"
#include "proto/control_packet.h"

namespace ovpn::control {

inline constexpr size_t kCookieKeySize = 32;
inline constexpr uint64_t kDefaultHandWindowS = 60;
// The slot offsets a returned cookie may have been made in (check_session_id_hmac() in 2.6).
inline constexpr int kCookieOldestSlot = -2;
inline constexpr int kCookieNewestSlot = 1;

class SessionCookie {
 public:
  // `key`: kCookieKeySize random bytes. kInvalidArgument for another size or a hand-window of
  // 0. Thread: any (setup).
  static Expected<SessionCookie> create(std::span<const uint8_t> key,
                                        uint64_t hand_window_s = kDefaultHandWindowS);
  // With a fresh key from the OpenSSL RNG.
  static Expected<SessionCookie> create_random(uint64_t hand_window_s = kDefaultHandWindowS);

  SessionCookie(SessionCookie&&) noexcept = default;
  SessionCookie& operator=(SessionCookie&&) noexcept = default;

  // The slot length in seconds, and the slot `now_s` falls in.
  uint64_t slot_seconds() const noexcept { return slot_seconds_; }
  uint64_t slot(uint64_t now_s) const noexcept { return now_s / slot_seconds_; }

  // Our session id for `client_sid` from `from` at `now_s` (never all zeros). The all-zero id
  // only if the HMAC fails, which OpenSSL does not do with a valid key.
  proto::SessionId make(const Endpoint& from, const proto::SessionId& client_sid,
                        uint64_t now_s) noexcept;
  // True when `cookie` is what make() gave for `from` and `client_sid` in one of the slots
  // kCookieOldestSlot..kCookieNewestSlot around `now_s`. Compared in constant time.
  bool verify(const Endpoint& from, const proto::SessionId& client_sid,
              const proto::SessionId& cookie, uint64_t now_s) noexcept;

 private:
  SessionCookie(crypto::Hmac hmac, uint64_t slot_seconds) noexcept
      : hmac_(std::move(hmac)), slot_seconds_(slot_seconds) {}
  bool compute(uint32_t slot, const Endpoint& from, const proto::SessionId& client_sid,
               proto::SessionId& out) noexcept;

  crypto::Hmac hmac_;
  uint64_t slot_seconds_;
};

}  // namespace ovpn::control
