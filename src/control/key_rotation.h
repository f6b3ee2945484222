#pragma once
// The key states of one TLS session and their keys in the DCO, for either role (protocol
// reference 9): the primary, at most one renegotiation in progress, and the lame duck. Shared by
// the client and the server session.
//
//   start    ours (reneg-sec, KeySwapNeeded, renegotiate()), or the peer's SOFT_RESET with the
//            next key id (1..7, cycling), once the primary's key is installed and no other
//            renegotiation runs;
//   finish   the new key state ACTIVE: its key goes into the secondary slot and the slots swap,
//            so no packet is lost; the old primary becomes the lame duck, whose key is deleted
//            after tran-window or at the next renegotiation;
//   failure  the old primary works on until tran-window from the first failed attempt; ours is
//            retried after hand-window. Past that the session must end (run_timers() says why).
//
// Single-threaded: every member runs on the control thread.

#include <array>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "common/result.h"
#include "common/strong_id.h"
#include "control/key_state.h"
#include "crypto/cipher_alg.h"
#include "dco/dco.h"

namespace ovpn::control {

// Key ids cycle 1..7: 0 is used by the first key state only. Thread: any.
KeyId next_key_id(KeyId current) noexcept;
// The earlier of two optional deadlines. Thread: any.
std::optional<uint64_t> earliest(std::optional<uint64_t> a, std::optional<uint64_t> b) noexcept;

struct KeyRotationConfig {
  proto::Role role = proto::Role::kClient;
  uint64_t tran_window_ms = 3600 * 1000;
  uint64_t hand_window_ms = kDefaultHandWindowMs;
  uint64_t reneg_ms = 3600 * 1000;  // our reneg-sec; 0: never started by us
};

struct KeyRotationStats {
  uint64_t started_by_us = 0;    // renegotiations we started (reneg-sec, key swap, renegotiate())
  uint64_t started_by_peer = 0;  // the peer's soft resets that started one
  uint64_t renegotiations = 0;   // key states that became primary after key id 0
  uint64_t failed_renegotiations = 0;
  uint64_t key_state_drops = 0;  // packets a key state did not take
};

class KeyRotation {
 public:
  // Makes the key state of a renegotiation (a soft reset with `key_id`).
  using MakeKeyState =
      std::function<Expected<std::unique_ptr<KeyState>>(KeyId key_id, uint64_t now_ms)>;

  KeyRotation(KeyRotationConfig config, dco::Dco& dco, MakeKeyState make);

  // The first key state (key id 0).
  void set_primary(std::unique_ptr<KeyState> ks) { primary_ = std::move(ks); }
  // The primary's key is installed (primary slot of `peer`): renegotiations may run, and ours
  // is due after reneg-sec.
  void start(PeerId peer, crypto::CipherAlg cipher, bool ekm, uint64_t now_ms);
  // The peer is gone from the DCO: no more key calls; the key states stay for their messages.
  void detach() noexcept { peer_.reset(); }

  // A packet for one of our key ids, or a peer's soft reset starting a renegotiation. False:
  // no key state of ours for it (counted by the caller).
  bool on_packet(std::span<const uint8_t> wire, uint64_t now_ms);
  // Starts our renegotiation now; kInvalidArgument before start() or while one runs.
  Status renegotiate(uint64_t now_ms);
  // Finishes or fails renegotiations and runs tran-window and reneg-sec. A reason: the session
  // must end (the primary key has outlived tran-window after failed renegotiations).
  std::optional<std::string> run_timers(uint64_t now_ms);
  std::optional<uint64_t> next_timeout_ms() const noexcept;
  // Sends what every key state has due (retransmissions, ACKs, queued messages) to `target`
  // through the DCO; returns how many sends failed.
  uint64_t flush(uint64_t now_ms, const dco::ControlTarget& target);

  KeyState* primary() const noexcept { return primary_.get(); }
  KeyState* negotiating() const noexcept { return negotiating_.get(); }
  KeyState* lame_duck() const noexcept { return lame_duck_.get(); }
  // Every key state there is (nullptr for the empty places), primary first.
  std::array<KeyState*, 3> all() const noexcept {
    return {primary_.get(), negotiating_.get(), lame_duck_.get()};
  }
  const KeyRotationStats& stats() const noexcept { return stats_; }

 private:
  void start_renegotiation(uint64_t now_ms, std::span<const uint8_t> first_packet);
  void finish_renegotiation(uint64_t now_ms);
  void renegotiation_failed(uint64_t now_ms);
  void drop_lame_duck();

  KeyRotationConfig config_;
  dco::Dco* dco_;
  MakeKeyState make_;
  std::optional<PeerId> peer_;  // set while the primary's key is in the DCO
  crypto::CipherAlg cipher_ = crypto::CipherAlg::kAes256Gcm;
  bool ekm_ = false;

  std::unique_ptr<KeyState> primary_;
  std::unique_ptr<KeyState> negotiating_;
  std::unique_ptr<KeyState> lame_duck_;
  uint64_t lame_duck_die_ms_ = 0;
  uint64_t negotiation_started_ms_ = 0;
  std::optional<uint64_t> primary_die_ms_;  // after a failed renegotiation
  std::optional<uint64_t> reneg_at_ms_;
  KeyRotationStats stats_;
  std::vector<uint8_t> tx_;  // one control packet, reused by flush()
};

}  // namespace ovpn::control
