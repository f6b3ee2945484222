#pragma once
// OpenVPN's legacy key derivation (key-method 2 without TLS-EKM): the TLS 1.0 PRF over the
// random values both sides sent in their key-method-2 messages.
//
//   master = PRF(pre_master, "OpenVPN master secret" || c_random1 || s_random1, 48)
//   key2   = PRF(master, "OpenVPN key expansion" || c_random2 || s_random2 ||
//                client session id || server session id, 256)

#include <cstdint>
#include <span>

#include "common/result.h"
#include "proto/control_packet.h"
#include "proto/static_key.h"

namespace ovpn::crypto {

inline constexpr size_t kPreMasterSize = 48;
inline constexpr size_t kKeyMethodRandomSize = 32;

struct LegacyPrfInputs {
  std::span<const uint8_t> pre_master;  // from the client, 48 bytes
  std::span<const uint8_t> client_random1;
  std::span<const uint8_t> client_random2;
  std::span<const uint8_t> server_random1;
  std::span<const uint8_t> server_random2;
  proto::SessionId client_session_id{};
  proto::SessionId server_session_id{};
};

// Thread: any.
Expected<proto::Key2> key2_from_legacy_prf(const LegacyPrfInputs& in);

}  // namespace ovpn::crypto
