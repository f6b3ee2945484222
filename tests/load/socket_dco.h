#pragma once
// A dco::Dco over one connected UDP socket, for the load driver: the smallest DCO a
// control::ClientSession can run on, with no engine and no tun device.
//
//   send_control   send() on the socket (the only remote is the server it is connected to);
//   key_new        keeps the data keys here, as one sealing and one opening AEAD per slot,
//                  so that the driver can send and receive a few data packets itself
//                  (send_data / open_data); peers and slots follow the API's rules;
//   notifications  none are queued: the driver reads the socket and hands every non-data
//                  datagram to the session as a dco::ControlPacket itself.
//
// Thread: the driver's (single) thread, like any Dco's control thread.

#include <cstdint>
#include <memory>
#include <optional>
#include <span>

#include "common/ip_address.h"
#include "common/result.h"
#include "crypto/data_aead.h"
#include "dco/dco.h"
#include "io/fd.h"

namespace ovpn::load {

class SocketDco final : public dco::Dco {
 public:
  // A non-blocking UDP socket connected to `server` (a fresh local port).
  static Expected<std::unique_ptr<SocketDco>> open(const Endpoint& server);

  int fd() const noexcept { return socket_.get(); }
  const Endpoint& server() const noexcept { return server_; }
  bool has_peer() const noexcept { return peer_.has_value(); }

  dco::Mode mode() const noexcept override { return dco::Mode::kPointToPoint; }
  Status peer_new(dco::PeerConfig config) override;
  Status peer_set(const dco::PeerUpdate& update) override;
  Expected<dco::PeerInfo> peer_get(PeerId id) const override;
  std::vector<dco::PeerInfo> peer_get_all() const override;
  Status peer_del(PeerId id) override;
  Status key_new(dco::KeyConfig key) override;
  Expected<dco::KeyInfo> key_get(PeerId peer, dco::KeySlot slot) const override;
  Status key_swap(PeerId peer) override;
  Status key_del(PeerId peer, dco::KeySlot slot) override;
  Status send_control(const dco::ControlTarget& target, std::span<const uint8_t> bytes) override;
  DropCounts device_drops() const override { return {}; }
  int notification_fd() const noexcept override { return -1; }
  size_t read_notifications(std::vector<dco::Notification>&, size_t) override { return 0; }

  // Seals `plaintext` with the primary key as P_DATA_V2 (to the peer's tx id) and sends it.
  Status send_data(std::span<const uint8_t> plaintext);
  // Opens a received P_DATA_V2 datagram in place with the slot its key id names; the
  // plaintext, or nullopt (no such key, bad tag, malformed).
  std::optional<std::span<const uint8_t>> open_data(std::span<uint8_t> wire);
  // The monotonic ms of the last data packet sent (for keepalive pings).
  uint64_t last_data_tx_ms() const noexcept { return last_data_tx_ms_; }

 private:
  struct Slot {
    KeyId key_id;
    crypto::CipherAlg alg = crypto::CipherAlg::kAes256Gcm;
    crypto::DataAead seal;
    crypto::DataAead open;
    uint32_t last_packet_id = 0;
  };

  SocketDco(io::Fd socket, const Endpoint& server) noexcept
      : socket_(std::move(socket)), server_(server) {}
  Status check_peer(PeerId id) const;
  std::optional<Slot>& slot(dco::KeySlot s) noexcept {
    return s == dco::KeySlot::kPrimary ? primary_ : secondary_;
  }
  const std::optional<Slot>& slot(dco::KeySlot s) const noexcept {
    return s == dco::KeySlot::kPrimary ? primary_ : secondary_;
  }

  io::Fd socket_;
  Endpoint server_;
  std::optional<dco::PeerConfig> peer_;
  std::optional<Slot> primary_;
  std::optional<Slot> secondary_;
  dco::PeerStats stats_;
  uint64_t last_data_tx_ms_ = 0;
};

}  // namespace ovpn::load
