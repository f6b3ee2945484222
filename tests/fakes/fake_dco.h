#pragma once
// An in-memory DCO for the control plane's tests: it keeps peers and keys exactly as the API
// says (it passes the conformance suite), records what the control plane sent, and lets a test
// play the engine's part: deliver a control packet, expire a peer, exhaust a key, float a peer,
// close a TCP connection.
//
// Thread: control (tests call the simulate_* hooks from the test thread, which is the control
// thread there).

#include <map>
#include <memory>

#include "dco/dco.h"
#include "dco/notification_queue.h"

namespace ovpn::dco {

class FakeDco final : public Dco {
 public:
  struct SentControl {
    ControlTarget target;
    std::vector<uint8_t> bytes;
  };

  static Expected<std::unique_ptr<FakeDco>> create(Mode mode);
  ~FakeDco() override;

  Mode mode() const noexcept override { return mode_; }
  Status peer_new(PeerConfig config) override;
  Status peer_set(const PeerUpdate& update) override;
  Expected<PeerInfo> peer_get(PeerId id) const override;
  std::vector<PeerInfo> peer_get_all() const override;
  Status peer_del(PeerId id) override;
  Status key_new(KeyConfig key) override;
  Expected<KeyInfo> key_get(PeerId peer, KeySlot slot) const override;
  Status key_swap(PeerId peer) override;
  Status key_del(PeerId peer, KeySlot slot) override;
  Status send_control(const ControlTarget& target, std::span<const uint8_t> bytes) override;
  DropCounts device_drops() const override { return {}; }
  int notification_fd() const noexcept override { return queue_->fd(); }
  size_t read_notifications(std::vector<Notification>& out, size_t max) override;

  // What the control plane sent, oldest first; cleared by take_sent().
  std::vector<SentControl> take_sent();
  // The engine's side of the contract.
  void simulate_control_packet(ControlPacket packet);
  Status simulate_peer_gone(PeerId id, DeleteReason reason);  // expiry, TCP close or error
  Status simulate_key_exhausted(PeerId id);                   // the primary key's ids run out
  Status simulate_float(PeerId id, const Endpoint& remote);
  Status simulate_traffic(PeerId id, uint64_t rx_bytes, uint64_t tx_bytes);
  // The cipher key a slot holds (a fake may show it; the real API never does).
  std::optional<std::vector<uint8_t>> key_bytes_for_test(PeerId peer, KeySlot slot,
                                                         bool encrypt) const;

 private:
  struct Slot {
    KeyInfo info;
    std::vector<uint8_t> encrypt_key;
    std::vector<uint8_t> decrypt_key;
  };
  struct Peer {
    PeerConfig config;
    std::optional<Slot> slots[2];
    PeerStats stats;
  };

  FakeDco(Mode mode, std::unique_ptr<NotificationQueue> queue) noexcept
      : mode_(mode), queue_(std::move(queue)) {}
  Peer* find(PeerId id);
  const Peer* find(PeerId id) const;
  PeerInfo info(const Peer& peer) const;
  void remove(PeerId id, DeleteReason reason);

  Mode mode_;
  std::unique_ptr<NotificationQueue> queue_;
  std::map<PeerId, Peer> peers_;
  std::vector<SentControl> sent_;
};

}  // namespace ovpn::dco
