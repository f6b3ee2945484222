#pragma once
// Data-channel key material of one key state, from its two key-method-2 messages (protocol
// reference 6): the 256-byte key2 block by TLS-EKM ("EXPORTER-OpenVPN-datakeys", no context)
// or by the legacy PRF over the messages' randoms and both session ids, and the P2P peer id
// ("EXPORTER-OpenVPN-p2p-peerid", 3 bytes; 0x76706e "vpn" without EKM).

#include <cstdint>
#include <span>

#include "common/result.h"
#include "common/strong_id.h"
#include "control/key_method2.h"
#include "proto/control_packet.h"
#include "proto/static_key.h"

namespace ovpn::control {

class TlsSession;

enum class KeyDerivation : uint8_t { kLegacyPrf, kTlsEkm };

inline constexpr uint32_t kP2pPeerIdWithoutEkm = 0x76706e;

struct KeyStateSecrets {
  const KeyMethod2Message* client = nullptr;  // the client's message (with pre_master)
  const KeyMethod2Message* server = nullptr;
  proto::SessionId client_session_id{};
  proto::SessionId server_session_id{};  // the one the server used (the cookie sid, if any)
};

// key2 by the legacy PRF. Thread: any.
Expected<proto::Key2> key2_from_key_method2(const KeyStateSecrets& in);

// key2 from the 256 exported bytes. Thread: any.
Expected<proto::Key2> key2_from_ekm_bytes(std::span<const uint8_t> ekm);

// key2 by `method`, exporting from `tls` for EKM. Thread: control.
Expected<proto::Key2> derive_key2(KeyDerivation method, const KeyStateSecrets& in, TlsSession& tls);

// The P2P peer id from the 3 exported bytes (big-endian). Thread: any.
Expected<PeerId> p2p_peer_id_from_ekm_bytes(std::span<const uint8_t> ekm);
// The P2P peer id: exported when both peers do EKM and DATA_V2, 0x76706e otherwise.
// Thread: control.
Expected<PeerId> p2p_peer_id(bool both_support_ekm, TlsSession& tls);

}  // namespace ovpn::control
