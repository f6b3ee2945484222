#pragma once
// Longest-prefix match from an inner destination address to a value (a peer), for IPv4 and
// IPv6. A peer's VPN addresses are host prefixes (/32, /128) and its iroutes are ordinary
// entries, so "which peer gets this packet" is one lookup.
//
// Built once (by the control thread), then read-only: lookups from every shard need no lock.
// One hash map per prefix length in use; a lookup tries the lengths present, longest first,
// typically two or three (hosts plus a few subnets).

#include <algorithm>
#include <cstdint>
#include <functional>
#include <optional>
#include <unordered_map>
#include <vector>

#include "common/ip_address.h"

namespace ovpn::engine {

template <class V>
class RouteTable {
 public:
  // Adds or replaces the route for `prefix`.
  void insert(const IpPrefix& prefix, V value) {
    auto& lengths = prefix.address.is_v4() ? lengths_v4_ : lengths_v6_;
    auto& maps = prefix.address.is_v4() ? by_length_v4_ : by_length_v6_;
    if (maps.empty()) maps.resize(prefix.address.is_v4() ? 33 : 129);
    auto& map = maps[prefix.length];
    if (map.empty()) {
      lengths.push_back(prefix.length);
      std::sort(lengths.begin(), lengths.end(), std::greater<>());
    }
    map[key(prefix.address)] = std::move(value);
  }

  // The value of the longest prefix containing `address`.
  const V* lookup(const IpAddress& address) const noexcept {
    const auto& lengths = address.is_v4() ? lengths_v4_ : lengths_v6_;
    const auto& maps = address.is_v4() ? by_length_v4_ : by_length_v6_;
    for (uint8_t length : lengths) {
      const auto masked = IpPrefix::make(address, length);
      auto it = maps[length].find(key(masked->address));
      if (it != maps[length].end()) return &it->second;
    }
    return nullptr;
  }

  bool empty() const noexcept { return lengths_v4_.empty() && lengths_v6_.empty(); }

 private:
  // The 16 address bytes as two words.
  struct Key {
    uint64_t hi = 0;
    uint64_t lo = 0;
    bool operator==(const Key&) const = default;
  };
  struct KeyHash {
    size_t operator()(const Key& k) const noexcept {
      return static_cast<size_t>((k.hi * 0x9e3779b97f4a7c15ULL) ^ (k.lo + (k.hi >> 29)));
    }
  };
  static Key key(const IpAddress& a) noexcept {
    Key k;
    const uint8_t* b = a.bytes();
    for (int i = 0; i < 8; ++i) k.hi = (k.hi << 8) | b[i];
    for (int i = 8; i < 16; ++i) k.lo = (k.lo << 8) | b[i];
    return k;
  }

  std::vector<uint8_t> lengths_v4_, lengths_v6_;  // lengths in use, longest first
  std::vector<std::unordered_map<Key, V, KeyHash>> by_length_v4_, by_length_v6_;
};

}  // namespace ovpn::engine
