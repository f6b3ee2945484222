#include "io_test_util.h"

#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>

#include <chrono>
#include <cstring>

#include "common/packet_pool.h"

namespace ovpn::io::test {
namespace {

constexpr uint8_t kUdp = 17;

void put16(uint8_t* p, uint32_t v) {
  p[0] = static_cast<uint8_t>(v >> 8);
  p[1] = static_cast<uint8_t>(v);
}

uint16_t get16(const uint8_t* p) { return static_cast<uint16_t>(p[0] << 8 | p[1]); }

// The ones' complement sum of 16-bit words, not yet folded.
uint32_t sum16(const uint8_t* p, size_t n, uint32_t sum = 0) {
  for (size_t i = 0; i + 1 < n; i += 2) sum += get16(p + i);
  if (n % 2 != 0) sum += static_cast<uint32_t>(p[n - 1]) << 8;
  return sum;
}

uint16_t fold(uint32_t sum) {
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  return static_cast<uint16_t>(~sum);
}

}  // namespace

std::vector<uint8_t> ip_udp_packet(const Endpoint& source, const Endpoint& destination,
                                   std::span<const uint8_t> payload) {
  const bool v4 = source.is_v4();
  const size_t ip_len = v4 ? 20 : 40;
  const size_t udp_len = 8 + payload.size();
  std::vector<uint8_t> p(ip_len + udp_len);
  const size_t a = source.address().size();

  // Pseudo-header sum for the UDP checksum: addresses, protocol, UDP length.
  uint32_t pseudo = sum16(source.address().bytes(), a);
  pseudo = sum16(destination.address().bytes(), a, pseudo);
  pseudo += kUdp + static_cast<uint32_t>(udp_len);

  if (v4) {
    p[0] = 0x45;  // version 4, 5 words
    put16(&p[2], static_cast<uint32_t>(p.size()));
    p[6] = 0x40;  // don't fragment
    p[8] = 64;    // TTL
    p[9] = kUdp;
    std::memcpy(&p[12], source.address().bytes(), 4);
    std::memcpy(&p[16], destination.address().bytes(), 4);
    put16(&p[10], fold(sum16(p.data(), 20)));
  } else {
    p[0] = 0x60;  // version 6
    put16(&p[4], static_cast<uint32_t>(udp_len));
    p[6] = kUdp;  // next header
    p[7] = 64;    // hop limit
    std::memcpy(&p[8], source.address().bytes(), 16);
    std::memcpy(&p[24], destination.address().bytes(), 16);
  }
  uint8_t* udp = &p[ip_len];
  put16(udp, source.port());
  put16(udp + 2, destination.port());
  put16(udp + 4, static_cast<uint32_t>(udp_len));
  std::memcpy(udp + 8, payload.data(), payload.size());
  uint16_t check = fold(sum16(udp, udp_len, pseudo));
  if (check == 0) check = 0xffff;  // 0 means "no checksum"
  put16(udp + 6, check);
  return p;
}

std::optional<UdpPacket> parse_ip_udp(std::span<const uint8_t> p) {
  if (p.empty()) return std::nullopt;
  const int version = p[0] >> 4;
  size_t ip_len = 0;
  IpAddress src;
  IpAddress dst;
  if (version == 4 && p.size() >= 28 && p[9] == kUdp) {
    ip_len = static_cast<size_t>(p[0] & 0x0f) * 4;
    in_addr s{};
    in_addr d{};
    std::memcpy(&s, &p[12], 4);
    std::memcpy(&d, &p[16], 4);
    src = IpAddress::v4(s);
    dst = IpAddress::v4(d);
  } else if (version == 6 && p.size() >= 48 && p[6] == kUdp) {
    ip_len = 40;
    in6_addr s{};
    in6_addr d{};
    std::memcpy(&s, &p[8], 16);
    std::memcpy(&d, &p[24], 16);
    src = IpAddress::v6(s);
    dst = IpAddress::v6(d);
  } else {
    return std::nullopt;
  }
  if (p.size() < ip_len + 8) return std::nullopt;
  const uint8_t* udp = &p[ip_len];
  UdpPacket out;
  out.source = Endpoint(src, get16(udp));
  out.destination = Endpoint(dst, get16(udp + 2));
  out.payload.assign(udp + 8, p.data() + p.size());
  return out;
}

std::optional<UdpPacket> read_udp_from_tun(TunDevice& tun, const Endpoint& destination) {
  PacketPool pool(1, 2048, 0);
  PacketBuf buf;
  if (!pool.get(buf)) return std::nullopt;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(kTimeoutMs);
  std::vector<pollfd> fds(tun.queue_count());
  while (std::chrono::steady_clock::now() < deadline) {
    for (size_t q = 0; q < fds.size(); ++q) fds[q] = {tun.queue_fd(q), POLLIN, 0};
    if (::poll(fds.data(), fds.size(), 100) <= 0) continue;
    for (size_t q = 0; q < fds.size(); ++q) {
      for (;;) {
        const IoResult r = tun.read(q, buf);
        if (!r) break;
        auto udp = parse_ip_udp(buf.span());
        if (udp && udp->destination == destination) {
          pool.put(buf);
          return udp;
        }
      }
    }
  }
  pool.put(buf);
  return std::nullopt;
}

bool wait_readable(int fd, int timeout_ms) {
  pollfd p{fd, POLLIN, 0};
  return ::poll(&p, 1, timeout_ms) == 1 && (p.revents & POLLIN) != 0;
}

int send_to(int fd, const Endpoint& destination, std::span<const uint8_t> bytes, bool v6_socket) {
  sockaddr_storage ss;
  const socklen_t len = destination.to_sockaddr(ss, v6_socket);
  const ssize_t n =
      ::sendto(fd, bytes.data(), bytes.size(), 0, reinterpret_cast<const sockaddr*>(&ss), len);
  return n < 0 ? errno : 0;
}

std::optional<Datagram> recv_from(int fd) {
  if (!wait_readable(fd)) return std::nullopt;
  std::vector<uint8_t> buf(65536);
  sockaddr_storage ss{};
  socklen_t len = sizeof ss;
  const ssize_t n =
      ::recvfrom(fd, buf.data(), buf.size(), MSG_DONTWAIT, reinterpret_cast<sockaddr*>(&ss), &len);
  if (n < 0) return std::nullopt;
  auto source = Endpoint::from_sockaddr(reinterpret_cast<const sockaddr*>(&ss), len);
  if (!source) return std::nullopt;
  buf.resize(static_cast<size_t>(n));
  return Datagram{*source, std::move(buf)};
}

std::vector<uint8_t> bytes_of(const std::string& text) {
  return std::vector<uint8_t>(text.begin(), text.end());
}

}  // namespace ovpn::io::test
