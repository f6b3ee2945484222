#pragma once
// --tls-auth: every control packet carries an HMAC over its replay id, header and body.
//
//   wire       = op || sid || HMAC (H) || replay id (4) || time (4) || P
//   HMAC input = replay id || time || op || sid || P
//
// The HMAC key is the first H bytes of the hmac slot the key direction selects (see
// proto/static_key.h); H is the --auth digest's size.

#include <memory>

#include "crypto/control_wrap.h"
#include "crypto/hmac.h"
#include "proto/static_key.h"

namespace ovpn::crypto {

class TlsAuth final : public ControlWrap {
 public:
  // Thread: any (setup).
  static Expected<std::unique_ptr<TlsAuth>> create(Digest digest, const proto::Key2& key,
                                                   proto::KeyDirection direction);

  proto::ControlWrapMode mode() const noexcept override { return proto::ControlWrapMode::kTlsAuth; }
  size_t overhead(proto::Opcode) const noexcept override;
  Expected<size_t> wrap(const WrapHeader& header, std::span<const uint8_t> body,
                        std::span<uint8_t> out) noexcept override;
  Drop unwrap(std::span<const uint8_t> wire, std::span<uint8_t> scratch,
              UnwrappedControl& out) noexcept override;

 private:
  TlsAuth(Hmac send, Hmac receive) noexcept
      : send_(std::move(send)), receive_(std::move(receive)) {}
  Hmac send_;
  Hmac receive_;
};

}  // namespace ovpn::crypto
