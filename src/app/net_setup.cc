// NetSetup: apply a NetPlan, record it, undo it (net_setup.h).

#include "app/net_setup.h"

#include <utility>

namespace ovpn::app {
namespace {

std::string describe(const io::Route& route) {
  std::string s = route.destination.to_string();
  if (route.gateway) s += " via " + route.gateway->to_string();
  return s;
}

std::string describe(const PlannedAddress& address) {
  std::string s = address.address.to_string() + "/" + std::to_string(address.prefix_len);
  if (address.peer) s += " peer " + address.peer->to_string();
  return s;
}

}  // namespace

Status NetlinkOps::link_set_up(int ifindex, bool up) { return socket_.link_set_up(ifindex, up); }

Status NetlinkOps::link_set_mtu(int ifindex, uint32_t mtu) {
  return socket_.link_set_mtu(ifindex, mtu);
}

Status NetlinkOps::addr_new(int ifindex, const PlannedAddress& address) {
  return socket_.addr_new(ifindex, address.address, address.prefix_len, address.peer);
}

Status NetlinkOps::addr_del(int ifindex, const PlannedAddress& address) {
  return socket_.addr_del(ifindex, address.address, address.prefix_len, address.peer);
}

Status NetlinkOps::route_new(const io::Route& route) { return socket_.route_new(route); }

Status NetlinkOps::route_del(const io::Route& route) { return socket_.route_del(route); }

Status NetSetup::apply(const NetPlan& plan) {
  if (!changes_.empty()) {
    return make_error(Errc::kInvalidArgument, "net setup: already applied; tear down first");
  }
  auto status = apply_steps(plan);
  if (!status) {
    // The first error is the one to report; a failing rollback step is lost in it.
    (void)teardown();
  }
  return status;
}

Status NetSetup::apply_steps(const NetPlan& plan) {
  const int ifindex = plan.ifindex;
  if (auto s = ops_.link_set_mtu(ifindex, plan.mtu); !s) return s;
  if (auto s = ops_.link_set_up(ifindex, true); !s) return s;
  changes_.push_back({NetChange::Kind::kLinkUp, ifindex, {}, {}});
  for (const auto& address : plan.addresses) {
    auto s = ops_.addr_new(ifindex, address);
    if (!s && s.error().code == Errc::kExists) {
      notes_.push_back("address " + describe(address) + " was there already; left alone");
      continue;
    }
    if (!s) return s;
    changes_.push_back({NetChange::Kind::kAddress, ifindex, address, {}});
  }
  for (const auto& route : plan.routes) {
    auto s = ops_.route_new(route);
    if (!s && s.error().code == Errc::kExists) {
      notes_.push_back("route " + describe(route) + " was there already; left alone");
      continue;
    }
    if (!s) return s;
    changes_.push_back({NetChange::Kind::kRoute, route.ifindex, {}, route});
  }
  return {};
}

Status NetSetup::teardown() {
  Status first;
  auto keep_first = [&first](Status s) {
    // Gone already (or its device is): what teardown wanted.
    if (!s && s.error().code != Errc::kNotFound && first) first = std::move(s);
  };
  for (auto it = changes_.rbegin(); it != changes_.rend(); ++it) {
    switch (it->kind) {
      case NetChange::Kind::kRoute:
        keep_first(ops_.route_del(it->route));
        break;
      case NetChange::Kind::kAddress:
        keep_first(ops_.addr_del(it->ifindex, it->address));
        break;
      case NetChange::Kind::kLinkUp:
        keep_first(ops_.link_set_up(it->ifindex, false));
        break;
    }
  }
  changes_.clear();
  return first;
}

}  // namespace ovpn::app
