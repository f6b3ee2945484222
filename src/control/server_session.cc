// The server session: the client's key states, authorization by the caller, NCP, DCO peer and
// key installation, the PUSH_REPLY, renegotiation and the end of the session.

#include "control/server_session.h"

#include <algorithm>
#include <utility>

#include "control/control_message.h"
#include "control/dco_keys.h"
#include "control/push_negotiation.h"

namespace ovpn::control {

const char* end_reason_name(EndReason reason) noexcept {
  switch (reason) {
    case EndReason::kHandshakeFailed:
      return "handshake-failed";
    case EndReason::kRejected:
      return "auth-failed";
    case EndReason::kNegotiationFailed:
      return "negotiation-failed";
    case EndReason::kClientExit:
      return "client-exit";
    case EndReason::kExpired:
      return "ping-expired";
    case EndReason::kDisconnected:
      return "disconnected";
    case EndReason::kRenegotiationFailed:
      return "renegotiation-failed";
    case EndReason::kKilled:
      return "killed";
  }
  return "?";
}

Expected<std::unique_ptr<ServerSession>> ServerSession::create(
    ServerSessionConfig config, TlsWrapContext wrap, std::shared_ptr<const TlsContext> tls,
    dco::Dco& dco, std::span<const uint8_t> first_packet, uint64_t now_ms,
    const std::optional<NewSession>& start) {
  if (start && start->client_key) config.wrap_key = start->client_key->kc;
  std::unique_ptr<ServerSession> s(
      new ServerSession(std::move(config), std::move(wrap), std::move(tls), dco));
  for (int i = 0; i < 8 && std::all_of(s->session_id_.begin(), s->session_id_.end(),
                                       [](uint8_t b) { return b == 0; });
       ++i) {
    auto st = s->config_.random(s->session_id_);
    if (!st) return forward_error(std::move(st));
  }
  auto ks = s->make_key_state(ResetKind::kHard, KeyId{}, now_ms, start ? &*start : nullptr);
  if (!ks) return forward_error(std::move(ks));
  if (const ControlDrop drop = (*ks)->on_packet(first_packet, now_ms); drop != ControlDrop::kNone) {
    return make_error(Errc::kMalformed,
                      std::string("client hard reset refused: ") + control_drop_name(drop));
  }
  s->keys_.set_primary(std::move(*ks));
  return s;
}

ServerSession::ServerSession(ServerSessionConfig config, TlsWrapContext wrap,
                             std::shared_ptr<const TlsContext> tls, dco::Dco& dco)
    : config_(std::move(config)),
      wrap_(std::make_unique<TlsWrapContext>(std::move(wrap))),
      tls_(std::move(tls)),
      dco_(&dco),
      keys_({.role = proto::Role::kServer,
             .tran_window_ms = config_.tran_window_ms,
             .hand_window_ms = config_.hand_window_ms,
             .reneg_ms = config_.reneg_ms},
            dco, [this](KeyId key_id, uint64_t now_ms) {
              return make_key_state(ResetKind::kSoft, key_id, now_ms);
            }) {}

ServerSession::~ServerSession() {
  if (peer_created_) static_cast<void>(dco_->peer_del(config_.peer_id));
}

Expected<std::unique_ptr<KeyState>> ServerSession::make_key_state(ResetKind reset, KeyId key_id,
                                                                  uint64_t now_ms,
                                                                  const NewSession* start) {
  KeyStateConfig c;
  c.channel.role = proto::Role::kServer;
  c.channel.reset = reset;
  c.channel.key_id = key_id;
  c.channel.own_session_id = session_id_;
  if (reset == ResetKind::kSoft && keys_.primary() != nullptr) {
    c.channel.peer_session_id = keys_.primary()->channel().peer_session_id();
  }
  c.channel.tls_timeout_ms = config_.tls_timeout_ms;
  c.channel.tls_mtu = config_.tls_mtu;
  c.channel.transport_overhead = config_.transport_overhead;
  if (start != nullptr) {
    // After a cookie our session id is the cookie, which the client already uses.
    c.channel = new_session_channel_config(*start, session_id_, c.channel);
    session_id_ = c.channel.own_session_id;
  }
  c.hand_window_ms = config_.hand_window_ms;
  c.options = config_.options;
  c.random = config_.random;
  TlsWrapContext& wrap = key_id.value() != 0 && dynamic_wrap_ ? *dynamic_wrap_ : *wrap_;
  auto ks = KeyState::create(std::move(c), wrap, tls_, now_ms);
  if (!ks) return forward_error(std::move(ks));
  return std::make_unique<KeyState>(std::move(*ks));
}

KeyId ServerSession::primary_key_id() const noexcept {
  return keys_.primary() != nullptr ? keys_.primary()->key_id() : KeyId{};
}

dco::ControlTarget ServerSession::target() const {
  if (peer_created_) return config_.peer_id;
  return config_.remote;
}

void ServerSession::on_packet(std::span<const uint8_t> wire, uint64_t now_ms) {
  if (phase_ == Phase::kDone || wire.empty()) return;
  if (!keys_.on_packet(wire, now_ms)) ++stats_.unknown_key_id;
}

void ServerSession::on_notification(const dco::Notification& notification, uint64_t now_ms) {
  if (phase_ == Phase::kDone) return;
  if (const auto* p = std::get_if<dco::ControlPacket>(&notification.event)) {
    on_packet(p->bytes, now_ms);
  } else if (const auto* d = std::get_if<dco::PeerDeleted>(&notification.event)) {
    if (!peer_created_ || d->peer != config_.peer_id ||
        d->reason == dco::DeleteReason::kUserspace) {
      return;
    }
    peer_created_ = false;  // the DCO has already removed it
    finish(
        d->reason == dco::DeleteReason::kExpired ? EndReason::kExpired : EndReason::kDisconnected,
        dco::delete_reason_name(d->reason));
  } else if (const auto* k = std::get_if<dco::KeySwapNeeded>(&notification.event)) {
    if (k->peer == config_.peer_id && phase_ == Phase::kConnected) {
      static_cast<void>(keys_.renegotiate(now_ms));
    }
  }
}

Status ServerSession::renegotiate(uint64_t now_ms) {
  if (phase_ != Phase::kConnected) {
    return make_error(Errc::kInvalidArgument, "no renegotiation possible now");
  }
  return keys_.renegotiate(now_ms);
}

void ServerSession::poll(uint64_t now_ms) {
  if (phase_ == Phase::kDone) return;
  flush(now_ms);
  handle_messages(now_ms);
  if (phase_ == Phase::kDone) return;
  run_timers(now_ms);
  if (phase_ == Phase::kDone) return;
  flush(now_ms);
}

void ServerSession::flush(uint64_t now_ms) { stats_.send_errors += keys_.flush(now_ms, target()); }

void ServerSession::handle_messages(uint64_t /*now_ms*/) {
  KeyState* primary = keys_.primary();
  if (primary == nullptr) return;
  for (const auto& m : primary->take_messages()) {
    switch (m.kind) {
      case ControlMessageKind::kPushRequest:
        push_requested_ = true;
        // Answered every time (the client asks again when a reply was lost).
        if (phase_ == Phase::kConnected) send_push_reply();
        break;
      case ControlMessageKind::kExit:
        if (cc_exit_ && phase_ == Phase::kConnected) {
          finish(EndReason::kClientExit, "EXIT");
          return;
        }
        ++stats_.ignored_messages;
        break;
      default:
        ++stats_.ignored_messages;
        break;
    }
  }
  for (KeyState* ks : {keys_.negotiating(), keys_.lame_duck()}) {
    if (ks != nullptr) stats_.ignored_messages += ks->take_messages().size();
  }
}

void ServerSession::run_timers(uint64_t now_ms) {
  KeyState* primary = keys_.primary();
  if (primary != nullptr && primary->failed() && phase_ != Phase::kRejecting) {
    const auto& e = primary->error();
    finish(EndReason::kHandshakeFailed, e ? e->message : "TLS error");
    return;
  }
  switch (phase_) {
    case Phase::kHandshake:
      if (primary->active()) {
        NeedsAuthorization who;
        if (const auto* cert = primary->peer_certificate()) who.common_name = cert->common_name;
        if (const auto* km2 = primary->peer_key_method2()) {
          who.username = km2->username;
          who.password = km2->password;
          client_options_ = km2->options;
        }
        if (const auto* info = primary->peer_info()) peer_info_ = *info;
        who.peer_info = peer_info_;
        phase_ = Phase::kAuthorizing;
        outcomes_.emplace_back(std::in_place_type<NeedsAuthorization>, std::move(who));
      }
      break;
    case Phase::kConnected:
      if (auto reason = keys_.run_timers(now_ms)) finish(EndReason::kRenegotiationFailed, *reason);
      break;
    case Phase::kRejecting:
      if (now_ms >= reject_deadline_ms_ || primary->channel().all_acked()) {
        finish(reject_reason_, "AUTH_FAILED sent");
      }
      break;
    case Phase::kAuthorizing:
    case Phase::kDone:
      break;
  }
}

Status ServerSession::accept(ClientGrant grant, uint64_t now_ms) {
  if (phase_ != Phase::kAuthorizing) {
    return make_error(Errc::kInvalidArgument, "accept() outside authorization");
  }
  grant_ = std::move(grant);
  if (auto st = connect(now_ms); !st) {
    send_auth_failed(st.error().message, EndReason::kNegotiationFailed, now_ms);
    return st;
  }
  return {};
}

// NCP, the peer and its first key, the PUSH_REPLY (Protocol reference 6.4, 8.2, 8.3).
Status ServerSession::connect(uint64_t now_ms) {
  KeyState& primary = *keys_.primary();
  auto choice = choose_data_channel(peer_info_, client_options_, config_.data_ciphers,
                                    config_.data_ciphers_fallback);
  if (!choice) return forward_error(std::move(choice));
  cipher_ = choice->cipher;
  ekm_ = choice->use_ekm;
  cc_exit_ = peer_info_.has_proto(iv_proto::kCcExitNotify);
  const bool dynamic =
      config_.dynamic_tls_crypt && ekm_ && peer_info_.has_proto(iv_proto::kDynTlsCrypt);

  auto key2 = primary.derive_key2(ekm_);
  if (!key2) return forward_error(std::move(key2));
  auto key = make_dco_key_config(*key2, {.alg = cipher_,
                                         .role = proto::Role::kServer,
                                         .key_id = primary.key_id(),
                                         .peer = config_.peer_id,
                                         .slot = dco::KeySlot::kPrimary});
  if (!key) return forward_error(std::move(key));
  std::vector<std::string> push = grant_.push;
  push.push_back("peer-id " + std::to_string(config_.peer_id.value()));
  push.push_back(std::string("cipher ") + crypto::cipher_name(cipher_));
  std::string flags;
  if (cc_exit_) flags += " cc-exit";
  if (ekm_) flags += " tls-ekm";
  if (dynamic) flags += " dyn-tls-crypt";
  if (!flags.empty()) push.push_back("protocol-flags" + flags);
  auto messages = build_push_reply(push);
  if (!messages) return forward_error(std::move(messages));
  push_messages_ = std::move(*messages);

  dco::PeerConfig peer;
  peer.id = config_.peer_id;
  peer.transport = config_.transport;
  if (config_.transport == dco::Transport::kUdp) peer.remote = config_.remote;
  peer.tcp_fd = config_.tcp_fd;
  peer.vpn_ipv4 = grant_.vpn_ipv4;
  peer.vpn_ipv6 = grant_.vpn_ipv6;
  peer.routes = grant_.iroutes;
  peer.keepalive = config_.keepalive;
  if (auto st = dco_->peer_new(std::move(peer)); !st) return st;
  peer_created_ = true;
  // The key before the PUSH_REPLY: the client sends data as soon as it has processed it.
  if (auto st = dco_->key_new(std::move(*key)); !st) return st;
  if (dynamic) {
    auto wrap = make_dynamic_tls_crypt(primary, config_.wrap_key, proto::Role::kServer,
                                       config_.unix_time());
    if (!wrap) return forward_error(std::move(wrap));
    dynamic_wrap_ = std::make_unique<TlsWrapContext>(std::move(*wrap));
  }
  phase_ = Phase::kConnected;
  keys_.start(config_.peer_id, cipher_, ekm_, now_ms);
  // In place: GCC 12 at -O2 warns about a moved temporary variant of string alternatives.
  outcomes_.emplace_back(std::in_place_type<Established>, Established{cipher_, ekm_});
  if (push_requested_ || peer_info_.has_proto(iv_proto::kRequestPush)) send_push_reply();
  return {};
}

void ServerSession::send_push_reply() {
  KeyState* primary = keys_.primary();
  for (const std::string& m : push_messages_) {
    if (primary->send_message(m)) {
      ++stats_.push_replies;
    } else {
      ++stats_.send_errors;
    }
  }
}

Status ServerSession::reject(const std::string& reason, uint64_t now_ms) {
  if (phase_ != Phase::kAuthorizing && phase_ != Phase::kConnected) {
    return make_error(Errc::kInvalidArgument, "reject() outside authorization");
  }
  send_auth_failed(reason, EndReason::kRejected, now_ms);
  return {};
}

// AUTH_FAILED[,reason]; the peer goes at once, the session once it is ACKed (or after a
// linger), so that the client reads why.
void ServerSession::send_auth_failed(const std::string& reason, EndReason end, uint64_t now_ms) {
  if (peer_created_) {
    static_cast<void>(dco_->peer_del(config_.peer_id));
    peer_created_ = false;
  }
  keys_.detach();
  static_cast<void>(
      keys_.primary()->send_message(reason.empty() ? "AUTH_FAILED" : "AUTH_FAILED," + reason));
  phase_ = Phase::kRejecting;
  reject_reason_ = end;
  reject_deadline_ms_ = now_ms + kAuthFailedLingerMs;
  flush(now_ms);
}

void ServerSession::kill(uint64_t now_ms, std::string_view notice) {
  if (phase_ == Phase::kDone) return;
  const bool told = !notice.empty() && phase_ == Phase::kConnected &&
                    static_cast<bool>(keys_.primary()->send_message(notice));
  if (told) flush(now_ms);
  finish(EndReason::kKilled, told ? std::string(notice) + " sent" : std::string());
}

void ServerSession::finish(EndReason reason, std::string detail) {
  phase_ = Phase::kDone;
  keys_.detach();
  if (peer_created_) {
    static_cast<void>(dco_->peer_del(config_.peer_id));
    peer_created_ = false;
  }
  outcomes_.emplace_back(std::in_place_type<SessionEnded>, SessionEnded{reason, std::move(detail)});
}

std::optional<uint64_t> ServerSession::next_timeout_ms() const noexcept {
  if (phase_ == Phase::kDone) return std::nullopt;
  std::optional<uint64_t> t = keys_.next_timeout_ms();
  if (phase_ == Phase::kRejecting) t = earliest(t, reject_deadline_ms_);
  return t;
}

std::vector<ServerOutcome> ServerSession::take_outcomes() { return std::exchange(outcomes_, {}); }

}  // namespace ovpn::control
