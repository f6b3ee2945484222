#pragma once
// Helpers for the I/O tests: IP/UDP packets built by hand (with correct checksums), parsing
// the headers of packets read from a TUN, and plain-socket send/receive with a deadline.

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "common/ip_address.h"
#include "io/tun.h"

namespace ovpn::io::test {

inline constexpr int kTimeoutMs = 2000;

// An IPv4 or IPv6 header (no options, no extension headers) followed by a UDP header, with the
// IPv4 header checksum and the UDP checksum (over the pseudo-header) filled in.
std::vector<uint8_t> ip_udp_packet(const Endpoint& source, const Endpoint& destination,
                                   std::span<const uint8_t> payload);

// The parts of an IPv4/IPv6 + UDP packet the tests look at; none for anything else.
struct UdpPacket {
  Endpoint source;
  Endpoint destination;
  std::vector<uint8_t> payload;
};
std::optional<UdpPacket> parse_ip_udp(std::span<const uint8_t> packet);

// Reads packets from every queue of `tun` until one is a UDP packet to `destination`, skipping
// the others (IPv6 router solicitations, MLD reports), for at most kTimeoutMs.
std::optional<UdpPacket> read_udp_from_tun(TunDevice& tun, const Endpoint& destination);

// Waits until `fd` is readable, at most `timeout_ms`.
bool wait_readable(int fd, int timeout_ms = kTimeoutMs);

// sendto() on a UDP socket of the matching family (v4-mapped for IPv4 on an IPv6 socket when
// `v6_socket`). Returns 0 or the errno.
int send_to(int fd, const Endpoint& destination, std::span<const uint8_t> bytes,
            bool v6_socket = false);

// One datagram from a UDP socket, waiting at most kTimeoutMs.
struct Datagram {
  Endpoint source;
  std::vector<uint8_t> bytes;
};
std::optional<Datagram> recv_from(int fd);

std::vector<uint8_t> bytes_of(const std::string& text);

}  // namespace ovpn::io::test
