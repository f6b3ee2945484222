// Fuzz target: the key-method-2 message parser (control/key_method2.h) and what reads its
// strings: the peer-info parser and the options-string lookup.
//
// Input: one byte whose bit 0 says who sent the message (0 client, 1 server), then the message.
//
// Invariants:
//   * a message that parses has every string within its bound, without a NUL;
//   * it rebuilds (unless longer than one record, 2047 bytes, which the builder refuses) to
//     bytes that parse to the same fields; to exactly the input bytes unless the input wrote an
//     empty string as 00 01 00 (accepted, as 2.6 does) where the builder writes 00 00;
//   * peer-info entries have non-empty names without '=' or '\n'.

#include <string>

#include "control/key_method2.h"
#include "control/options_string.h"
#include "control/peer_info.h"
#include "fuzz_target.h"

namespace control = ovpn::control;

OVPN_FUZZ_TARGET(key_method2_parse) {
  if (size == 0) return 0;
  const auto sender = (data[0] & 1) == 0 ? ovpn::proto::Role::kClient : ovpn::proto::Role::kServer;
  const std::span<const uint8_t> message(data + 1, size - 1);
  auto parsed = control::parse_key_method2(message, sender);
  if (!parsed) {
    FUZZ_CHECK(!parsed.error().message.empty());
    return 0;
  }
  FUZZ_REACHED(sender == ovpn::proto::Role::kClient ? "key_method2_parse/client"
                                                    : "key_method2_parse/server");
  FUZZ_CHECK(!parsed->options.empty() && parsed->options.size() < control::kMaxOptionsSize);
  FUZZ_CHECK(parsed->username.size() < control::kMaxUserPassSize);
  FUZZ_CHECK(parsed->password.size() < control::kMaxUserPassSize);
  for (const std::string* s :
       {&parsed->options, &parsed->username, &parsed->password, &parsed->peer_info}) {
    FUZZ_CHECK(s->find('\0') == std::string::npos);
  }
  auto built = control::build_key_method2(*parsed);
  if (message.size() <= control::kMaxKeyMethod2Size) {
    FUZZ_CHECK(built.has_value());
    FUZZ_CHECK(built->size() <= message.size());
    if (built->size() == message.size()) FUZZ_CHECK(ovpn::fuzz::same_bytes(*built, message));
    auto again = control::parse_key_method2(*built, sender);
    FUZZ_CHECK(again.has_value());
    FUZZ_CHECK(again->flags == parsed->flags && again->pre_master == parsed->pre_master &&
               again->random1 == parsed->random1 && again->random2 == parsed->random2);
    FUZZ_CHECK(again->options == parsed->options && again->username == parsed->username &&
               again->password == parsed->password && again->peer_info == parsed->peer_info);
  } else {
    FUZZ_CHECK(!built.has_value());
  }
  const auto info = control::PeerInfo::parse(parsed->peer_info);
  for (const auto& [name, value] : info.entries()) {
    FUZZ_CHECK(!name.empty() && name.find('=') == std::string::npos);
    FUZZ_CHECK(name.find('\n') == std::string::npos && value.find('\n') == std::string::npos);
  }
  static_cast<void>(info.proto_bits());
  static_cast<void>(info.ciphers());
  static_cast<void>(control::options_string_value(parsed->options, "cipher"));
  return 0;
}
