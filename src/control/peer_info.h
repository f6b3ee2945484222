#pragma once
// Peer-info: the "K=V\n" lines a client sends in its key-method-2 message (protocol reference
// 5.4), built by the client and read by the server.
//
// IV_PROTO announces features, and a 2.6 server acts on every bit it sees (bit 9 commits us to
// dynamic tls-crypt, bit 3 to EKM), so the builder sets only the bits this implementation
// handles: DATA_V2, REQUEST_PUSH (pull), TLS_KEY_EXPORT, CC_EXIT_NOTIFY always; NCP_P2P in P2P
// mode; AUTH_PENDING_KW, AUTH_FAIL_TEMP and DYN_TLS_CRYPT only when the caller says so. Bit 0 is
// never set.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/result.h"

namespace ovpn::control {

namespace iv_proto {
inline constexpr uint32_t kDataV2 = 1u << 1;
inline constexpr uint32_t kRequestPush = 1u << 2;
inline constexpr uint32_t kTlsKeyExport = 1u << 3;
inline constexpr uint32_t kAuthPendingKw = 1u << 4;
inline constexpr uint32_t kNcpP2p = 1u << 5;
inline constexpr uint32_t kDnsOption = 1u << 6;
inline constexpr uint32_t kCcExitNotify = 1u << 7;
inline constexpr uint32_t kAuthFailTemp = 1u << 8;
inline constexpr uint32_t kDynTlsCrypt = 1u << 9;
inline constexpr uint32_t kDataEpoch = 1u << 10;
inline constexpr uint32_t kDnsOptionV2 = 1u << 11;
inline constexpr uint32_t kPushUpdate = 1u << 12;
}  // namespace iv_proto

struct PeerInfoParams {
  std::string version;  // IV_VER: our version
  bool pull = true;     // client/server mode; false = P2P (only IV_CIPHERS and IV_PROTO)
  std::string platform = "linux";
  std::optional<int> mtu = 1600;  // IV_MTU: the largest tun-mtu we accept from a push
  // data-ciphers in preference order (IV_CIPHERS); IV_NCP=2 when it holds both AES-GCMs.
  std::vector<std::string> data_ciphers = {"AES-256-GCM", "AES-128-GCM", "CHACHA20-POLY1305"};
  // The IV_PROTO bits that depend on what the caller handles.
  bool auth_pending_kw = false;
  bool auth_fail_temp = false;
  bool dyn_tls_crypt = false;
  // Pass-through lines, appended in this order: IV_GUI_VER, IV_SSO, then the UV_ pairs
  // (name without "UV_" is fine; the prefix is added when missing).
  std::optional<std::string> gui_version;
  std::optional<std::string> sso;
  std::vector<std::pair<std::string, std::string>> user_values;
};

// The IV_PROTO value `params` announces. Thread: any.
uint32_t peer_info_proto_bits(const PeerInfoParams& params) noexcept;

// The peer-info text, every line ending in '\n'. Fails when a value holds '\n', a NUL or a
// non-printable byte, or a name is not of the form [A-Za-z0-9_]+. Thread: any.
Expected<std::string> build_peer_info(const PeerInfoParams& params);

// The server's view of a client's peer-info. Bounded by the key-method-2 message it came in.
// Immutable after parse; Thread: any.
class PeerInfo {
 public:
  // Lines without '=' are skipped; a later duplicate of a name is ignored (first wins).
  // Thread: any.
  static PeerInfo parse(std::string_view text);

  std::optional<std::string_view> get(std::string_view name) const;
  // IV_PROTO as a number; 0 when absent or not a decimal number.
  uint32_t proto_bits() const;
  bool has_proto(uint32_t bit) const { return (proto_bits() & bit) == bit; }
  // IV_CIPHERS split at ':'; when absent, IV_NCP >= 2 stands for AES-256-GCM:AES-128-GCM
  // (protocol reference 8.3); otherwise empty.
  std::vector<std::string> ciphers() const;
  const std::vector<std::pair<std::string, std::string>>& entries() const { return entries_; }

 private:
  std::vector<std::pair<std::string, std::string>> entries_;
};

}  // namespace ovpn::control
