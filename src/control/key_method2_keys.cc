// Key material of a key state from its key-method-2 messages (see key_method2_keys.h).

#include "control/key_method2_keys.h"

#include "control/tls_session.h"
#include "crypto/ekm.h"
#include "crypto/legacy_prf.h"

namespace ovpn::control {

Expected<proto::Key2> key2_from_key_method2(const KeyStateSecrets& in) {
  if (in.client == nullptr || in.server == nullptr) {
    return make_error(Errc::kInvalidArgument, "legacy PRF needs both key-method-2 messages");
  }
  if (in.client->sender != proto::Role::kClient || in.server->sender != proto::Role::kServer) {
    return make_error(Errc::kInvalidArgument, "legacy PRF: messages of the wrong roles");
  }
  const crypto::LegacyPrfInputs prf{in.client->pre_master, in.client->random1, in.client->random2,
                                    in.server->random1,    in.server->random2, in.client_session_id,
                                    in.server_session_id};
  return crypto::key2_from_legacy_prf(prf);
}

Expected<proto::Key2> key2_from_ekm_bytes(std::span<const uint8_t> ekm) {
  if (ekm.size() != proto::kKey2Size) {
    return make_error(Errc::kInvalidArgument,
                      "EKM key material of " + std::to_string(ekm.size()) + " bytes, not 256");
  }
  return proto::Key2(ekm.first<proto::kKey2Size>());
}

Expected<proto::Key2> derive_key2(KeyDerivation method, const KeyStateSecrets& in,
                                  TlsSession& tls) {
  if (method == KeyDerivation::kLegacyPrf) return key2_from_key_method2(in);
  auto ekm = tls.export_keying_material(crypto::kEkmDataKeys, proto::kKey2Size);
  if (!ekm) return forward_error(std::move(ekm));
  return key2_from_ekm_bytes(*ekm);
}

Expected<PeerId> p2p_peer_id_from_ekm_bytes(std::span<const uint8_t> ekm) {
  if (ekm.size() != 3) {
    return make_error(Errc::kInvalidArgument, "p2p peer-id exporter gives 3 bytes");
  }
  const uint32_t v = (uint32_t{ekm[0]} << 16) | (uint32_t{ekm[1]} << 8) | ekm[2];
  const auto id = PeerId::make(v);
  if (!id) return make_error(Errc::kExhausted, "exported p2p peer id is the reserved 0xffffff");
  return *id;
}

Expected<PeerId> p2p_peer_id(bool both_support_ekm, TlsSession& tls) {
  if (!both_support_ekm) return *PeerId::make(kP2pPeerIdWithoutEkm);
  auto ekm = tls.export_keying_material(crypto::kEkmP2pPeerId, 3);
  if (!ekm) return forward_error(std::move(ekm));
  return p2p_peer_id_from_ekm_bytes(*ekm);
}

}  // namespace ovpn::control
