// Client-side NCP: checks the pushed cipher against data-ciphers, picks the key derivation.

#include "control/push_negotiation.h"

#include <algorithm>
#include <cctype>
#include <string_view>

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

}  // namespace ovpn::control
