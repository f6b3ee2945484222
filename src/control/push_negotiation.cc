// NCP: the server's choice of cipher, and the client's check of what was pushed.

#include "control/push_negotiation.h"

#include <algorithm>
#include <cctype>
#include <string_view>

#include "control/options_string.h"

namespace ovpn::control {
namespace {

bool same_name(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

Expected<crypto::CipherAlg> usable_cipher(const std::string& name) {
  // cipher_from_name() wants the canonical spelling; try it, then the upper-case form.
  if (auto alg = crypto::cipher_from_name(name)) return *alg;
  std::string upper = name;
  for (auto& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  if (auto alg = crypto::cipher_from_name(upper)) return *alg;
  return make_error(Errc::kUnsupported, "cipher " + name + " is not supported by the data channel");
}

}  // namespace

Expected<DataChannelChoice> negotiate_data_channel(const config::PushedOptions& pushed,
                                                   const std::vector<std::string>& data_ciphers,
                                                   const std::optional<std::string>& fallback) {
  std::string name;
  if (pushed.cipher) {
    const bool listed =
        std::any_of(data_ciphers.begin(), data_ciphers.end(),
                    [&](const std::string& c) { return same_name(c, *pushed.cipher); }) ||
        (fallback && same_name(*fallback, *pushed.cipher));
    if (!listed) {
      return make_error(Errc::kUnsupported, "server pushed cipher " + *pushed.cipher +
                                                " which is not in data-ciphers: failing the "
                                                "connection (NCP)");
    }
    name = *pushed.cipher;
  } else if (fallback) {
    name = *fallback;
  } else {
    return make_error(Errc::kUnsupported,
                      "server pushed no cipher and data-ciphers-fallback is not set: no usable "
                      "data channel cipher (NCP)");
  }
  auto alg = usable_cipher(name);
  if (!alg) return forward_error(std::move(alg));
  return DataChannelChoice{*alg, pushed.protocol_flags.tls_ekm};
}

Expected<DataChannelChoice> choose_data_channel(const PeerInfo& client,
                                                const std::string& client_options,
                                                const std::vector<std::string>& data_ciphers,
                                                const std::optional<std::string>& fallback) {
  const bool ekm = client.has_proto(iv_proto::kTlsKeyExport);
  const auto offered = client.ciphers();
  for (const std::string& ours : data_ciphers) {
    const bool shared = std::any_of(offered.begin(), offered.end(),
                                    [&](const std::string& c) { return same_name(c, ours); });
    if (!shared) continue;
    if (auto alg = usable_cipher(ours)) return DataChannelChoice{*alg, ekm};
  }
  // A client without NCP: the cipher of its options string, when we have it.
  if (const auto occ = options_string_value(client_options, "cipher")) {
    const bool ours = std::any_of(data_ciphers.begin(), data_ciphers.end(),
                                  [&](const std::string& c) { return same_name(c, *occ); });
    if (ours) {
      if (auto alg = usable_cipher(*occ)) return DataChannelChoice{*alg, ekm};
    }
  }
  if (fallback) {
    auto alg = usable_cipher(*fallback);
    if (!alg) return forward_error(std::move(alg));
    return DataChannelChoice{*alg, ekm};
  }
  return make_error(Errc::kUnsupported,
                    "Data channel cipher negotiation failed (no shared cipher)");
}

}  // namespace ovpn::control
