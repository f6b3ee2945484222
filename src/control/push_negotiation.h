#pragma once
// The client side of data-channel negotiation (protocol reference 6.2, 8.3): from the options
// a server pushed and the client's data-ciphers, the cipher the data channel uses and whether
// its keys come from TLS-EKM or the legacy PRF.

#include <optional>
#include <string>
#include <vector>

#include "common/result.h"
#include "config/pushed_options.h"
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

}  // namespace ovpn::control
