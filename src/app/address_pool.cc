#include "app/address_pool.h"

#include <netinet/in.h>

#include <cstring>

namespace ovpn::app {
namespace {

uint32_t v4_number(const IpAddress& a) { return ntohl(a.to_in_addr().s_addr); }

// `base` plus `offset`, as 128-bit arithmetic on the address bytes.
IpAddress v6_plus(const IpAddress& base, uint64_t offset) {
  in6_addr a = base.to_in6_addr();
  for (int i = 15; i >= 0 && offset != 0; --i) {
    const uint64_t sum = uint64_t{a.s6_addr[i]} + (offset & 0xff);
    a.s6_addr[i] = static_cast<uint8_t>(sum);
    offset = (offset >> 8) + (sum >> 8);
  }
  return IpAddress::v6(a);
}

// `a` - `base` when it fits in 64 bits, else none.
std::optional<uint64_t> v6_minus(const IpAddress& a, const IpAddress& base) {
  const in6_addr x = a.to_in6_addr();
  const in6_addr y = base.to_in6_addr();
  if (std::memcmp(x.s6_addr, y.s6_addr, 8) != 0) return std::nullopt;
  uint64_t hx = 0, hy = 0;
  for (int i = 8; i < 16; ++i) {
    hx = hx << 8 | x.s6_addr[i];
    hy = hy << 8 | y.s6_addr[i];
  }
  if (hx < hy) return std::nullopt;
  return hx - hy;
}

}  // namespace

AddressPool::AddressPool(const config::ServerNetwork& network)
    : topology_(network.topology), slots_(config::pool_capacity(network)) {
  if (network.pool) {
    const uint32_t start = v4_number(network.pool->start);
    v4_base_ = topology_ == config::Topology::kNet30 ? start & ~uint32_t{3} : start;
  }
  if (network.pool_ipv6) v6_base_ = network.pool_ipv6->base;
}

Expected<AddressPool> AddressPool::create(const config::ServerNetwork& network) {
  if (!network.pool && !network.pool_ipv6) {
    return make_error(Errc::kInvalidArgument, "no ifconfig-pool or ifconfig-ipv6-pool");
  }
  AddressPool pool(network);
  if (pool.capacity() == 0) return make_error(Errc::kInvalidArgument, "the address pool is empty");
  return pool;
}

PoolLease AddressPool::lease(size_t index) const {
  PoolLease l;
  l.index = index;
  if (v4_base_) {
    if (topology_ == config::Topology::kNet30) {
      const uint32_t block = *v4_base_ + static_cast<uint32_t>(index) * 4;
      l.ipv4 = IpAddress::v4(block + 2);
      l.ipv4_peer = IpAddress::v4(block + 1);
    } else {
      l.ipv4 = IpAddress::v4(*v4_base_ + static_cast<uint32_t>(index));
    }
  }
  if (v6_base_) l.ipv6 = v6_plus(*v6_base_, index);
  return l;
}

std::optional<PoolLease> AddressPool::acquire(std::string_view common_name, bool by_name) {
  std::optional<size_t> chosen;
  if (by_name && !common_name.empty()) {
    for (size_t i = 0; i < slots_.size() && !chosen; ++i) {
      if (!slots_[i].taken && slots_[i].common_name == common_name) chosen = i;
    }
  }
  // The lowest index no name is waiting for, then any free one.
  for (size_t i = 0; i < slots_.size() && !chosen; ++i) {
    if (!slots_[i].taken && slots_[i].common_name.empty()) chosen = i;
  }
  for (size_t i = 0; i < slots_.size() && !chosen; ++i) {
    if (!slots_[i].taken) chosen = i;
  }
  if (!chosen) return std::nullopt;
  slots_[*chosen].taken = true;
  slots_[*chosen].common_name = std::string(common_name);
  ++in_use_;
  return lease(*chosen);
}

void AddressPool::release(size_t index) {
  if (index >= slots_.size() || !slots_[index].taken) return;
  slots_[index].taken = false;
  --in_use_;
}

std::optional<size_t> AddressPool::index_of(const IpAddress& a) const {
  std::optional<uint64_t> index;
  if (a.is_v4() && v4_base_) {
    const uint32_t n = v4_number(a);
    if (n >= *v4_base_) {
      index = topology_ == config::Topology::kNet30 ? (n - *v4_base_) / 4 : n - *v4_base_;
    }
  } else if (a.is_v6() && v6_base_) {
    index = v6_minus(a, *v6_base_);
  }
  if (!index || *index >= slots_.size()) return std::nullopt;
  return static_cast<size_t>(*index);
}

std::vector<config::PoolPersistEntry> AddressPool::persist_entries() const {
  std::vector<config::PoolPersistEntry> out;
  for (size_t i = 0; i < slots_.size(); ++i) {
    if (slots_[i].common_name.empty()) continue;
    const PoolLease l = lease(i);
    config::PoolPersistEntry e;
    e.common_name = slots_[i].common_name;
    // net30 files name the /30, not the client's address.
    if (l.ipv4) e.ipv4 = l.ipv4_peer ? IpAddress::v4(v4_number(*l.ipv4) & ~uint32_t{3}) : *l.ipv4;
    e.ipv6 = l.ipv6;
    out.push_back(std::move(e));
  }
  return out;
}

void AddressPool::restore(const std::vector<config::PoolPersistEntry>& entries) {
  for (const auto& e : entries) {
    std::optional<size_t> index;
    if (e.ipv4) index = index_of(*e.ipv4);
    if (!index && e.ipv6) index = index_of(*e.ipv6);
    // A name is remembered once, for a lease no other name remembers.
    if (index && slots_[*index].common_name.empty() && !e.common_name.empty()) {
      slots_[*index].common_name = e.common_name;
    }
  }
}

}  // namespace ovpn::app
