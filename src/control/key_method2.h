#pragma once
// The key-method-2 message: the first TLS application data each peer sends in every key state
// (protocol reference 5.3). It carries the randoms of the legacy PRF, the OCC options string,
// the client's credentials and its peer-info.
//
//   +------------+-----------+--------------+-----------+-----------+
//   | 00000000   | method 02 | pre_master   | random1   | random2   |
//   | uint32     | uint8     | 48 (client)  | 32        | 32        |
//   +------------+-----------+--------------+-----------+-----------+
//   | options    | username  | password     | peer-info |
//   | str        | str       | str          | str       |   str = uint16 len (counting the
//   +------------+-----------+--------------+-----------+         NUL) || text || 00, or 00 00
//
// The server's form has no pre_master; its username, password and peer-info are 00 00.
// The parser is strict: every field must be present, every string must end in its only NUL,
// and nothing may follow the peer-info. Like 2.6 it also reads 00 01 00 as an empty string
// (the builder writes 00 00). Single-threaded: control.

#include <array>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <string_view>

#include "common/result.h"
#include "common/secure_wipe.h"
#include "proto/static_key.h"

namespace ovpn::control {

inline constexpr size_t kKm2PreMasterSize = 48;
inline constexpr size_t kKm2RandomSize = 32;
inline constexpr uint8_t kKeyMethod2 = 2;
inline constexpr uint8_t kKeyMethodMask = 0x0f;  // the high bits of that byte are flags
// TLS_OPTIONS_LEN: the options string's length field, NUL included, is at most this.
inline constexpr size_t kMaxOptionsSize = 512;
// USER_PASS_LEN of 2.6 (NUL included): the bound on username and password.
inline constexpr size_t kMaxUserPassSize = 4096;
// A key-method-2 message must fit in one plaintext read of the peer (TLS_CHANNEL_BUF_SIZE), and
// it travels in one record of at most 2047 bytes like every other message (5.2).
inline constexpr size_t kMaxKeyMethod2Size = 2047;

// The fixed part before the strings: 4 + 1 + (48) + 32 + 32.
inline constexpr size_t kKm2ClientFixedSize = 4 + 1 + kKm2PreMasterSize + 2 * kKm2RandomSize;
inline constexpr size_t kKm2ServerFixedSize = 4 + 1 + 2 * kKm2RandomSize;
static_assert(kKm2ClientFixedSize == 117 && kKm2ServerFixedSize == 69);

// Fills its argument with random bytes. Production passes `openssl_random`; tests pass a
// deterministic source.
using RandomSource = std::function<Status(std::span<uint8_t>)>;
// RAND_bytes. Thread: any.
Status openssl_random(std::span<uint8_t> out);

struct KeyMethod2Message {
  KeyMethod2Message() = default;
  KeyMethod2Message(const KeyMethod2Message&) = default;
  KeyMethod2Message& operator=(const KeyMethod2Message&) = default;
  KeyMethod2Message(KeyMethod2Message&&) = default;
  KeyMethod2Message& operator=(KeyMethod2Message&&) = default;
  ~KeyMethod2Message();

  proto::Role sender = proto::Role::kClient;  // the client's form carries pre_master
  uint8_t flags = 0;                          // the high 4 bits of the key-method byte
  std::array<uint8_t, kKm2PreMasterSize> pre_master{};
  std::array<uint8_t, kKm2RandomSize> random1{};
  std::array<uint8_t, kKm2RandomSize> random2{};
  std::string options;
  std::string username;   // empty = sent as 00 00
  std::string password;   // or the auth-token; wiped on destruction
  std::string peer_info;  // "K=V\n" lines; empty = 00 00
};

// Parses a key-method-2 message sent by `sender`. Thread: any.
Expected<KeyMethod2Message> parse_key_method2(std::span<const uint8_t> bytes, proto::Role sender);

// Serialises `msg` (in the form of msg.sender). Fails when a string is too long or holds a NUL,
// or the whole message would exceed kMaxKeyMethod2Size. The result holds secrets.
// Thread: any.
Expected<SecretBytes> build_key_method2(const KeyMethod2Message& msg);

// A message of `sender` with fresh randoms from `random` (pre_master only for a client).
// Thread: any.
Expected<KeyMethod2Message> make_key_method2(proto::Role sender, const RandomSource& random,
                                             std::string options, std::string username = {},
                                             std::string password = {}, std::string peer_info = {});

}  // namespace ovpn::control
