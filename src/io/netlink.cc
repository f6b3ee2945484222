#include "io/netlink.h"

#include <libmnl/libmnl.h>
#include <linux/if_addr.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstring>
#include <optional>
#include <string>
#include <utility>

#include "io/io_result.h"

namespace ovpn::io {

struct NetlinkReply {
  int error = 0;                     // the errno of an NLMSG_ERROR, 0 for the ack
  std::string ext_ack;               // the kernel's text (NLMSGERR_ATTR_MSG), when it sent one
  int ifindex = 0;                   // from an RTM_NEWLINK answer (link_index)
  std::optional<RouteLookup> route;  // from an RTM_NEWROUTE answer (route_get)
};

namespace {

// Replies are read into the request buffer; one RTM_NEWLINK answer fits easily.
constexpr size_t kBufferSize = 32768;

// " on ovpn0", for messages; falls back to the number when the name is gone.
std::string on_link(int ifindex) {
  char name[IF_NAMESIZE] = {};
  if (ifindex > 0 && ::if_indextoname(static_cast<unsigned>(ifindex), name) != nullptr) {
    return std::string(" on ") + name;
  }
  return " on ifindex " + std::to_string(ifindex);
}

// The extended-ack text that follows the nlmsgerr, when the kernel added one.
std::string read_ext_ack(const nlmsghdr* nlh, const nlmsgerr* err) {
  if ((nlh->nlmsg_flags & NLM_F_ACK_TLVS) == 0) return {};
  size_t offset = sizeof(nlmsgerr);
  // Without NETLINK_CAP_ACK the failed request is echoed before the attributes.
  if ((nlh->nlmsg_flags & NLM_F_CAPPED) == 0) offset += err->msg.nlmsg_len - sizeof(nlmsghdr);
  if (MNL_ALIGN(offset) >= mnl_nlmsg_get_payload_len(nlh)) return {};
  const auto* tail = static_cast<const uint8_t*>(mnl_nlmsg_get_payload_tail(nlh));
  const auto* attr = static_cast<const nlattr*>(mnl_nlmsg_get_payload_offset(nlh, offset));
  while (mnl_attr_ok(attr, static_cast<int>(tail - reinterpret_cast<const uint8_t*>(attr)))) {
    if (mnl_attr_get_type(attr) == NLMSGERR_ATTR_MSG &&
        mnl_attr_validate(attr, MNL_TYPE_NUL_STRING) >= 0) {
      std::string text = mnl_attr_get_str(attr);
      while (!text.empty() && text.back() == '\n') text.pop_back();
      return text;
    }
    attr = mnl_attr_next(attr);
  }
  return {};
}

// NLMSG_ERROR: the ack (error 0) ends the exchange, anything else fails it.
int on_error(const nlmsghdr* nlh, void* data) {
  auto& reply = *static_cast<NetlinkReply*>(data);
  if (nlh->nlmsg_len < mnl_nlmsg_size(sizeof(nlmsgerr))) {
    reply.error = EBADMSG;
  } else {
    const auto* err = static_cast<const nlmsgerr*>(mnl_nlmsg_get_payload(nlh));
    if (err->error == 0) return MNL_CB_STOP;
    reply.error = -err->error;
    reply.ext_ack = read_ext_ack(nlh, err);
  }
  errno = reply.error;
  return MNL_CB_ERROR;
}

// An address attribute of `family`'s size, or none when it has another size.
std::optional<IpAddress> address_attr(const nlattr* attr, uint8_t family) {
  const uint16_t len = mnl_attr_get_payload_len(attr);
  if (family == AF_INET && len == 4) {
    in_addr a{};
    std::memcpy(&a, mnl_attr_get_payload(attr), 4);
    return IpAddress::v4(a);
  }
  if (family == AF_INET6 && len == 16) {
    in6_addr a{};
    std::memcpy(&a, mnl_attr_get_payload(attr), 16);
    return IpAddress::v6(a);
  }
  return std::nullopt;
}

// The RTM_NEWROUTE that answers RTM_GETROUTE: device, gateway, preferred source.
void read_route(const nlmsghdr* nlh, NetlinkReply& reply) {
  if (nlh->nlmsg_len < mnl_nlmsg_size(sizeof(rtmsg))) return;
  const auto* rtm = static_cast<const rtmsg*>(mnl_nlmsg_get_payload(nlh));
  RouteLookup route;
  const auto* attr = static_cast<const nlattr*>(mnl_nlmsg_get_payload_offset(nlh, sizeof(rtmsg)));
  const auto* tail = static_cast<const uint8_t*>(mnl_nlmsg_get_payload_tail(nlh));
  while (mnl_attr_ok(attr, static_cast<int>(tail - reinterpret_cast<const uint8_t*>(attr)))) {
    switch (mnl_attr_get_type(attr)) {
      case RTA_OIF:
        if (mnl_attr_validate(attr, MNL_TYPE_U32) >= 0) {
          route.ifindex = static_cast<int>(mnl_attr_get_u32(attr));
        }
        break;
      case RTA_GATEWAY:
        route.gateway = address_attr(attr, rtm->rtm_family);
        break;
      case RTA_PREFSRC:
        route.source = address_attr(attr, rtm->rtm_family);
        break;
      default:
        break;
    }
    attr = mnl_attr_next(attr);
  }
  reply.route = route;
}

// Answers that are not acks: RTM_GETLINK and RTM_GETROUTE get one here.
int on_answer(const nlmsghdr* nlh, void* data) {
  auto& reply = *static_cast<NetlinkReply*>(data);
  if (nlh->nlmsg_type == RTM_NEWLINK && nlh->nlmsg_len >= mnl_nlmsg_size(sizeof(ifinfomsg))) {
    const auto* ifi = static_cast<const ifinfomsg*>(mnl_nlmsg_get_payload(nlh));
    reply.ifindex = ifi->ifi_index;
  } else if (nlh->nlmsg_type == RTM_NEWROUTE) {
    read_route(nlh, reply);
  }
  return MNL_CB_OK;
}

uint8_t family_of(const IpAddress& address) { return address.is_v4() ? AF_INET : AF_INET6; }

void put_address(nlmsghdr* nlh, uint16_t type, const IpAddress& address) {
  mnl_attr_put(nlh, type, address.size(), address.bytes());
}

}  // namespace

NetlinkSocket::NetlinkSocket(mnl_socket* socket) noexcept
    : socket_(socket), port_id_(mnl_socket_get_portid(socket)) {}

NetlinkSocket::NetlinkSocket(NetlinkSocket&& other) noexcept
    : socket_(std::exchange(other.socket_, nullptr)),
      port_id_(other.port_id_),
      seq_(other.seq_),
      buf_(std::move(other.buf_)) {}

NetlinkSocket& NetlinkSocket::operator=(NetlinkSocket&& other) noexcept {
  if (this != &other) {
    if (socket_ != nullptr) mnl_socket_close(socket_);
    socket_ = std::exchange(other.socket_, nullptr);
    port_id_ = other.port_id_;
    seq_ = other.seq_;
    buf_ = std::move(other.buf_);
  }
  return *this;
}

NetlinkSocket::~NetlinkSocket() {
  if (socket_ != nullptr) mnl_socket_close(socket_);
}

Expected<NetlinkSocket> NetlinkSocket::open() {
  mnl_socket* socket = mnl_socket_open2(NETLINK_ROUTE, SOCK_CLOEXEC);
  if (socket == nullptr) return errno_error(errno, "netlink socket");
  NetlinkSocket out(socket);
  if (mnl_socket_bind(socket, 0, MNL_SOCKET_AUTOPID) < 0) {
    return errno_error(errno, "netlink bind");
  }
  out.port_id_ = mnl_socket_get_portid(socket);
  // Best effort: the kernel's reason as text (extended ack), and acks without the request.
  int one = 1;
  mnl_socket_setsockopt(socket, NETLINK_EXT_ACK, &one, sizeof one);
  mnl_socket_setsockopt(socket, NETLINK_CAP_ACK, &one, sizeof one);
  out.buf_.resize(kBufferSize);
  return out;
}

nlmsghdr* NetlinkSocket::start(uint16_t type, uint16_t flags) {
  nlmsghdr* nlh = mnl_nlmsg_put_header(buf_.data());
  nlh->nlmsg_type = type;
  nlh->nlmsg_flags = static_cast<uint16_t>(NLM_F_REQUEST | NLM_F_ACK | flags);
  nlh->nlmsg_seq = ++seq_;
  return nlh;
}

Status NetlinkSocket::transact(nlmsghdr* request, NetlinkReply& reply, std::string_view what) {
  const uint32_t seq = request->nlmsg_seq;
  if (mnl_socket_sendto(socket_, request, request->nlmsg_len) < 0) {
    return errno_error(errno, what);
  }
  mnl_cb_t control[NLMSG_ERROR + 1] = {};
  control[NLMSG_ERROR] = on_error;
  for (;;) {
    const ssize_t n = mnl_socket_recvfrom(socket_, buf_.data(), buf_.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return errno_error(errno, what);
    }
    const int rc = mnl_cb_run2(buf_.data(), static_cast<size_t>(n), seq, port_id_, on_answer,
                               &reply, control, NLMSG_ERROR + 1);
    if (rc == MNL_CB_STOP) return {};
    if (rc == MNL_CB_ERROR) {
      // reply.error is set for the kernel's NLMSG_ERROR, errno for a reply libmnl rejected.
      return errno_error(reply.error != 0 ? reply.error : errno, what, reply.ext_ack);
    }
  }
}

Status NetlinkSocket::link_set_up(int ifindex, bool up) {
  nlmsghdr* nlh = start(RTM_NEWLINK, 0);
  auto* ifi = static_cast<ifinfomsg*>(mnl_nlmsg_put_extra_header(nlh, sizeof(ifinfomsg)));
  ifi->ifi_family = AF_UNSPEC;
  ifi->ifi_index = ifindex;
  ifi->ifi_change = IFF_UP;
  ifi->ifi_flags = up ? IFF_UP : 0;
  NetlinkReply reply;
  return transact(nlh, reply,
                  std::string("RTM_NEWLINK ") + (up ? "up" : "down") + on_link(ifindex));
}

Status NetlinkSocket::link_set_mtu(int ifindex, uint32_t mtu) {
  nlmsghdr* nlh = start(RTM_NEWLINK, 0);
  auto* ifi = static_cast<ifinfomsg*>(mnl_nlmsg_put_extra_header(nlh, sizeof(ifinfomsg)));
  ifi->ifi_family = AF_UNSPEC;
  ifi->ifi_index = ifindex;
  mnl_attr_put_u32(nlh, IFLA_MTU, mtu);
  NetlinkReply reply;
  return transact(nlh, reply, "RTM_NEWLINK mtu " + std::to_string(mtu) + on_link(ifindex));
}

Expected<int> NetlinkSocket::link_index(std::string_view name) {
  const std::string what = "RTM_GETLINK " + std::string(name);
  if (name.empty() || name.size() >= IF_NAMESIZE) {
    return make_error(Errc::kInvalidArgument, what + ": bad interface name");
  }
  nlmsghdr* nlh = start(RTM_GETLINK, 0);
  auto* ifi = static_cast<ifinfomsg*>(mnl_nlmsg_put_extra_header(nlh, sizeof(ifinfomsg)));
  ifi->ifi_family = AF_UNSPEC;
  mnl_attr_put_strz(nlh, IFLA_IFNAME, std::string(name).c_str());
  mnl_attr_put_u32(nlh, IFLA_EXT_MASK, RTEXT_FILTER_SKIP_STATS);  // a smaller answer
  NetlinkReply reply;
  auto status = transact(nlh, reply, what);
  if (!status) return forward_error(std::move(status));
  if (reply.ifindex <= 0) return make_error(Errc::kInternal, what + ": no answer");
  return reply.ifindex;
}

Status NetlinkSocket::address_request(uint16_t type, int ifindex, const IpAddress& address,
                                      uint8_t prefix_len, const std::optional<IpAddress>& peer) {
  std::string what = (type == RTM_NEWADDR ? "RTM_NEWADDR " : "RTM_DELADDR ") + address.to_string() +
                     "/" + std::to_string(prefix_len);
  if (peer) what += " peer " + peer->to_string();
  what += on_link(ifindex);
  if (prefix_len > address.size() * 8) {
    return make_error(Errc::kInvalidArgument, what + ": prefix length too long");
  }
  if (peer && peer->family() != address.family()) {
    return make_error(Errc::kInvalidArgument, what + ": peer of another family");
  }
  nlmsghdr* nlh = start(type, type == RTM_NEWADDR ? NLM_F_CREATE | NLM_F_EXCL : 0);
  auto* ifa = static_cast<ifaddrmsg*>(mnl_nlmsg_put_extra_header(nlh, sizeof(ifaddrmsg)));
  ifa->ifa_family = family_of(address);
  ifa->ifa_prefixlen = prefix_len;
  ifa->ifa_index = static_cast<uint32_t>(ifindex);
  // As ip(8) does: 127.0.0.0/8 is host scope; IPv6 scopes are the kernel's to choose.
  ifa->ifa_scope = address.is_v4() && address.bytes()[0] == 127 ? RT_SCOPE_HOST : RT_SCOPE_UNIVERSE;
  put_address(nlh, IFA_LOCAL, address);
  // The same as IFA_LOCAL for a subnet; the other end for a point-to-point address.
  put_address(nlh, IFA_ADDRESS, peer ? *peer : address);
  if (type == RTM_NEWADDR && address.is_v6()) {
    ifa->ifa_flags = IFA_F_NODAD;
    mnl_attr_put_u32(nlh, IFA_FLAGS, IFA_F_NODAD);
  }
  NetlinkReply reply;
  return transact(nlh, reply, what);
}

Status NetlinkSocket::addr_new(int ifindex, const IpAddress& address, uint8_t prefix_len,
                               const std::optional<IpAddress>& peer) {
  return address_request(RTM_NEWADDR, ifindex, address, prefix_len, peer);
}

Status NetlinkSocket::addr_del(int ifindex, const IpAddress& address, uint8_t prefix_len,
                               const std::optional<IpAddress>& peer) {
  return address_request(RTM_DELADDR, ifindex, address, prefix_len, peer);
}

Status NetlinkSocket::route_request(uint16_t type, const Route& route) {
  const IpAddress& dst = route.destination.address;
  std::string what =
      (type == RTM_NEWROUTE ? "RTM_NEWROUTE " : "RTM_DELROUTE ") + route.destination.to_string();
  if (route.gateway) what += " via " + route.gateway->to_string();
  if (route.metric) what += " metric " + std::to_string(*route.metric);
  what += on_link(route.ifindex);
  if (route.gateway && route.gateway->family() != dst.family()) {
    return make_error(Errc::kInvalidArgument, what + ": gateway of another family");
  }

  nlmsghdr* nlh = start(type, type == RTM_NEWROUTE ? NLM_F_CREATE | NLM_F_EXCL : 0);
  auto* rtm = static_cast<rtmsg*>(mnl_nlmsg_put_extra_header(nlh, sizeof(rtmsg)));
  rtm->rtm_family = family_of(dst);
  rtm->rtm_dst_len = route.destination.length;
  rtm->rtm_table = RT_TABLE_MAIN;
  if (type == RTM_NEWROUTE) {
    rtm->rtm_protocol = RTPROT_BOOT;
    rtm->rtm_type = RTN_UNICAST;
    // As ip(8) does: an IPv4 route without a gateway is on the link; IPv6 is always universe.
    rtm->rtm_scope = dst.is_v4() && !route.gateway ? RT_SCOPE_LINK : RT_SCOPE_UNIVERSE;
  } else {
    rtm->rtm_scope = RT_SCOPE_NOWHERE;  // a delete matches any scope, protocol and type
  }
  put_address(nlh, RTA_DST, dst);
  if (route.ifindex > 0) mnl_attr_put_u32(nlh, RTA_OIF, static_cast<uint32_t>(route.ifindex));
  if (route.gateway) put_address(nlh, RTA_GATEWAY, *route.gateway);
  if (route.metric) mnl_attr_put_u32(nlh, RTA_PRIORITY, *route.metric);
  mnl_attr_put_u32(nlh, RTA_TABLE, RT_TABLE_MAIN);
  NetlinkReply reply;
  return transact(nlh, reply, what);
}

Status NetlinkSocket::route_new(const Route& route) { return route_request(RTM_NEWROUTE, route); }

Status NetlinkSocket::route_del(const Route& route) { return route_request(RTM_DELROUTE, route); }

Expected<RouteLookup> NetlinkSocket::route_get(const IpAddress& destination) {
  const std::string what = "RTM_GETROUTE " + destination.to_string();
  nlmsghdr* nlh = start(RTM_GETROUTE, 0);
  auto* rtm = static_cast<rtmsg*>(mnl_nlmsg_put_extra_header(nlh, sizeof(rtmsg)));
  rtm->rtm_family = family_of(destination);
  rtm->rtm_dst_len = static_cast<uint8_t>(destination.size() * 8);
  put_address(nlh, RTA_DST, destination);
  NetlinkReply reply;
  auto status = transact(nlh, reply, what);
  if (!status) return forward_error(std::move(status));
  if (!reply.route) return make_error(Errc::kInternal, what + ": no answer");
  return *reply.route;
}

}  // namespace ovpn::io
