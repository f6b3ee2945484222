#pragma once
// NetSetup: applies a NetPlan (net_plan.h) to the system and undoes exactly what it did.
//
// apply() sets the tun device's MTU, brings it up, adds its addresses, then the routes in the
// plan's order, recording each change the kernel accepted. An address or route that was there
// already (EEXIST) belongs to someone else: it is not recorded, so teardown leaves it. When a
// step fails, the recorded changes are undone in reverse order and apply() returns the error.
// teardown() undoes the record in reverse order; something already gone (the kernel dropped the
// routes of a device that went down, or an administrator removed a route) is not an error, and
// a second teardown does nothing.
//
// The system is reached through NetOps, so the bookkeeping is testable without root;
// NetlinkOps is the real one over io::NetlinkSocket.
//
// Thread: control. Single-threaded, as the NetlinkSocket under it.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "app/net_plan.h"
#include "common/ip_address.h"
#include "common/result.h"
#include "io/netlink.h"

namespace ovpn::app {

// The rtnetlink requests NetSetup needs. Errors carry the io::errno_error() codes (kExists for
// EEXIST, kNotFound for ESRCH/ENOENT/ENODEV/EADDRNOTAVAIL).
class NetOps {
 public:
  virtual ~NetOps() = default;
  virtual Status link_set_up(int ifindex, bool up) = 0;
  virtual Status link_set_mtu(int ifindex, uint32_t mtu) = 0;
  virtual Status addr_new(int ifindex, const PlannedAddress& address) = 0;
  virtual Status addr_del(int ifindex, const PlannedAddress& address) = 0;
  virtual Status route_new(const io::Route& route) = 0;
  virtual Status route_del(const io::Route& route) = 0;
};

// NetOps over a NetlinkSocket the caller owns (and keeps alive while this is used).
class NetlinkOps final : public NetOps {
 public:
  explicit NetlinkOps(io::NetlinkSocket& socket) : socket_(socket) {}
  Status link_set_up(int ifindex, bool up) override;
  Status link_set_mtu(int ifindex, uint32_t mtu) override;
  Status addr_new(int ifindex, const PlannedAddress& address) override;
  Status addr_del(int ifindex, const PlannedAddress& address) override;
  Status route_new(const io::Route& route) override;
  Status route_del(const io::Route& route) override;

 private:
  io::NetlinkSocket& socket_;
};

// One change apply() made and teardown() undoes.
struct NetChange {
  enum class Kind : uint8_t { kLinkUp, kAddress, kRoute };
  Kind kind = Kind::kRoute;
  int ifindex = 0;
  PlannedAddress address{};  // kAddress
  io::Route route{};         // kRoute
};

class NetSetup {
 public:
  explicit NetSetup(NetOps& ops) : ops_(ops) {}
  NetSetup(const NetSetup&) = delete;
  NetSetup& operator=(const NetSetup&) = delete;

  // Applies `plan`; on failure everything this call added is removed again. Call once per
  // tunnel (a second apply() without teardown() is refused).
  Status apply(const NetPlan& plan);
  // Undoes what apply() recorded, newest first. Returns the first unexpected failure after
  // trying every step; the record is cleared either way.
  Status teardown();

  const std::vector<NetChange>& changes() const { return changes_; }
  // What apply() found in place already and left alone, for the log.
  const std::vector<std::string>& notes() const { return notes_; }

 private:
  Status apply_steps(const NetPlan& plan);

  NetOps& ops_;
  std::vector<NetChange> changes_;
  std::vector<std::string> notes_;
};

}  // namespace ovpn::app
