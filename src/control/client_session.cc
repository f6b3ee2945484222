// The client session: key states by key id, push/pull, NCP, DCO key installation, outcomes of
// control messages, and renegotiation.

#include "control/client_session.h"

#include <algorithm>
#include <utility>

#include "control/dco_keys.h"
#include "control/key_rotation.h"
#include "control/push_negotiation.h"
#include "proto/opcode.h"

namespace ovpn::control {
namespace {

Restart restart(std::string reason) {
  Restart r;
  r.reason = std::move(reason);
  return r;
}

}  // namespace

Expected<std::unique_ptr<ClientSession>> ClientSession::create(
    ClientSessionConfig config, TlsWrapContext wrap, std::shared_ptr<const TlsContext> tls,
    dco::Dco& dco, uint64_t now_ms) {
  std::unique_ptr<ClientSession> s(
      new ClientSession(std::move(config), std::move(wrap), std::move(tls), dco));
  // A random session id, never all zeros.
  for (int i = 0; i < 8 && std::all_of(s->session_id_.begin(), s->session_id_.end(),
                                       [](uint8_t b) { return b == 0; });
       ++i) {
    auto st = s->config_.random(s->session_id_);
    if (!st) return forward_error(std::move(st));
  }
  auto ks = s->make_key_state(ResetKind::kHard, KeyId{}, now_ms);
  if (!ks) return forward_error(std::move(ks));
  s->keys_.set_primary(std::move(*ks));
  s->push_deadline_ms_ = now_ms + s->config_.hand_window_ms;
  return s;
}

ClientSession::ClientSession(ClientSessionConfig config, TlsWrapContext wrap,
                             std::shared_ptr<const TlsContext> tls, dco::Dco& dco)
    : config_(std::move(config)),
      wrap_(std::make_unique<TlsWrapContext>(std::move(wrap))),
      tls_(std::move(tls)),
      dco_(&dco),
      keys_({.role = proto::Role::kClient,
             .tran_window_ms = config_.tran_window_ms,
             .hand_window_ms = config_.hand_window_ms,
             .reneg_ms = config_.reneg_ms},
            dco, [this](KeyId key_id, uint64_t now_ms) {
              return make_key_state(ResetKind::kSoft, key_id, now_ms);
            }) {}

// A session that goes away takes its peer with it (the dco outlives the session).
ClientSession::~ClientSession() {
  if (peer_created_) static_cast<void>(dco_->peer_del(peer_));
}

Expected<std::unique_ptr<KeyState>> ClientSession::make_key_state(ResetKind reset, KeyId key_id,
                                                                  uint64_t now_ms) {
  KeyStateConfig c;
  c.channel.role = proto::Role::kClient;
  c.channel.reset = reset;
  c.channel.key_id = key_id;
  c.channel.own_session_id = session_id_;
  if (reset == ResetKind::kSoft && keys_.primary() != nullptr) {
    c.channel.peer_session_id = keys_.primary()->channel().peer_session_id();
  }
  c.channel.tls_timeout_ms = config_.tls_timeout_ms;
  c.channel.tls_mtu = config_.tls_mtu;
  c.channel.transport_overhead = config_.transport_overhead;
  c.hand_window_ms = config_.hand_window_ms;
  c.options = config_.options;
  c.username = config_.username;
  c.password = config_.password;
  c.peer_info = config_.peer_info;
  c.random = config_.random;
  TlsWrapContext& wrap = key_id.value() != 0 && dynamic_wrap_ ? *dynamic_wrap_ : *wrap_;
  auto ks = KeyState::create(std::move(c), wrap, tls_, now_ms);
  if (!ks) return forward_error(std::move(ks));
  return std::make_unique<KeyState>(std::move(*ks));
}

KeyId ClientSession::primary_key_id() const noexcept {
  return keys_.primary() != nullptr ? keys_.primary()->key_id() : KeyId{};
}

ClientSessionStats ClientSession::stats() const noexcept {
  ClientSessionStats s = stats_;
  s.key_state_drops = keys_.stats().key_state_drops;
  s.renegotiations = keys_.stats().renegotiations;
  s.failed_renegotiations = keys_.stats().failed_renegotiations;
  return s;
}
bool ClientSession::has_lame_duck() const noexcept { return keys_.lame_duck() != nullptr; }
bool ClientSession::negotiating() const noexcept { return keys_.negotiating() != nullptr; }

dco::ControlTarget ClientSession::target() const {
  if (peer_created_) return peer_;
  return config_.remote;
}

void ClientSession::on_packet(std::span<const uint8_t> wire, uint64_t now_ms) {
  if (phase_ == Phase::kDone || wire.empty()) return;
  if (!keys_.on_packet(wire, now_ms)) ++stats_.unknown_key_id;
}

void ClientSession::on_notification(const dco::Notification& notification, uint64_t now_ms) {
  if (phase_ == Phase::kDone) return;
  if (const auto* p = std::get_if<dco::ControlPacket>(&notification.event)) {
    on_packet(p->bytes, now_ms);
  } else if (const auto* d = std::get_if<dco::PeerDeleted>(&notification.event)) {
    if (!peer_created_ || d->peer != peer_ || d->reason == dco::DeleteReason::kUserspace) return;
    peer_created_ = false;  // the DCO has already removed it
    if (d->reason == dco::DeleteReason::kExpired) {
      finish(restart("ping-restart"));
    } else {
      finish(restart(std::string("connection reset: ") + dco::delete_reason_name(d->reason)));
    }
  } else if (const auto* k = std::get_if<dco::KeySwapNeeded>(&notification.event)) {
    if (k->peer == peer_ && phase_ == Phase::kConnected) {
      static_cast<void>(keys_.renegotiate(now_ms));
    }
  }
}

Status ClientSession::renegotiate(uint64_t now_ms) {
  if (phase_ != Phase::kConnected) {
    return make_error(Errc::kInvalidArgument, "no renegotiation possible now");
  }
  return keys_.renegotiate(now_ms);
}

void ClientSession::poll(uint64_t now_ms) {
  if (phase_ == Phase::kDone) return;
  flush(now_ms);
  handle_messages(now_ms);
  if (phase_ == Phase::kDone) return;
  run_timers(now_ms);
  if (phase_ == Phase::kDone) return;
  // What the handling queued (PUSH_REQUEST, EXIT, ACKs) goes out now.
  flush(now_ms);
}

void ClientSession::flush(uint64_t now_ms) { stats_.send_errors += keys_.flush(now_ms, target()); }

void ClientSession::handle_messages(uint64_t now_ms) {
  if (keys_.primary() == nullptr) return;
  for (const auto& m : keys_.primary()->take_messages()) {
    handle_message(m, now_ms);
    if (phase_ == Phase::kDone) return;
  }
  // Messages on other key states are not acted on (2.6 reads them on the primary too).
  for (KeyState* ks : {keys_.negotiating(), keys_.lame_duck()}) {
    if (ks != nullptr) stats_.ignored_messages += ks->take_messages().size();
  }
}

void ClientSession::handle_message(const ControlMessage& m, uint64_t now_ms) {
  switch (m.kind) {
    case ControlMessageKind::kPushReply:
      on_push_reply(m, now_ms);
      return;
    case ControlMessageKind::kAuthFailed:
      if (m.auth_failed == AuthFailedKind::kTemp) {
        finish(Restart{.reason = "AUTH_FAILED: " + m.reason,
                       .next_remote = m.temp_advance == "remote",
                       .keep_credentials = false,
                       .backoff_s = m.temp_backoff_s});
      } else {
        finish(AuthFailed{.reason = m.reason, .kind = m.auth_failed});
      }
      return;
    case ControlMessageKind::kRestart:
      finish(Restart{.reason = "server-pushed-connection-reset" +
                               (m.reason.empty() ? std::string() : ": " + m.reason),
                     .next_remote = m.restart_next_remote,
                     .keep_credentials = m.restart_keep_credentials,
                     .backoff_s = std::nullopt});
      return;
    case ControlMessageKind::kHalt:
      finish(Halt{.reason =
                      "server-pushed-halt" + (m.reason.empty() ? std::string() : ": " + m.reason)});
      return;
    case ControlMessageKind::kExit:
      // Only a negotiated cc-exit makes EXIT a message; a client then reconnects.
      if (pushed_.protocol_flags.cc_exit && phase_ != Phase::kHandshake) {
        finish(restart("remote-exit"));
        return;
      }
      break;
    default:
      break;
  }
  ++stats_.ignored_messages;
}

void ClientSession::on_push_reply(const ControlMessage& m, uint64_t now_ms) {
  if (phase_ != Phase::kPushing) {
    ++stats_.ignored_messages;  // a duplicate answer to an earlier PUSH_REQUEST
    return;
  }
  if (++push_parts_ > kMaxPushReplyParts) {
    finish(restart("PUSH_REPLY has too many parts"));
    return;
  }
  auto st = config::apply_push_reply(m.args, config_.pull_policy, pushed_);
  if (!st) {
    finish(restart("PUSH_REPLY refused: " + st.error().message));
    return;
  }
  if (!pushed_.complete()) return;
  st = install_primary(now_ms);
  // A server pushes dyn-tls-crypt only to clients that announced it; without our announcement
  // the flag means nothing.
  if (st && pushed_.protocol_flags.dyn_tls_crypt && config_.dynamic_tls_crypt) {
    st = start_dynamic_tls_crypt();
  }
  if (!st) {
    finish(restart(st.error().message));
    return;
  }
  phase_ = Phase::kConnected;
  keys_.start(peer_, cipher_, ekm_, now_ms);
  outcomes_.push_back(Connected{pushed_, cipher_, peer_, ekm_});
}

// Protocol reference 6.5: the key id 0 session's exporter, XORed with the original wrap key;
// a tls-crypt context of its own (counter and replay window) for every later key state.
Status ClientSession::start_dynamic_tls_crypt() {
  auto wrap = make_dynamic_tls_crypt(*keys_.primary(), config_.wrap_key, proto::Role::kClient,
                                     config_.unix_time());
  if (!wrap) return forward_error(std::move(wrap));
  dynamic_wrap_ = std::make_unique<TlsWrapContext>(std::move(*wrap));
  return {};
}

Status ClientSession::install_primary(uint64_t /*now_ms*/) {
  auto choice =
      negotiate_data_channel(pushed_, config_.data_ciphers, config_.data_ciphers_fallback);
  if (!choice) return forward_error(std::move(choice));
  cipher_ = choice->cipher;
  ekm_ = choice->use_ekm;

  auto key2 = keys_.primary()->derive_key2(ekm_);
  if (!key2) return forward_error(std::move(key2));

  dco::PeerConfig peer;
  const auto pushed_id = pushed_.peer_id ? PeerId::make(*pushed_.peer_id) : std::nullopt;
  if (pushed_.peer_id && !pushed_id) {
    return make_error(Errc::kMalformed, "pushed peer-id is out of range");
  }
  peer.id = pushed_id.value_or(*PeerId::make(0));
  peer.tx_id = pushed_id;
  peer.transport = config_.transport;
  if (config_.transport == dco::Transport::kUdp) peer.remote = config_.remote;
  peer.tcp_fd = config_.tcp_fd;
  peer.keepalive = config_.keepalive;
  if (pushed_.ping_s) peer.keepalive.interval_s = *pushed_.ping_s;
  if (pushed_.ping_restart_s) peer.keepalive.timeout_s = *pushed_.ping_restart_s;

  auto key = make_dco_key_config(*key2, {.alg = cipher_,
                                         .role = proto::Role::kClient,
                                         .key_id = keys_.primary()->key_id(),
                                         .peer = peer.id,
                                         .slot = dco::KeySlot::kPrimary});
  if (!key) return forward_error(std::move(key));
  const PeerId id = peer.id;
  if (auto st = dco_->peer_new(std::move(peer)); !st) return st;
  peer_created_ = true;
  peer_ = id;
  // Data flows only from here: the peer has no key before this.
  return dco_->key_new(std::move(*key));
}

void ClientSession::run_timers(uint64_t now_ms) {
  // The current key state failed (handshake, hand-window).
  KeyState* primary = keys_.primary();
  if (primary != nullptr && primary->failed() && phase_ != Phase::kExiting) {
    const auto& e = primary->error();
    finish(restart(e ? e->message : "TLS error"));
    return;
  }
  switch (phase_) {
    case Phase::kHandshake:
      if (primary->active()) {
        phase_ = Phase::kPushing;
        push_due_ms_ = now_ms + kPushRequestDelayMs;
      }
      break;
    case Phase::kPushing:
      if (now_ms >= push_deadline_ms_) {
        finish(restart("no reply from server to push requests within hand-window"));
        return;
      }
      if (now_ms >= push_due_ms_) {
        if (primary->send_message("PUSH_REQUEST")) ++stats_.push_requests;
        push_due_ms_ = now_ms + kPushRequestIntervalMs;
      }
      break;
    case Phase::kConnected:
      if (auto reason = keys_.run_timers(now_ms)) {
        finish(restart(*reason));
        return;
      }
      break;
    case Phase::kExiting:
      if (now_ms >= exit_deadline_ms_ || primary->channel().all_acked()) finish(Exited{});
      break;
    case Phase::kDone:
      break;
  }
}

void ClientSession::exit(uint64_t now_ms) {
  if (phase_ == Phase::kDone || phase_ == Phase::kExiting) return;
  if (phase_ == Phase::kConnected && pushed_.protocol_flags.cc_exit &&
      keys_.primary()->send_message("EXIT")) {
    phase_ = Phase::kExiting;
    exit_deadline_ms_ = now_ms + config_.exit_wait_ms;
    flush(now_ms);
    return;
  }
  finish(Exited{});
}

void ClientSession::finish(SessionOutcome outcome) {
  phase_ = Phase::kDone;
  keys_.detach();
  if (peer_created_) {
    static_cast<void>(dco_->peer_del(peer_));
    peer_created_ = false;
  }
  outcomes_.push_back(std::move(outcome));
}

std::optional<uint64_t> ClientSession::next_timeout_ms() const noexcept {
  if (phase_ == Phase::kDone) return std::nullopt;
  std::optional<uint64_t> t = keys_.next_timeout_ms();
  if (phase_ == Phase::kPushing) t = earliest(t, std::min(push_due_ms_, push_deadline_ms_));
  if (phase_ == Phase::kExiting) t = earliest(t, exit_deadline_ms_);
  return t;
}

std::vector<SessionOutcome> ClientSession::take_outcomes() { return std::exchange(outcomes_, {}); }

}  // namespace ovpn::control
