#include "dco/dco_json.h"

#include <limits>
#include <type_traits>
#include <utility>

#include "common/hex.h"

namespace ovpn::dco {
namespace {

Unexpected<Error> bad(const std::string& field, const std::string& why) {
  return make_error(Errc::kInvalidArgument, field + ": " + why);
}

// Each getter: absent or null -> nullopt, wrong type or range -> error. Types are checked
// before reading, so the JSON library never throws.
template <class T>
Expected<std::optional<T>> get(const Json& j, const char* field) {
  if (!j.is_object()) return bad(field, "not in an object");
  auto it = j.find(field);
  if (it == j.end() || it->is_null()) return std::optional<T>{};
  if constexpr (std::is_same_v<T, std::string>) {
    if (!it->is_string()) return bad(field, "not a string");
    return std::optional<T>(it->template get_ref<const std::string&>());
  } else if constexpr (std::is_same_v<T, bool>) {
    if (!it->is_boolean()) return bad(field, "not true or false");
    return std::optional<T>(it->template get<bool>());
  } else {
    static_assert(std::is_unsigned_v<T>);
    // Compared as uint64_t or int64_t, by how the number is stored: the library's own mixed
    // comparison reads an unsigned above 2^63 as negative (a 64-bit counter can be there).
    uint64_t v = 0;
    if (it->is_number_unsigned()) {
      v = it->template get<uint64_t>();
    } else if (it->is_number_integer() && it->template get<int64_t>() >= 0) {
      v = static_cast<uint64_t>(it->template get<int64_t>());
    } else {
      return bad(field, "not an integer in range");
    }
    if (v > std::numeric_limits<T>::max()) return bad(field, "not an integer in range");
    return std::optional<T>(static_cast<T>(v));
  }
}

Expected<std::optional<PeerId>> get_peer_id(const Json& j, const char* field) {
  auto v = get<uint32_t>(j, field);
  if (!v) return forward_error(std::move(v));
  if (!*v) return std::optional<PeerId>{};
  auto id = PeerId::make(**v);
  if (!id) return bad(field, "peer ids are 0..16777214");
  return std::optional<PeerId>(*id);
}

template <class T, class Parse>
Expected<std::optional<T>> get_parsed(const Json& j, const char* field, Parse parse,
                                      const char* what) {
  auto s = get<std::string>(j, field);
  if (!s) return forward_error(std::move(s));
  if (!*s) return std::optional<T>{};
  auto v = parse(**s);
  if (!v) return bad(field, std::string("not ") + what);
  return std::optional<T>(*v);
}

Expected<std::optional<IpAddress>> get_address(const Json& j, const char* field) {
  return get_parsed<IpAddress>(j, field, IpAddress::parse, "an IP address");
}

Expected<std::optional<Endpoint>> get_endpoint(const Json& j, const char* field) {
  return get_parsed<Endpoint>(j, field, Endpoint::parse, "an address:port");
}

Expected<std::optional<std::vector<IpPrefix>>> get_routes(const Json& j) {
  auto it = j.find("routes");
  if (it == j.end() || it->is_null()) return std::optional<std::vector<IpPrefix>>{};
  if (!it->is_array()) return bad("routes", "not an array");
  std::vector<IpPrefix> out;
  for (const auto& r : *it) {
    if (!r.is_string()) return bad("routes", "not a prefix");
    auto p = IpPrefix::parse(r.get<std::string>());
    if (!p) return bad("routes", "not a prefix: " + r.get<std::string>());
    out.push_back(*p);
  }
  return std::optional<std::vector<IpPrefix>>(std::move(out));
}

Expected<std::optional<Keepalive>> get_keepalive(const Json& j) {
  auto it = j.find("keepalive");
  if (it == j.end() || it->is_null()) return std::optional<Keepalive>{};
  auto interval = get<uint32_t>(*it, "interval");
  auto timeout = get<uint32_t>(*it, "timeout");
  if (!interval) return forward_error(std::move(interval));
  if (!timeout) return forward_error(std::move(timeout));
  return std::optional<Keepalive>(Keepalive{interval->value_or(0), timeout->value_or(0)});
}

Expected<KeyMaterial> get_material(const Json& j, const char* field) {
  auto it = j.find(field);
  if (it == j.end() || !it->is_object()) return bad(field, "missing");
  auto key = get<std::string>(*it, "key");
  auto tail = get<std::string>(*it, "nonce_tail");
  if (!key || !*key) return bad(std::string(field) + ".key", "missing");
  if (!tail || !*tail) return bad(std::string(field) + ".nonce_tail", "missing");
  auto key_bytes = from_hex(**key);
  auto tail_bytes = from_hex(**tail);
  if (!key_bytes) return bad(std::string(field) + ".key", "not hex");
  if (!tail_bytes || tail_bytes->size() != 8) {
    return bad(std::string(field) + ".nonce_tail", "not 8 bytes of hex");
  }
  KeyMaterial m;
  m.cipher_key.assign(key_bytes->begin(), key_bytes->end());
  secure_wipe(key_bytes->data(), key_bytes->size());
  std::copy(tail_bytes->begin(), tail_bytes->end(), m.nonce_tail.begin());
  secure_wipe(tail_bytes->data(), tail_bytes->size());
  return m;
}

// The engine object's fields, one table per part, read and written by the same names.
constexpr std::pair<const char*, bool OffloadState::*> kOffloadFields[] = {
    {"tun_vnet_hdr", &OffloadState::tun_vnet_hdr}, {"tun_tso", &OffloadState::tun_tso},
    {"tun_uso", &OffloadState::tun_uso},           {"udp_gso", &OffloadState::udp_gso},
    {"udp_gro", &OffloadState::udp_gro},           {"fanout", &OffloadState::fanout},
};
constexpr std::pair<const char*, uint64_t TunOffloadCounters::*> kTunStatsFields[] = {
    {"tso_reads", &TunOffloadCounters::tso_reads},
    {"tso_segments", &TunOffloadCounters::tso_segments},
    {"uso_reads", &TunOffloadCounters::uso_reads},
    {"uso_segments", &TunOffloadCounters::uso_segments},
    {"tcp_gso_writes", &TunOffloadCounters::tcp_gso_writes},
    {"tcp_gso_packets", &TunOffloadCounters::tcp_gso_packets},
    {"udp_gso_writes", &TunOffloadCounters::udp_gso_writes},
    {"udp_gso_packets", &TunOffloadCounters::udp_gso_packets},
    {"gso_refused", &TunOffloadCounters::gso_refused},
};
constexpr std::pair<const char*, uint64_t FanoutCounters::*> kFanoutStatsFields[] = {
    {"jobs", &FanoutCounters::jobs},
    {"items", &FanoutCounters::items},
    {"helped_items", &FanoutCounters::helped_items},
    {"wakes", &FanoutCounters::wakes},
};

template <class S, class T, size_t N>
Json fields_to_json(const S& s, const std::pair<const char*, T S::*> (&fields)[N]) {
  Json j = Json::object();
  for (const auto& [name, member] : fields) j[name] = s.*member;
  return j;
}

// Reads the object `part` of `j` (absent: all zero) into `out`; errors name "part.field".
template <class S, class T, size_t N>
Status fields_from_json(const Json& j, const char* part, S& out,
                        const std::pair<const char*, T S::*> (&fields)[N]) {
  auto it = j.find(part);
  if (it == j.end() || it->is_null()) return {};
  if (!it->is_object()) return bad(part, "not an object");
  for (const auto& [name, member] : fields) {
    Expected<std::optional<T>> v = get<T>(*it, name);
    if (!v) return make_error(Errc::kInvalidArgument, std::string(part) + "." + v.error().message);
    if (*v) out.*member = **v;
  }
  return {};
}

// Unwraps an Expected<optional<T>> into `out`, or returns its error from the caller.
#define OVPN_TRY_FIELD(out, expr)                           \
  do {                                                      \
    auto result_ = (expr);                                  \
    if (!result_) return forward_error(std::move(result_)); \
    out = std::move(*result_);                              \
  } while (0)

}  // namespace

Expected<PeerId> peer_id_from_json(const Json& j) {
  std::optional<PeerId> id;
  OVPN_TRY_FIELD(id, get_peer_id(j, "id"));
  if (!id) return bad("id", "missing");
  return *id;
}

Expected<EngineInfo> engine_info_from_json(const Json& j) {
  if (!j.is_object()) return bad("engine", "not an object");
  EngineInfo info;
  std::optional<std::string> ifname;
  OVPN_TRY_FIELD(ifname, get<std::string>(j, "ifname"));
  info.ifname = ifname.value_or("");
  OVPN_TRY_FIELD(info.local, get_endpoint(j, "local"));
  std::optional<uint32_t> threads;
  OVPN_TRY_FIELD(threads, get<uint32_t>(j, "threads"));
  info.threads = threads.value_or(0);
  std::optional<uint32_t> tx_queue_len;
  OVPN_TRY_FIELD(tx_queue_len, get<uint32_t>(j, "tun_tx_queue_len"));
  info.tun_tx_queue_len = tx_queue_len.value_or(0);
  if (auto st = fields_from_json(j, "offloads", info.offloads, kOffloadFields); !st) {
    return forward_error(std::move(st));
  }
  if (auto st = fields_from_json(j, "tun_stats", info.tun, kTunStatsFields); !st) {
    return forward_error(std::move(st));
  }
  if (auto st = fields_from_json(j, "fanout_stats", info.fanout, kFanoutStatsFields); !st) {
    return forward_error(std::move(st));
  }
  return info;
}

Expected<PeerConfig> peer_config_from_json(const Json& j) {
  PeerConfig c;
  std::optional<PeerId> id;
  OVPN_TRY_FIELD(id, get_peer_id(j, "id"));
  if (!id) return bad("id", "missing");
  c.id = *id;
  OVPN_TRY_FIELD(c.tx_id, get_peer_id(j, "tx_id"));
  std::optional<std::string> transport;
  OVPN_TRY_FIELD(transport, get<std::string>(j, "transport"));
  if (transport && *transport == "tcp") {
    c.transport = Transport::kTcp;
  } else if (transport && *transport != "udp") {
    return bad("transport", "udp or tcp");
  }
  OVPN_TRY_FIELD(c.remote, get_endpoint(j, "remote"));
  OVPN_TRY_FIELD(c.local, get_address(j, "local"));
  OVPN_TRY_FIELD(c.vpn_ipv4, get_address(j, "vpn_ipv4"));
  OVPN_TRY_FIELD(c.vpn_ipv6, get_address(j, "vpn_ipv6"));
  std::optional<std::vector<IpPrefix>> routes;
  OVPN_TRY_FIELD(routes, get_routes(j));
  if (routes) c.routes = std::move(*routes);
  std::optional<Keepalive> keepalive;
  OVPN_TRY_FIELD(keepalive, get_keepalive(j));
  if (keepalive) c.keepalive = *keepalive;
  return c;
}

Expected<PeerUpdate> peer_update_from_json(const Json& j) {
  PeerUpdate u;
  std::optional<PeerId> id;
  OVPN_TRY_FIELD(id, get_peer_id(j, "id"));
  if (!id) return bad("id", "missing");
  u.id = *id;
  OVPN_TRY_FIELD(u.remote, get_endpoint(j, "remote"));
  OVPN_TRY_FIELD(u.local, get_address(j, "local"));
  OVPN_TRY_FIELD(u.vpn_ipv4, get_address(j, "vpn_ipv4"));
  OVPN_TRY_FIELD(u.vpn_ipv6, get_address(j, "vpn_ipv6"));
  OVPN_TRY_FIELD(u.routes, get_routes(j));
  OVPN_TRY_FIELD(u.keepalive, get_keepalive(j));
  return u;
}

Expected<KeySlot> key_slot_from_json(const Json& j) {
  std::optional<std::string> slot;
  OVPN_TRY_FIELD(slot, get<std::string>(j, "slot"));
  if (!slot || *slot == "primary") return KeySlot::kPrimary;
  if (*slot == "secondary") return KeySlot::kSecondary;
  return bad("slot", "primary or secondary");
}

Expected<KeyConfig> key_config_from_json(const Json& j) {
  KeyConfig k;
  std::optional<PeerId> peer;
  OVPN_TRY_FIELD(peer, get_peer_id(j, "peer"));
  if (!peer) return bad("peer", "missing");
  k.peer = *peer;
  OVPN_TRY_FIELD(k.slot, key_slot_from_json(j));
  std::optional<unsigned> key_id;
  OVPN_TRY_FIELD(key_id, get<unsigned>(j, "key_id"));
  auto id = KeyId::make(key_id.value_or(0));
  if (!id) return bad("key_id", "0..7");
  k.key_id = *id;
  std::optional<std::string> cipher;
  OVPN_TRY_FIELD(cipher, get<std::string>(j, "cipher"));
  auto alg = crypto::cipher_from_name(cipher.value_or("AES-256-GCM"));
  if (!alg) return bad("cipher", "AES-128-GCM, AES-192-GCM, AES-256-GCM or CHACHA20-POLY1305");
  k.alg = *alg;
  OVPN_TRY_FIELD(k.encrypt, get_material(j, "encrypt"));
  OVPN_TRY_FIELD(k.decrypt, get_material(j, "decrypt"));
  return k;
}

Json to_json(const PeerConfig& c) {
  Json j;
  j["id"] = c.id.value();
  if (c.tx_id) j["tx_id"] = c.tx_id->value();
  j["transport"] = c.transport == Transport::kUdp ? "udp" : "tcp";
  if (c.remote) j["remote"] = c.remote->to_string();
  if (c.local) j["local"] = c.local->to_string();
  if (c.vpn_ipv4) j["vpn_ipv4"] = c.vpn_ipv4->to_string();
  if (c.vpn_ipv6) j["vpn_ipv6"] = c.vpn_ipv6->to_string();
  Json routes = Json::array();
  for (const auto& r : c.routes) routes.push_back(r.to_string());
  j["routes"] = routes;
  j["keepalive"] = {{"interval", c.keepalive.interval_s}, {"timeout", c.keepalive.timeout_s}};
  return j;
}

Json to_json(const KeyInfo& key) {
  return {{"slot", key_slot_name(key.slot)},
          {"key_id", key.key_id.value()},
          {"cipher", crypto::cipher_name(key.alg)}};
}

Json to_json(const PeerInfo& info) {
  Json j = to_json(info.config);
  if (info.local_endpoint) j["local_endpoint"] = info.local_endpoint->to_string();
  Json keys = Json::array();
  for (const auto& k : info.keys) keys.push_back(to_json(k));
  j["keys"] = keys;
  const PeerStats& s = info.stats;
  Json drops = Json::object();
  for (size_t i = 1; i < kDropReasonCount; ++i) {
    drops[drop_name(static_cast<Drop>(i))] = s.drops[i];
  }
  j["stats"] = {{"vpn_rx_bytes", s.vpn_rx.bytes},
                {"vpn_rx_packets", s.vpn_rx.packets},
                {"vpn_tx_bytes", s.vpn_tx.bytes},
                {"vpn_tx_packets", s.vpn_tx.packets},
                {"link_rx_bytes", s.link_rx.bytes},
                {"link_rx_packets", s.link_rx.packets},
                {"link_tx_bytes", s.link_tx.bytes},
                {"link_tx_packets", s.link_tx.packets},
                {"last_rx_ms", s.last_rx_ms},
                {"last_tx_ms", s.last_tx_ms},
                {"drops", drops}};
  return j;
}

Json to_json(const EngineInfo& info) {
  Json j{{"ifname", info.ifname},
         {"threads", info.threads},
         {"tun_tx_queue_len", info.tun_tx_queue_len}};
  if (info.local) j["local"] = info.local->to_string();
  j["offloads"] = fields_to_json(info.offloads, kOffloadFields);
  j["tun_stats"] = fields_to_json(info.tun, kTunStatsFields);
  j["fanout_stats"] = fields_to_json(info.fanout, kFanoutStatsFields);
  return j;
}

Json to_json(const Notification& n) {
  Json j{{"seq", n.seq}};
  std::visit(
      [&j](const auto& e) {
        using T = std::decay_t<decltype(e)>;
        if constexpr (std::is_same_v<T, PeerDeleted>) {
          j["event"] = "peer_deleted";
          j["peer"] = e.peer.value();
          j["reason"] = delete_reason_name(e.reason);
        } else if constexpr (std::is_same_v<T, KeySwapNeeded>) {
          j["event"] = "key_swap_needed";
          j["peer"] = e.peer.value();
          j["key_id"] = e.key_id.value();
        } else if constexpr (std::is_same_v<T, PeerFloated>) {
          j["event"] = "peer_floated";
          j["peer"] = e.peer.value();
          j["remote"] = e.remote.to_string();
        } else {
          j["event"] = "control_packet";
          if (e.peer) j["peer"] = e.peer->value();
          j["transport"] = e.transport == Transport::kUdp ? "udp" : "tcp";
          j["remote"] = e.remote.to_string();
          j["local"] = e.local.to_string();
          j["bytes"] = to_hex(e.bytes);
        }
      },
      n.event);
  return j;
}

}  // namespace ovpn::dco
