#pragma once
// NetlinkSocket: the rtnetlink (NETLINK_ROUTE) requests that set up the tunnel interface: link
// up/down and MTU, addresses, routes, ifindex by name. No shelling out to ip(8).
//
// Every call sends one request with NLM_F_ACK and waits for the kernel's answer, so a failure
// comes back as a Status naming the request and the kernel's reason, with the extended ack text
// when the kernel gives one:
//   "RTM_NEWADDR 10.8.0.1/24 on ovpn0: File exists"
//
// Thread: control. One thread uses a socket at a time (the requests are synchronous).

#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "common/ip_address.h"
#include "common/result.h"

struct mnl_socket;
struct nlmsghdr;

namespace ovpn::io {

struct NetlinkReply;  // what the kernel answered (netlink.cc)

// A route in the main table, through a device.
struct Route {
  IpPrefix destination{};
  int ifindex = 0;
  std::optional<IpAddress> gateway{};  // none: the destination is on the link
  // RTA_PRIORITY; none: the kernel's default (0 for IPv4, 1024 for IPv6). A delete without a
  // metric removes the first route that matches the rest.
  std::optional<uint32_t> metric{};
};

// What the kernel would do with a packet to one destination (RTM_GETROUTE): the device, the
// next hop (none: the destination is on the link) and the source address it would pick.
struct RouteLookup {
  int ifindex = 0;
  std::optional<IpAddress> gateway{};
  std::optional<IpAddress> source{};
};

// Thread: control, every method.
class NetlinkSocket {
 public:
  static Expected<NetlinkSocket> open();

  NetlinkSocket(NetlinkSocket&& other) noexcept;
  NetlinkSocket& operator=(NetlinkSocket&& other) noexcept;
  NetlinkSocket(const NetlinkSocket&) = delete;
  NetlinkSocket& operator=(const NetlinkSocket&) = delete;
  ~NetlinkSocket();

  // RTM_NEWLINK: administrative state and MTU.
  Status link_set_up(int ifindex, bool up);
  Status link_set_mtu(int ifindex, uint32_t mtu);
  // RTM_GETLINK: the ifindex of an interface name.
  Expected<int> link_index(std::string_view name);

  // RTM_NEWADDR / RTM_DELADDR: an interface address with its prefix length ("10.8.0.1/24": the
  // host bits are kept, unlike IpPrefix). IPv6 addresses skip duplicate address detection
  // (IFA_F_NODAD) so they can be bound at once; the kernel still adds their local route from a
  // work queue a moment after the ack, and a packet to the address that arrives before that is
  // dropped (as when the interface was down).
  // With `peer` (IPv4 point-to-point, as `ip addr add LOCAL peer PEER`), the prefix covers the
  // peer instead; a delete must name the same peer.
  Status addr_new(int ifindex, const IpAddress& address, uint8_t prefix_len,
                  const std::optional<IpAddress>& peer = std::nullopt);
  Status addr_del(int ifindex, const IpAddress& address, uint8_t prefix_len,
                  const std::optional<IpAddress>& peer = std::nullopt);

  // RTM_NEWROUTE (fails with "File exists" when the route is there) / RTM_DELROUTE.
  Status route_new(const Route& route);
  Status route_del(const Route& route);
  // RTM_GETROUTE for one address: the route the kernel would use now. Fails with the kernel's
  // "Network is unreachable" (Errc::kIo) when no route covers it.
  Expected<RouteLookup> route_get(const IpAddress& destination);

 private:
  explicit NetlinkSocket(mnl_socket* socket) noexcept;

  // Starts a request of `type` in buf_, with NLM_F_REQUEST | NLM_F_ACK | `flags`.
  nlmsghdr* start(uint16_t type, uint16_t flags);
  // Sends the request built in buf_ and reads until the ack; `reply` collects the answers.
  Status transact(nlmsghdr* request, NetlinkReply& reply, std::string_view what);
  Status address_request(uint16_t type, int ifindex, const IpAddress& address, uint8_t prefix_len,
                         const std::optional<IpAddress>& peer);
  Status route_request(uint16_t type, const Route& route);

  mnl_socket* socket_ = nullptr;
  uint32_t port_id_ = 0;
  uint32_t seq_ = 0;
  std::vector<uint8_t> buf_;  // requests and replies, one at a time
};

}  // namespace ovpn::io
