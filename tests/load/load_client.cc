#include "load_client.h"

#include <sys/socket.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <ctime>
#include <variant>

#include "icmp_echo.h"
#include "proto/data_packet.h"

namespace ovpn::load {

void LoadClient::start(uint64_t now_ms) {
  state_ = State::kHandshake;
  started_ms_ = now_ms;
  auto dco = SocketDco::open(setup_->server);
  if (!dco) return fail(dco.error().message);
  dco_ = std::move(*dco);
  auto config = app::make_session_config(*setup_->options, *setup_->entry, setup_->server,
                                         setup_->credentials);
  if (!config) return fail(config.error().message);
  auto wrap = setup_->wrap_keys->make(static_cast<uint32_t>(::time(nullptr)));
  if (!wrap) return fail(wrap.error().message);
  auto session = control::ClientSession::create(std::move(*config), std::move(*wrap), setup_->tls,
                                                *dco_, now_ms);
  if (!session) return fail(session.error().message);
  session_ = std::move(*session);
  poll(now_ms);
}

void LoadClient::poll(uint64_t now_ms) {
  if (!session_) return;
  session_->poll(now_ms);
  handle_outcomes(now_ms);
}

void LoadClient::handle_outcomes(uint64_t now_ms) {
  if (!session_) return;
  const auto stats = session_->stats();
  push_requests_ = stats.push_requests;
  ignored_messages_ = stats.ignored_messages;
  for (auto& outcome : session_->take_outcomes()) {
    if (const auto* c = std::get_if<control::Connected>(&outcome)) {
      on_connected(*c, now_ms);
    } else if (std::holds_alternative<control::Exited>(outcome) || state_ == State::kExiting) {
      // While exiting, whatever ends the session (the EXIT acknowledged, the server gone)
      // ends the client.
      state_ = State::kExited;
      close();
      return;
    } else if (const auto* r = std::get_if<control::Restart>(&outcome)) {
      return fail("restart: " + r->reason);
    } else if (const auto* a = std::get_if<control::AuthFailed>(&outcome)) {
      return fail("AUTH_FAILED: " + a->reason);
    } else if (const auto* h = std::get_if<control::Halt>(&outcome)) {
      return fail("HALT: " + h->reason);
    }
    if (state_ == State::kFailed) return;
  }
}

void LoadClient::on_connected(const control::Connected& c, uint64_t now_ms) {
  connected_ms_ = now_ms;
  const auto local = c.pushed.ifconfig ? IpAddress::parse(c.pushed.ifconfig->first) : std::nullopt;
  if (!local || !local->is_v4()) return fail("no IPv4 ifconfig pushed");
  std::optional<IpAddress> target = setup_->ping_target;
  if (!target) target = IpAddress::parse(c.pushed.route_gateway);
  if (!target || !target->is_v4()) return fail("no IPv4 ping target (give --ping)");
  vpn_address_ = *local;
  target_ = *target;
  keepalive_ms_ = c.pushed.ping_s.value_or(0) * 1000;
  state_ = State::kPinging;
  send_echo(now_ms);
}

void LoadClient::send_echo(uint64_t now_ms) {
  if (echo_tries_ == kEchoTries) return give_up_echo("no echo reply from " + target_.to_string());
  ++echo_tries_;
  echo_due_ms_ = now_ms + kEchoIntervalMs;
  const auto packet =
      make_echo_request(vpn_address_, target_, index_, static_cast<uint16_t>(echo_tries_));
  if (auto st = dco_->send_data(packet); !st) fail("echo: " + st.error().message);
}

void LoadClient::on_readable(uint64_t now_ms) {
  std::array<uint8_t, 2048> buf;
  while (dco_) {
    const ssize_t n = ::recv(dco_->fd(), buf.data(), buf.size(), 0);
    if (n < 0) {
      // ECONNREFUSED: an ICMP port unreachable (no server yet, or it went away); the session's
      // retransmissions and timeouts deal with it.
      if (errno == EAGAIN || errno == EINTR || errno == ECONNREFUSED) return;
      return fail(std::string("recv: ") + std::strerror(errno));
    }
    const auto wire = std::span<uint8_t>(buf.data(), static_cast<size_t>(n));
    switch (proto::classify_packet(wire)) {
      case proto::PacketKind::kControl: {
        if (!session_) break;
        // What the engine would pass up: a non-data packet as a ControlPacket notification.
        dco::ControlPacket packet;
        packet.remote = setup_->server;
        packet.bytes.assign(wire.begin(), wire.end());
        session_->on_notification(dco::Notification{0, std::move(packet)}, now_ms);
        poll(now_ms);
        break;
      }
      case proto::PacketKind::kDataV2:
        on_data(wire, now_ms);
        break;
      default:
        break;
    }
  }
}

void LoadClient::on_data(std::span<uint8_t> wire, uint64_t now_ms) {
  const auto plain = dco_->open_data(wire);
  if (!plain || proto::is_ping(*plain) || state_ != State::kPinging) return;
  // A reply to any of the echoes sent so far will do.
  for (int seq = 1; seq <= echo_tries_; ++seq) {
    if (is_echo_reply(*plain, vpn_address_, target_, index_, static_cast<uint16_t>(seq))) {
      state_ = State::kPinged;
      pinged_ms_ = now_ms;
      return;
    }
  }
}

void LoadClient::on_timer(uint64_t now_ms) {
  if (!session_) return;
  poll(now_ms);
  if (state_ == State::kPinging && now_ms >= echo_due_ms_) send_echo(now_ms);
  const bool held = state_ == State::kPinged || state_ == State::kNoReply;
  if (held && keepalive_ms_ != 0 && now_ms >= dco_->last_data_tx_ms() + keepalive_ms_) {
    static_cast<void>(dco_->send_data(proto::kPingPayload));
  }
}

std::optional<uint64_t> LoadClient::next_timeout_ms() const {
  if (!session_) return std::nullopt;
  std::optional<uint64_t> t = session_->next_timeout_ms();
  auto earliest = [&t](uint64_t v) { t = t ? std::min(*t, v) : v; };
  if (state_ == State::kPinging) earliest(echo_due_ms_);
  if ((state_ == State::kPinged || state_ == State::kNoReply) && keepalive_ms_ != 0) {
    earliest(dco_->last_data_tx_ms() + keepalive_ms_);
  }
  return t;
}

void LoadClient::exit(uint64_t now_ms, const std::string& why_not_connected) {
  if (state_ == State::kPinging || state_ == State::kPinged || state_ == State::kNoReply) {
    state_ = State::kExiting;
    session_->exit(now_ms);
    poll(now_ms);
  } else if (state_ == State::kIdle || state_ == State::kHandshake) {
    fail(why_not_connected);
  }
}

void LoadClient::fail(const std::string& why) {
  state_ = State::kFailed;
  failure_ = why;
  close();
}

void LoadClient::give_up_echo(const std::string& why) {
  state_ = State::kNoReply;
  failure_ = why;
}

void LoadClient::close() {
  session_.reset();  // deletes the peer through the DCO
  dco_.reset();
}

}  // namespace ovpn::load
