#include "control/key_state.h"

#include <algorithm>
#include <array>
#include <utility>

#include "control/key_method2_keys.h"
#include "crypto/ekm.h"
#include "crypto/tls_crypt.h"

namespace ovpn::control {
namespace {

// Ciphertext moves from the channel into TLS in chunks of this size.
constexpr size_t kFeedChunk = 4096;

}  // namespace

const char* key_state_stage_name(KeyStateStage stage) noexcept {
  switch (stage) {
    case KeyStateStage::kInitial:
      return "initial";
    case KeyStateStage::kPreStart:
      return "pre_start";
    case KeyStateStage::kStart:
      return "start";
    case KeyStateStage::kSentKey:
      return "sent_key";
    case KeyStateStage::kGotKey:
      return "got_key";
    case KeyStateStage::kActive:
      return "active";
    case KeyStateStage::kFailed:
      return "failed";
  }
  return "unknown";
}

Expected<KeyState> KeyState::create(KeyStateConfig config, TlsWrapContext& wrap,
                                    std::shared_ptr<const TlsContext> tls, uint64_t now_ms) {
  if (!tls || tls->role() != config.channel.role) {
    return make_error(Errc::kInvalidArgument, "key state: TLS context of the other role");
  }
  if (config.hand_window_ms == 0) {
    return make_error(Errc::kInvalidArgument, "key state: hand-window must be positive");
  }
  if (!config.random) return make_error(Errc::kInvalidArgument, "key state: no random source");
  const proto::Role role = config.channel.role;
  auto own = role == proto::Role::kClient
                 ? make_key_method2(role, config.random, config.options, config.username,
                                    config.password, config.peer_info)
                 : make_key_method2(role, config.random, config.options);
  if (!own) return forward_error(std::move(own));
  // Refuse now what the builder would refuse later (strings too long, NULs).
  if (auto bytes = build_key_method2(*own); !bytes) return forward_error(std::move(bytes));
  auto channel = ControlChannel::create(config.channel, wrap, now_ms);
  if (!channel) return forward_error(std::move(channel));
  auto session = TlsSession::create(std::move(tls));
  if (!session) return forward_error(std::move(session));
  const uint64_t deadline = now_ms + config.hand_window_ms;
  KeyState ks(std::move(config), std::move(*channel), std::move(*session), std::move(*own),
              deadline);
  ks.advance(now_ms);  // a client's ClientHello goes to the channel right away
  return ks;
}

KeyState::KeyState(KeyStateConfig config, ControlChannel channel, std::unique_ptr<TlsSession> tls,
                   KeyMethod2Message own, uint64_t deadline_ms)
    : config_(std::move(config)),
      channel_(std::move(channel)),
      tls_(std::move(tls)),
      own_km2_(std::move(own)),
      deadline_ms_(deadline_ms) {
  // A server's hard reset waits in kInitial for the client's; otherwise ours is queued.
  const bool waits =
      config_.channel.role == proto::Role::kServer && config_.channel.reset == ResetKind::kHard;
  stage_ = waits ? KeyStateStage::kInitial : KeyStateStage::kPreStart;
}

ControlDrop KeyState::on_packet(std::span<const uint8_t> wire, uint64_t now_ms) {
  if (failed()) return ControlDrop::kFailed;
  const ControlDrop verdict = channel_.on_packet(wire, now_ms);
  advance(now_ms);
  return verdict;
}

Expected<size_t> KeyState::poll_transmit(uint64_t now_ms, std::span<uint8_t> out) {
  advance(now_ms);
  if (failed()) return size_t{0};
  return channel_.poll_transmit(now_ms, out);
}

std::optional<uint64_t> KeyState::next_timeout_ms() const noexcept {
  if (failed()) return std::nullopt;
  std::optional<uint64_t> next = channel_.next_timeout_ms();
  if (!active()) next = next ? std::min(*next, deadline_ms_) : deadline_ms_;
  return next;
}

bool KeyState::exchange_done() const noexcept {
  if (stage_ == KeyStateStage::kActive) return true;
  return config_.channel.role == proto::Role::kClient ? stage_ == KeyStateStage::kGotKey
                                                      : stage_ == KeyStateStage::kSentKey;
}

void KeyState::advance(uint64_t now_ms) {
  if (failed()) return;
  if (channel_.failed()) {
    const Error& e = *channel_.error();
    return fail(e.code, "control channel: " + e.message);
  }
  if (!feed_tls()) return;
  if (stage_ == KeyStateStage::kInitial && channel_.peer_reset_seen()) {
    stage_ = KeyStateStage::kPreStart;
  }
  if (stage_ == KeyStateStage::kPreStart && channel_.own_reset_acked()) {
    stage_ = KeyStateStage::kStart;
  }
  const bool client = config_.channel.role == proto::Role::kClient;
  if (client) {
    if (stage_ == KeyStateStage::kStart) {
      if (!write_own_key_method2()) return;
      stage_ = KeyStateStage::kSentKey;
    }
    if (stage_ == KeyStateStage::kSentKey && tls_->established()) {
      if (!read_peer_key_method2()) return;
    }
  } else {
    if (stage_ == KeyStateStage::kStart && tls_->established()) {
      if (!read_peer_key_method2()) return;
    }
    if (stage_ == KeyStateStage::kGotKey) {
      if (!write_own_key_method2()) return;
      stage_ = KeyStateStage::kSentKey;
    }
  }
  if (exchange_done()) read_messages();
  if (failed() || !flush_tls()) return;
  if (exchange_done() && stage_ != KeyStateStage::kActive && channel_.all_acked() &&
      channel_.write_pending() == 0) {
    stage_ = KeyStateStage::kActive;
  }
  if (stage_ != KeyStateStage::kActive && now_ms >= deadline_ms_) {
    fail(Errc::kExhausted, "TLS key negotiation failed to occur within " +
                               std::to_string(config_.hand_window_ms / 1000) + " seconds");
  }
}

bool KeyState::feed_tls() {
  std::array<uint8_t, kFeedChunk> chunk{};
  while (channel_.readable() > 0) {
    const size_t n = channel_.read(chunk);
    if (auto st = tls_->feed_ciphertext(std::span<const uint8_t>(chunk).first(n)); !st) {
      // The alert TLS wrote is of no use to a key state that is gone.
      fail(Errc::kAuthFailed, "TLS error: " + tls_->error());
      return false;
    }
  }
  return true;
}

bool KeyState::flush_tls() {
  if (!tls_->has_ciphertext()) return true;
  const std::vector<uint8_t> bytes = tls_->take_ciphertext();
  if (auto st = channel_.write(bytes); !st) {
    fail(st.error().code, "control channel: " + st.error().message);
    return false;
  }
  return true;
}

bool KeyState::write_own_key_method2() {
  auto bytes = build_key_method2(own_km2_);
  if (!bytes) {
    fail(bytes.error().code, "key-method-2: " + bytes.error().message);
    return false;
  }
  if (auto st = tls_->write_message(*bytes); !st) {
    fail(st.error().code, "key-method-2: " + st.error().message);
    return false;
  }
  return true;
}

bool KeyState::read_peer_key_method2() {
  auto record = tls_->read_plaintext();
  if (!record) {
    fail(record.error().code, "TLS error: " + record.error().message);
    return false;
  }
  if (record->empty()) return true;  // not yet
  const proto::Role peer =
      config_.channel.role == proto::Role::kClient ? proto::Role::kServer : proto::Role::kClient;
  auto msg = parse_key_method2(*record, peer);
  if (!msg) {
    fail(msg.error().code, "key-method-2 from peer: " + msg.error().message);
    return false;
  }
  peer_info_ = PeerInfo::parse(msg->peer_info);
  peer_km2_ = std::move(*msg);
  stage_ = KeyStateStage::kGotKey;
  return true;
}

void KeyState::read_messages() {
  // Bounded: the channel holds at most kMaxReadBuffer of ciphertext, and each record is one
  // read of at most kTlsReadSize bytes.
  for (;;) {
    auto record = tls_->read_plaintext();
    if (!record) return fail(record.error().code, "TLS error: " + record.error().message);
    if (record->empty()) return;
    SplitMessages split = split_control_messages(*record);
    stats_.messages_dropped += split.dropped;
    for (const std::string& text : split.messages) {
      if (messages_.size() >= kMaxPendingMessages) {
        ++stats_.messages_dropped;
        continue;
      }
      ++stats_.messages_received;
      messages_.push_back(classify_control_message(text));
    }
  }
}

void KeyState::fail(Errc code, std::string reason) {
  stage_ = KeyStateStage::kFailed;
  error_ = Error{code, std::move(reason)};
}

const KeyMethod2Message* KeyState::peer_key_method2() const noexcept {
  return active() && peer_km2_ ? &*peer_km2_ : nullptr;
}

const PeerInfo* KeyState::peer_info() const noexcept {
  return active() && peer_info_ ? &*peer_info_ : nullptr;
}

const PeerCertificate* KeyState::peer_certificate() const noexcept {
  if (!active() || !tls_->peer_certificate()) return nullptr;
  return &*tls_->peer_certificate();
}

Expected<proto::Key2> KeyState::derive_key2(bool use_ekm) {
  if (!active() || !peer_km2_) {
    return make_error(Errc::kInvalidArgument, "key state: key2 before ACTIVE");
  }
  const bool client = config_.channel.role == proto::Role::kClient;
  KeyStateSecrets secrets;
  secrets.client = client ? &own_km2_ : &*peer_km2_;
  secrets.server = client ? &*peer_km2_ : &own_km2_;
  // The peer's id is the one it actually used (a 2.6 server's cookie sid).
  const proto::SessionId own = channel_.own_session_id();
  const proto::SessionId peer = channel_.peer_session_id().value_or(proto::SessionId{});
  secrets.client_session_id = client ? own : peer;
  secrets.server_session_id = client ? peer : own;
  return control::derive_key2(use_ekm ? KeyDerivation::kTlsEkm : KeyDerivation::kLegacyPrf, secrets,
                              *tls_);
}

Expected<TlsWrapContext> make_dynamic_tls_crypt(KeyState& first,
                                                const std::optional<proto::Key2>& original,
                                                proto::Role role, uint32_t unix_time) {
  auto ekm = first.export_keying_material(crypto::kEkmDynamicTlsCrypt, proto::kKey2Size);
  if (!ekm) return forward_error(std::move(ekm));
  const std::span<const uint8_t, proto::kKey2Size> bytes(ekm->data(), proto::kKey2Size);
  const proto::Key2 key =
      original ? crypto::dynamic_tls_crypt_key(*original, bytes) : proto::Key2(bytes);
  auto wrap = crypto::TlsCrypt::create(key, role);
  if (!wrap) return forward_error(std::move(wrap));
  return TlsWrapContext::make(std::move(*wrap), role, unix_time);
}

Expected<SecretBytes> KeyState::export_keying_material(std::string_view label, size_t length) {
  if (!active()) return make_error(Errc::kInvalidArgument, "key state: exporter before ACTIVE");
  return tls_->export_keying_material(label, length);
}

Status KeyState::send_message(std::string_view text) {
  if (!active()) return make_error(Errc::kInvalidArgument, "key state: message before ACTIVE");
  auto bytes = build_control_message(text);
  if (!bytes) return forward_error(std::move(bytes));
  if (auto st = tls_->write_message(*bytes); !st) return st;
  if (!flush_tls()) return make_error(error_->code, error_->message);
  return {};
}

std::vector<ControlMessage> KeyState::take_messages() {
  std::vector<ControlMessage> out;
  out.swap(messages_);
  return out;
}

}  // namespace ovpn::control
