#pragma once
// IP addresses, prefixes and transport endpoints (address + port), IPv4 and IPv6, as values.
//
// IpAddress keeps 16 bytes in network order plus the family; IPv4 lives in the first 4 bytes.
// IPv4-mapped IPv6 addresses (::ffff:a.b.c.d, what a dual-stack socket reports) are turned
// into plain IPv4 by from_sockaddr(), as the kernel ovpn module does, so that a peer has one
// spelling of its address.

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <array>
#include <compare>
#include <cstdint>
#include <cstring>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace ovpn {

enum class Family : uint8_t { kIpv4 = 4, kIpv6 = 6 };

class IpAddress {
 public:
  constexpr IpAddress() noexcept = default;
  // Inline, and the IPv4 bytes written as two whole words: on the per-packet path the compiler
  // then builds the address where it is stored, instead of in a temporary that is read back
  // wider than it was written (which stalls store forwarding).
  static IpAddress v4(const in_addr& a) noexcept {
    IpAddress out;
    out.family_ = Family::kIpv4;
    const uint64_t words[2] = {a.s_addr, 0};
    std::memcpy(out.bytes_.data(), words, sizeof words);
    return out;
  }
  static IpAddress v4(uint32_t host_order) noexcept {
    in_addr a{};
    a.s_addr = htonl(host_order);
    return v4(a);
  }
  static IpAddress v6(const in6_addr& a) noexcept {
    IpAddress out;
    out.family_ = Family::kIpv6;
    std::memcpy(out.bytes_.data(), a.s6_addr, 16);
    return out;
  }
  // Parses dotted IPv4 or textual IPv6 (no brackets, no port).
  static std::optional<IpAddress> parse(std::string_view text);

  Family family() const noexcept { return family_; }
  bool is_v4() const noexcept { return family_ == Family::kIpv4; }
  bool is_v6() const noexcept { return family_ == Family::kIpv6; }
  // 4 or 16.
  size_t size() const noexcept { return is_v4() ? 4 : 16; }
  const uint8_t* bytes() const noexcept { return bytes_.data(); }
  in_addr to_in_addr() const noexcept;
  in6_addr to_in6_addr() const noexcept;
  bool is_unspecified() const noexcept;

  std::string to_string() const;
  auto operator<=>(const IpAddress&) const noexcept = default;

 private:
  std::array<uint8_t, 16> bytes_{};
  Family family_ = Family::kIpv4;
};

// An address with a prefix length: a route, a VPN subnet, an iroute.
struct IpPrefix {
  IpAddress address;  // host bits are zero (make() clears them)
  uint8_t length = 0;

  static std::optional<IpPrefix> make(const IpAddress& address, unsigned length) noexcept;
  // "10.8.0.0/24", "fd00::/64"; a bare address is a host prefix.
  static std::optional<IpPrefix> parse(std::string_view text);
  bool contains(const IpAddress& a) const noexcept;
  std::string to_string() const;
  auto operator<=>(const IpPrefix&) const noexcept = default;
};

// A transport endpoint: an address and a port.
class Endpoint {
 public:
  constexpr Endpoint() noexcept = default;
  Endpoint(const IpAddress& address, uint16_t port) noexcept : address_(address), port_(port) {}
  // From a kernel sockaddr (AF_INET or AF_INET6); v4-mapped IPv6 becomes IPv4.
  static std::optional<Endpoint> from_sockaddr(const sockaddr* sa, socklen_t len) noexcept;
  // "192.0.2.1:1194", "[2001:db8::1]:1194".
  static std::optional<Endpoint> parse(std::string_view text);

  const IpAddress& address() const noexcept { return address_; }
  uint16_t port() const noexcept { return port_; }
  bool is_v4() const noexcept { return address_.is_v4(); }

  // Fills `out` as AF_INET, or as AF_INET6 (IPv4 as v4-mapped when `v6_socket`: for sending
  // from a dual-stack IPv6 socket). Returns the length to pass to the kernel.
  socklen_t to_sockaddr(sockaddr_storage& out, bool v6_socket = false) const noexcept;

  std::string to_string() const;
  auto operator<=>(const Endpoint&) const noexcept = default;

 private:
  IpAddress address_;
  uint16_t port_ = 0;
};

}  // namespace ovpn

template <>
struct std::hash<ovpn::Endpoint> {
  size_t operator()(const ovpn::Endpoint& e) const noexcept;
};
