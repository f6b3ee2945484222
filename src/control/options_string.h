#pragma once
// The OCC options string of the key-method-2 message (protocol reference 5.3), for example
//
//   V4,dev-type tun,link-mtu 1541,tun-mtu 1500,proto UDPv4,auth SHA1,keysize 128,key-method 2,
//   tls-client
//
// A 2.6 peer only compares it for warnings (unless --opt-verify) and reads its `cipher` for
// clients without IV_CIPHERS, so what matters is the shape, not the legacy link-mtu number.

#include <optional>
#include <string>

#include "proto/static_key.h"

namespace ovpn::control {

enum class OccProto : uint8_t { kUdp4, kUdp6, kTcp4, kTcp6 };

struct OccOptions {
  proto::Role role = proto::Role::kClient;  // ends the string with tls-client / tls-server
  std::string dev_type = "tun";
  int link_mtu = 1541;
  int tun_mtu = 1500;
  OccProto proto = OccProto::kUdp4;  // TCP prints TCPv4_CLIENT / TCPv4_SERVER by role
  bool comp_lzo = false;
  std::optional<int> keydir;          // tls-auth key-direction, when one is set
  std::optional<std::string> cipher;  // listed only when in data-ciphers (client/server mode)
  std::string auth = "SHA1";
  int keysize = 128;
  bool tls_auth = false;
};

// Thread: any.
std::string build_options_string(const OccOptions& options);

// The value of `name` in an options string ("cipher" -> "AES-256-GCM"), or nullopt. Used by a
// server for the OCC cipher of clients without IV_CIPHERS. Thread: any.
std::optional<std::string> options_string_value(const std::string& options,
                                                const std::string& name);

}  // namespace ovpn::control
