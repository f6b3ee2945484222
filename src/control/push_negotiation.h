#pragma once
// Data-channel negotiation (protocol reference 6.2, 8.3), both sides: the server chooses the
// cipher from the client's peer-info and pushes it; the client checks what was pushed against
// its data-ciphers. Either way: the cipher, and whether the keys come from TLS-EKM or the PRF.

#include <optional>
#include <string>
#include <vector>

#include "common/result.h"
#include "config/pushed_options.h"
#include "control/peer_info.h"
#include "crypto/cipher_alg.h"

namespace ovpn::control {

struct DataChannelChoice {
  crypto::CipherAlg cipher = crypto::CipherAlg::kAes256Gcm;
  bool use_ekm = false;  // pushed `key-derivation tls-ekm` or `protocol-flags ... tls-ekm`
};

// A pushed `cipher` must be in `data_ciphers` or equal `fallback`; without one, `fallback` is
// used. Otherwise kUnsupported with the reason OpenVPN would log. Names compare without case.
// Thread: any.
Expected<DataChannelChoice> negotiate_data_channel(const config::PushedOptions& pushed,
                                                   const std::vector<std::string>& data_ciphers,
                                                   const std::optional<std::string>& fallback);

// The server's choice, as 2.6 makes it: the first of our data-ciphers the client lists in
// IV_CIPHERS (IV_NCP=2 meaning both AES-GCMs); else the client's OCC `cipher` when it is one of
// ours; else `fallback`. kUnsupported ("no shared cipher") otherwise. EKM when the client's
// IV_PROTO has TLS-EKM. Thread: any.
Expected<DataChannelChoice> choose_data_channel(const PeerInfo& client,
                                                const std::string& client_options,
                                                const std::vector<std::string>& data_ciphers,
                                                const std::optional<std::string>& fallback);

}  // namespace ovpn::control
