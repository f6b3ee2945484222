#pragma once
// The client's TCP connection before the engine has a peer for it.
//
// Over UDP the engine carries the handshake: send_control() to an endpoint, control packets up
// as notifications. Over TCP there is no socket in the engine until peer_new() hands it one, so
// TcpHandshakeDco, a Dco in front of the engine, carries the control channel itself until then:
// send_control() to an endpoint writes a framed packet on the socket, and read_packets() reads
// whole frames -- never a byte past the last whole frame, so that when peer_new() passes the
// socket to the engine (PeerConfig::tcp_fd) its stream starts at a frame boundary. Everything
// else goes to the engine unchanged. This is what OpenVPN does with the kernel module too: the
// socket is the daemon's until the peer is created.
//
// Thread: control (every member).

#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "common/ip_address.h"
#include "common/result.h"
#include "dco/dco.h"
#include "io/fd.h"

namespace ovpn::app {

// Starts a non-blocking connect to `remote`, bound to `local` when given; the socket becomes
// writable when the connect has finished (check it with finish_tcp_connect()).
// Thread: control.
Expected<io::Fd> start_tcp_connect(const Endpoint& remote, const std::optional<Endpoint>& local);
// The connect's outcome once the socket is writable (SO_ERROR).
Status finish_tcp_connect(int fd, const Endpoint& remote);

class TcpHandshakeDco final : public dco::Dco {
 public:
  // `socket` is connected to `remote`; `engine` must outlive this.
  TcpHandshakeDco(dco::Dco& engine, io::Fd socket, const Endpoint& remote);

  // The socket while this still owns it (for polling), else -1.
  int socket_fd() const noexcept { return handed_over_ ? -1 : socket_.get(); }
  bool handed_over() const noexcept { return handed_over_; }
  // Reads what has arrived; appends each whole control packet to `out`. kIo when the server
  // closed the connection or on a socket error, kMalformed on a zero-length frame.
  Status read_packets(std::vector<std::vector<uint8_t>>& out);

  dco::Mode mode() const noexcept override { return engine_.mode(); }
  // Passes the socket to the engine when the config names it; after success this no longer
  // owns it.
  Status peer_new(dco::PeerConfig config) override;
  Status peer_set(const dco::PeerUpdate& update) override { return engine_.peer_set(update); }
  Expected<dco::PeerInfo> peer_get(PeerId id) const override { return engine_.peer_get(id); }
  std::vector<dco::PeerInfo> peer_get_all() const override { return engine_.peer_get_all(); }
  Status peer_del(PeerId id) override { return engine_.peer_del(id); }
  Status key_new(dco::KeyConfig key) override { return engine_.key_new(std::move(key)); }
  Expected<dco::KeyInfo> key_get(PeerId peer, dco::KeySlot slot) const override {
    return engine_.key_get(peer, slot);
  }
  Status key_swap(PeerId peer) override { return engine_.key_swap(peer); }
  Status key_del(PeerId peer, dco::KeySlot slot) override { return engine_.key_del(peer, slot); }
  // To an endpoint before the handover: framed on our socket. Otherwise the engine's.
  Status send_control(const dco::ControlTarget& target, std::span<const uint8_t> bytes) override;
  DropCounts device_drops() const override { return engine_.device_drops(); }
  Expected<dco::EngineInfo> engine_get() const override { return engine_.engine_get(); }
  int notification_fd() const noexcept override { return engine_.notification_fd(); }
  size_t read_notifications(std::vector<dco::Notification>& out, size_t max) override {
    return engine_.read_notifications(out, max);
  }

 private:
  dco::Dco& engine_;
  io::Fd socket_;
  Endpoint remote_;
  bool handed_over_ = false;
  // The frame being read: its 2-byte header, then its body (exactly `need_` more bytes).
  std::vector<uint8_t> frame_;
  size_t need_ = 2;
  bool in_body_ = false;
};

}  // namespace ovpn::app
