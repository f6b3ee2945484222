#pragma once
// What the engine tests that run a real engine in a namespace need on the test peer's side: the
// AEAD a test key makes, a socket bound to any port, and one datagram read with a deadline.

#include <poll.h>
#include <sys/socket.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <optional>
#include <vector>

#include <gtest/gtest.h>

#include "common/ip_address.h"
#include "crypto/data_aead.h"
#include "io/fd.h"

namespace ovpn::engine::test {

// AES-256-GCM, 2.6 format, a key of 32 `byte`s and a zero implicit IV.
inline crypto::DataAead aead(uint8_t byte) {
  const std::vector<uint8_t> key(32, byte);
  const std::array<uint8_t, 8> nonce_tail{};
  return std::move(*crypto::DataAead::create_v2(crypto::CipherAlg::kAes256Gcm, key, nonce_tail));
}

// Binds `fd` to `address` port 0; the endpoint it got.
inline Endpoint bind_any_port(const io::Fd& fd, const IpAddress& address) {
  sockaddr_storage ss;
  const socklen_t len = Endpoint(address, 0).to_sockaddr(ss);
  EXPECT_EQ(::bind(fd.get(), reinterpret_cast<sockaddr*>(&ss), len), 0) << std::strerror(errno);
  socklen_t got = sizeof ss;
  ::getsockname(fd.get(), reinterpret_cast<sockaddr*>(&ss), &got);
  return *Endpoint::from_sockaddr(reinterpret_cast<sockaddr*>(&ss), got);
}

// One datagram, waiting at most `timeout_ms`.
inline std::optional<std::vector<uint8_t>> receive(const io::Fd& fd, int timeout_ms = 2000) {
  pollfd p{fd.get(), POLLIN, 0};
  if (::poll(&p, 1, timeout_ms) != 1) return std::nullopt;
  std::vector<uint8_t> buf(65536);
  const ssize_t n = ::recv(fd.get(), buf.data(), buf.size(), 0);
  if (n < 0) return std::nullopt;
  buf.resize(static_cast<size_t>(n));
  return buf;
}

}  // namespace ovpn::engine::test
