#include "crypto/legacy_prf.h"

#include <string_view>

#include "common/secure_wipe.h"
#include "crypto/kdf.h"

namespace ovpn::crypto {
namespace {

constexpr std::string_view kMasterLabel = "OpenVPN master secret";
constexpr std::string_view kExpansionLabel = "OpenVPN key expansion";
constexpr size_t kMasterSize = 48;

void append(SecretBytes& out, std::span<const uint8_t> bytes) {
  out.insert(out.end(), bytes.begin(), bytes.end());
}
void append(SecretBytes& out, std::string_view text) {
  out.insert(out.end(), text.begin(), text.end());
}

}  // namespace

Expected<proto::Key2> key2_from_legacy_prf(const LegacyPrfInputs& in) {
  if (in.pre_master.size() != kPreMasterSize || in.client_random1.size() != kKeyMethodRandomSize ||
      in.client_random2.size() != kKeyMethodRandomSize ||
      in.server_random1.size() != kKeyMethodRandomSize ||
      in.server_random2.size() != kKeyMethodRandomSize) {
    return make_error(Errc::kInvalidArgument, "legacy PRF: wrong input sizes");
  }
  SecretBytes seed;
  append(seed, kMasterLabel);
  append(seed, in.client_random1);
  append(seed, in.server_random1);
  SecretBytes master(kMasterSize);
  if (auto st = tls1_prf(in.pre_master, seed, master); !st) return forward_error(std::move(st));

  seed.clear();
  append(seed, kExpansionLabel);
  append(seed, in.client_random2);
  append(seed, in.server_random2);
  append(seed, in.client_session_id);
  append(seed, in.server_session_id);
  proto::Key2 key2;
  if (auto st = tls1_prf(master, seed, key2.mutable_bytes()); !st) {
    return forward_error(std::move(st));
  }
  return key2;
}

}  // namespace ovpn::crypto
