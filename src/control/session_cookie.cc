// The stateless server's session id: an HMAC of time slot, client address and client sid.

#include "control/session_cookie.h"

#include <openssl/crypto.h>

#include <array>

#include "common/byteorder.h"
#include "common/secure_wipe.h"
#include "control/key_method2.h"

namespace ovpn::control {

Expected<SessionCookie> SessionCookie::create(std::span<const uint8_t> key,
                                              uint64_t hand_window_s) {
  if (key.size() != kCookieKeySize) {
    return make_error(Errc::kInvalidArgument, "the cookie key holds 32 bytes");
  }
  if (hand_window_s == 0) return make_error(Errc::kInvalidArgument, "hand-window is 0");
  auto hmac = crypto::Hmac::create(crypto::Digest::kSha256, key);
  if (!hmac) return forward_error(std::move(hmac));
  const uint64_t slot_seconds = hand_window_s / 2 + hand_window_s % 2;  // (hw + 1) / 2, no wrap
  return SessionCookie(std::move(*hmac), slot_seconds);
}

Expected<SessionCookie> SessionCookie::create_random(uint64_t hand_window_s) {
  std::array<uint8_t, kCookieKeySize> key{};
  if (auto st = openssl_random(key); !st) return forward_error(std::move(st));
  auto cookie = create(key, hand_window_s);
  secure_wipe(key.data(), key.size());
  return cookie;
}

bool SessionCookie::compute(uint32_t slot, const Endpoint& from, const proto::SessionId& client_sid,
                            proto::SessionId& out) noexcept {
  uint8_t slot_bytes[4];
  store_be32(slot_bytes, slot);
  uint8_t port[2];
  store_be16(port, from.port());
  std::array<uint8_t, crypto::kMaxDigestSize> mac{};
  const IpAddress& address = from.address();
  if (!hmac_.compute(
          {slot_bytes, std::span<const uint8_t>(address.bytes(), address.size()), port, client_sid},
          mac)) {
    out = {};
    return false;
  }
  std::copy_n(mac.begin(), out.size(), out.begin());
  // All zeros means "no session id" on the wire; one in 2^64 cookies is moved off it.
  if (out == proto::SessionId{}) out.back() = 1;
  return true;
}

proto::SessionId SessionCookie::make(const Endpoint& from, const proto::SessionId& client_sid,
                                     uint64_t now_s) noexcept {
  proto::SessionId out{};
  static_cast<void>(compute(static_cast<uint32_t>(slot(now_s)), from, client_sid, out));
  return out;
}

bool SessionCookie::verify(const Endpoint& from, const proto::SessionId& client_sid,
                           const proto::SessionId& cookie, uint64_t now_s) noexcept {
  if (cookie == proto::SessionId{}) return false;
  const int64_t now_slot = static_cast<int64_t>(slot(now_s));
  bool valid = false;
  for (int offset = kCookieOldestSlot; offset <= kCookieNewestSlot; ++offset) {
    const int64_t s = now_slot + offset;
    if (s < 0) continue;
    proto::SessionId expected{};
    if (!compute(static_cast<uint32_t>(s), from, client_sid, expected)) continue;
    valid |= CRYPTO_memcmp(expected.data(), cookie.data(), expected.size()) == 0;
  }
  return valid;
}

}  // namespace ovpn::control
