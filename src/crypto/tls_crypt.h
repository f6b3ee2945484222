#pragma once
// --tls-crypt (and the client-key half of --tls-crypt-v2, and dynamic tls-crypt): control
// packets are encrypted and authenticated with a pre-shared key.
//
//   wire = op || sid || replay id (4) || time (4) || tag (32) || C  [|| WKc]
//   tag  = HMAC-SHA256(Ka, op || sid || replay id || time || P)
//   C    = AES-256-CTR(Ke, IV = tag[0..16), P)
//
// Ke and Ka of each direction are the first 32 bytes of the cipher and hmac slots of the key2
// block, the server sending with keys[0] (proto::tls_crypt_direction). A tls-crypt-v2 client
// appends its wrapped client key WKc to opcodes 10 and 11; a tls-crypt-v2 server receives those
// with the WKc split off into UnwrappedControl::wkc.

#include <memory>
#include <vector>

#include "common/secure_wipe.h"
#include "crypto/aes_ctr.h"
#include "crypto/control_wrap.h"
#include "crypto/hmac.h"
#include "proto/static_key.h"

namespace ovpn::crypto {

class TlsCrypt final : public ControlWrap {
 public:
  // --tls-crypt with the key file's 256 bytes, or dynamic tls-crypt with the derived key.
  // Thread: any (setup).
  static Expected<std::unique_ptr<TlsCrypt>> create(const proto::Key2& key, proto::Role role);
  // --tls-crypt-v2 with the client key Kc. A client passes its WKc, which it appends to
  // opcodes 10 and 11; a server passes none.
  static Expected<std::unique_ptr<TlsCrypt>> create_v2(const proto::Key2& kc, proto::Role role,
                                                       std::span<const uint8_t> wkc);

  proto::ControlWrapMode mode() const noexcept override { return mode_; }
  size_t overhead(proto::Opcode op) const noexcept override;
  Expected<size_t> wrap(const WrapHeader& header, std::span<const uint8_t> body,
                        std::span<uint8_t> out) noexcept override;
  Drop unwrap(std::span<const uint8_t> wire, std::span<uint8_t> scratch,
              UnwrappedControl& out) noexcept override;

 private:
  struct Direction {
    AesCtr cipher;
    Hmac hmac;
  };
  TlsCrypt(proto::ControlWrapMode mode, Direction send, Direction receive,
           std::span<const uint8_t> wkc);
  static Expected<std::unique_ptr<TlsCrypt>> make(proto::ControlWrapMode mode,
                                                  const proto::Key2& key, proto::Role role,
                                                  std::span<const uint8_t> wkc);

  proto::ControlWrapMode mode_;
  Direction send_;
  Direction receive_;
  std::vector<uint8_t> wkc_;  // public: it travels in the clear
};

// Dynamic tls-crypt (2.6+): the key for renegotiations is the original tls-crypt (or
// tls-crypt-v2 client) key XOR the 256-byte TLS-EKM output of label kEkmDynamicTlsCrypt.
proto::Key2 dynamic_tls_crypt_key(const proto::Key2& original,
                                  std::span<const uint8_t, proto::kKey2Size> ekm) noexcept;

}  // namespace ovpn::crypto
