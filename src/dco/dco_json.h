#pragma once
// The DCO API as JSON, for the engine's local control socket (ovpnd --dco-only) and dcoctl:
// one JSON object per line. Key material travels only inward (key_new) and is never encoded
// back out.
//
//   peer:  {"id":1, "tx_id":2, "transport":"udp", "remote":"192.0.2.1:1194",
//           "local":"192.0.2.2", "vpn_ipv4":"10.8.0.2", "vpn_ipv6":"fd00::2",
//           "routes":["192.168.1.0/24"], "keepalive":{"interval":10, "timeout":60}}
//   key:   {"peer":1, "slot":"primary", "key_id":0, "cipher":"AES-256-GCM",
//           "encrypt":{"key":"<hex>", "nonce_tail":"<hex, 8 bytes>"}, "decrypt":{...}}
//   info:  the peer's fields, plus "local_endpoint", "keys":[{"slot","key_id","cipher"}] and
//          "stats":{"vpn_rx_bytes", ..., "drops":{"bad_tag":3, ...}}
//   engine: {"ifname":"ovpn0", "local":"192.0.2.2:1194", "threads":2,
//            "offloads":{"tun_vnet_hdr":true, "tun_tso":true, "tun_uso":true, "udp_gso":true,
//                        "udp_gro":true, "fanout":false},
//            "tun_stats":{"tso_reads", "tso_segments", "uso_reads", "uso_segments",
//                         "tcp_gso_writes", "tcp_gso_packets", "udp_gso_writes",
//                         "udp_gso_packets", "gso_refused"},
//            "fanout_stats":{"jobs", "items", "helped_items", "wakes"}}
//   event: {"seq":7, "event":"peer_deleted", "peer":1, "reason":"expired"} and
//          "key_swap_needed" / "peer_floated" / "control_packet"

#include <nlohmann/json.hpp>

#include "common/result.h"
#include "dco/dco.h"

namespace ovpn::dco {

using Json = nlohmann::json;

// Decoders report what is wrong with which field ("peer.remote: not an address:port").
Expected<PeerConfig> peer_config_from_json(const Json& j);
Expected<PeerUpdate> peer_update_from_json(const Json& j);
Expected<KeyConfig> key_config_from_json(const Json& j);
Expected<KeySlot> key_slot_from_json(const Json& j);
Expected<PeerId> peer_id_from_json(const Json& j);
// For dcoctl and tests: the engine object back (absent fields stay zero / off).
Expected<EngineInfo> engine_info_from_json(const Json& j);

Json to_json(const PeerConfig& c);
Json to_json(const PeerInfo& info);
Json to_json(const KeyInfo& key);
Json to_json(const Notification& n);
Json to_json(const EngineInfo& info);

}  // namespace ovpn::dco
