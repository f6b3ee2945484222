#pragma once
// The server's pool of client addresses (ifconfig-pool, ifconfig-ipv6-pool), by OpenVPN 2.6's
// rules:
//   * topology subnet and p2p: one IPv4 address per client, from the pool's start to its end;
//   * net30: one /30 per client: the client gets its block's third address (base + 2) and its
//     point-to-point peer the second (base + 1);
//   * IPv6: the pool's base address plus the lease's index (one index for both families when
//     both pools exist, as OpenVPN pairs them);
//   * a common name that had a lease (an earlier connection, or the ifconfig-pool-persist file)
//     gets the same one again while it is free; otherwise the lowest free index. With
//     duplicate-cn leases are never found by name.
// The pool holds at most config::pool_capacity() leases.
//
// Thread: control (a plain value).

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/ip_address.h"
#include "common/result.h"
#include "config/pool_persist.h"
#include "config/server_options.h"

namespace ovpn::app {

struct PoolLease {
  size_t index = 0;
  std::optional<IpAddress> ipv4;       // the client's address
  std::optional<IpAddress> ipv4_peer;  // net30: the other end of its /30
  std::optional<IpAddress> ipv6;
};

class AddressPool {
 public:
  // kInvalidArgument when the network has no pool.
  static Expected<AddressPool> create(const config::ServerNetwork& network);

  // A lease for `common_name` (the one it had when free, unless `by_name` is false), or none
  // when every lease is taken.
  std::optional<PoolLease> acquire(std::string_view common_name, bool by_name = true);
  // Gives a lease back; its name keeps it reserved in preference (not exclusively).
  void release(size_t index);
  // The lease `index` stands for (without taking it).
  PoolLease lease(size_t index) const;

  size_t capacity() const noexcept { return slots_.size(); }
  size_t in_use() const noexcept { return in_use_; }

  // The names and addresses to remember across restarts, and taking them back at start.
  std::vector<config::PoolPersistEntry> persist_entries() const;
  void restore(const std::vector<config::PoolPersistEntry>& entries);

 private:
  struct Slot {
    bool taken = false;
    std::string common_name;  // the last holder
  };
  explicit AddressPool(const config::ServerNetwork& network);
  std::optional<size_t> index_of(const IpAddress& ipv4_or_ipv6) const;

  config::Topology topology_ = config::Topology::kSubnet;
  std::optional<uint32_t> v4_base_;  // host order: the first address (subnet) or /30 (net30)
  std::optional<IpAddress> v6_base_;
  std::vector<Slot> slots_;
  size_t in_use_ = 0;
};

}  // namespace ovpn::app
