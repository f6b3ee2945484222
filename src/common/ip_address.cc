#include "common/ip_address.h"

#include <arpa/inet.h>

#include <cstring>

namespace ovpn {
namespace {

constexpr uint8_t kV4MappedPrefix[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

}  // namespace

std::optional<IpAddress> IpAddress::parse(std::string_view text) {
  // inet_pton() stops at a NUL: "1.2.3.4\0junk" must not read as 1.2.3.4.
  if (text.find('\0') != std::string_view::npos) return std::nullopt;
  const std::string s(text);
  in_addr a4{};
  if (inet_pton(AF_INET, s.c_str(), &a4) == 1) return v4(a4);
  in6_addr a6{};
  if (inet_pton(AF_INET6, s.c_str(), &a6) == 1) return v6(a6);
  return std::nullopt;
}

in_addr IpAddress::to_in_addr() const noexcept {
  in_addr a{};
  std::memcpy(&a.s_addr, bytes_.data(), 4);
  return a;
}

in6_addr IpAddress::to_in6_addr() const noexcept {
  in6_addr a{};
  std::memcpy(a.s6_addr, bytes_.data(), 16);
  return a;
}

bool IpAddress::is_unspecified() const noexcept {
  for (size_t i = 0; i < size(); ++i) {
    if (bytes_[i] != 0) return false;
  }
  return true;
}

std::string IpAddress::to_string() const {
  char buf[INET6_ADDRSTRLEN] = {};
  inet_ntop(is_v4() ? AF_INET : AF_INET6, bytes_.data(), buf, sizeof buf);
  return buf;
}

std::optional<IpPrefix> IpPrefix::make(const IpAddress& address, unsigned length) noexcept {
  const unsigned max = static_cast<unsigned>(address.size() * 8);
  if (length > max) return std::nullopt;
  // Clear the host bits so that equal prefixes compare equal.
  std::array<uint8_t, 16> bytes{};
  std::memcpy(bytes.data(), address.bytes(), address.size());
  for (unsigned bit = length; bit < max; ++bit) {
    bytes[bit / 8] = static_cast<uint8_t>(bytes[bit / 8] & ~(0x80u >> (bit % 8)));
  }
  IpPrefix p;
  if (address.is_v4()) {
    in_addr a{};
    std::memcpy(&a.s_addr, bytes.data(), 4);
    p.address = IpAddress::v4(a);
  } else {
    in6_addr a{};
    std::memcpy(a.s6_addr, bytes.data(), 16);
    p.address = IpAddress::v6(a);
  }
  p.length = static_cast<uint8_t>(length);
  return p;
}

std::optional<IpPrefix> IpPrefix::parse(std::string_view text) {
  const size_t slash = text.find('/');
  const auto address = IpAddress::parse(text.substr(0, slash));
  if (!address) return std::nullopt;
  unsigned length = static_cast<unsigned>(address->size() * 8);
  if (slash != std::string_view::npos) {
    const auto digits = text.substr(slash + 1);
    if (digits.empty() || digits.size() > 3) return std::nullopt;
    length = 0;
    for (char c : digits) {
      if (c < '0' || c > '9') return std::nullopt;
      length = length * 10 + static_cast<unsigned>(c - '0');
    }
  }
  return make(*address, length);
}

bool IpPrefix::contains(const IpAddress& a) const noexcept {
  if (a.family() != address.family()) return false;
  const uint8_t* x = a.bytes();
  const uint8_t* p = address.bytes();
  const unsigned full = length / 8u;
  if (std::memcmp(x, p, full) != 0) return false;
  const unsigned rest = length % 8u;
  if (rest == 0) return true;
  const auto mask = static_cast<uint8_t>(0xff00u >> rest);
  return (x[full] & mask) == p[full];
}

std::string IpPrefix::to_string() const {
  return address.to_string() + "/" + std::to_string(length);
}

std::optional<Endpoint> Endpoint::from_sockaddr(const sockaddr* sa, socklen_t len) noexcept {
  if (sa == nullptr) return std::nullopt;
  if (sa->sa_family == AF_INET && len >= static_cast<socklen_t>(sizeof(sockaddr_in))) {
    sockaddr_in in4;
    std::memcpy(&in4, sa, sizeof in4);
    return Endpoint(IpAddress::v4(in4.sin_addr), ntohs(in4.sin_port));
  }
  if (sa->sa_family == AF_INET6 && len >= static_cast<socklen_t>(sizeof(sockaddr_in6))) {
    sockaddr_in6 in6;
    std::memcpy(&in6, sa, sizeof in6);
    if (std::memcmp(in6.sin6_addr.s6_addr, kV4MappedPrefix, 12) == 0) {
      in_addr a{};
      std::memcpy(&a.s_addr, in6.sin6_addr.s6_addr + 12, 4);
      return Endpoint(IpAddress::v4(a), ntohs(in6.sin6_port));
    }
    return Endpoint(IpAddress::v6(in6.sin6_addr), ntohs(in6.sin6_port));
  }
  return std::nullopt;
}

std::optional<Endpoint> Endpoint::parse(std::string_view text) {
  std::string_view host;
  std::string_view port;
  if (!text.empty() && text.front() == '[') {
    const size_t close = text.find(']');
    if (close == std::string_view::npos || close + 1 >= text.size() || text[close + 1] != ':') {
      return std::nullopt;
    }
    host = text.substr(1, close - 1);
    port = text.substr(close + 2);
  } else {
    const size_t colon = text.rfind(':');
    if (colon == std::string_view::npos) return std::nullopt;
    host = text.substr(0, colon);
    port = text.substr(colon + 1);
    if (host.find(':') != std::string_view::npos) return std::nullopt;  // IPv6 needs brackets
  }
  const auto address = IpAddress::parse(host);
  if (!address || port.empty() || port.size() > 5) return std::nullopt;
  unsigned value = 0;
  for (char c : port) {
    if (c < '0' || c > '9') return std::nullopt;
    value = value * 10 + static_cast<unsigned>(c - '0');
  }
  if (value > 65535) return std::nullopt;
  return Endpoint(*address, static_cast<uint16_t>(value));
}

socklen_t Endpoint::to_sockaddr(sockaddr_storage& out, bool v6_socket) const noexcept {
  std::memset(&out, 0, sizeof out);
  if (address_.is_v4() && !v6_socket) {
    sockaddr_in in4{};
    in4.sin_family = AF_INET;
    in4.sin_port = htons(port_);
    in4.sin_addr = address_.to_in_addr();
    std::memcpy(&out, &in4, sizeof in4);
    return sizeof in4;
  }
  sockaddr_in6 in6{};
  in6.sin6_family = AF_INET6;
  in6.sin6_port = htons(port_);
  if (address_.is_v4()) {
    std::memcpy(in6.sin6_addr.s6_addr, kV4MappedPrefix, 12);
    std::memcpy(in6.sin6_addr.s6_addr + 12, address_.bytes(), 4);
  } else {
    in6.sin6_addr = address_.to_in6_addr();
  }
  std::memcpy(&out, &in6, sizeof in6);
  return sizeof in6;
}

std::string Endpoint::to_string() const {
  if (address_.is_v4()) return address_.to_string() + ":" + std::to_string(port_);
  return "[" + address_.to_string() + "]:" + std::to_string(port_);
}

}  // namespace ovpn

size_t std::hash<ovpn::Endpoint>::operator()(const ovpn::Endpoint& e) const noexcept {
  // FNV-1a over the address bytes and the port.
  uint64_t h = 1469598103934665603ULL;
  auto mix = [&h](uint8_t b) {
    h ^= b;
    h *= 1099511628211ULL;
  };
  for (size_t i = 0; i < e.address().size(); ++i) mix(e.address().bytes()[i]);
  mix(static_cast<uint8_t>(e.port() >> 8));
  mix(static_cast<uint8_t>(e.port()));
  return static_cast<size_t>(h);
}
