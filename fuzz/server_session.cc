// Fuzz target: a ServerSession (the server's key states by key id, the ACK and reliability layer,
// TLS records, soft resets before it is connected, hand-window) with a FakeDco in multi-peer
// mode, fed arbitrary wire packets. The session starts on a client hard reset, either the
// ordinary stateful way (the reset is the first packet) or as after the stateless cookie
// exchange (resets counted as exchanged, the first fuzz packet fed as the client's next one).
// The server's TLS context has the vectors' server certificate and pins a client fingerprint
// nobody has, so no input gets past TLS: what is fuzzed is everything before authorization.
//
// The session ids are the captured plain session's (control-plain.json), so the seeds, the
// captured client's packets, follow on from the resets.
//
// Input: byte 0 picks the start (even: stateful, odd: after the cookie); then frames of
// step (1) || length (2, big-endian) || packet (length), where step & 0x7f advances the clock by
// that many 100 ms and step & 0x80 delivers the packet as a dco ControlPacket notification
// (with the peer unknown, as the daemon passes it) instead of directly.
//
// Invariants:
//   * nothing is authorized: no NeedsAuthorization, no Established, no peer in the DCO;
//   * the only outcome is one SessionEnded, after which the session is done and has no timeout;
//   * a session not done always has a next timeout, at most the hand-window's end.

#include <memory>
#include <variant>
#include <vector>

#include "control/server_session.h"
#include "control/stateless_handshake.h"
#include "control/tls_session.h"
#include "control/tls_wrap_context.h"
#include "crypto/control_wrap.h"
#include "fakes/fake_dco.h"
#include "fuzz_target.h"

namespace {

namespace control = ovpn::control;
namespace crypto = ovpn::crypto;
namespace proto = ovpn::proto;
namespace dco = ovpn::dco;

using ovpn::fuzz::hex_bytes;

constexpr uint64_t kHandWindowMs = 60 * 1000;
constexpr auto kClientSid = hex_bytes<8>("8fd6349fb2cccce1");
constexpr auto kServerSid = hex_bytes<8>("65360371ca23c37e");  // the captured server's: its
                                                               // client's packets follow on
// P_CONTROL_HARD_RESET_CLIENT_V2, key id 0, the client's session id, no ACKs, message id 0.
constexpr auto kClientReset = hex_bytes<14>("388fd6349fb2cccce10000000000");

// The golden vectors' server identity (tests/data/openvpn-2.6.14/pki), a test key.
constexpr const char* kServerCert = R"(-----BEGIN CERTIFICATE-----
MIIBkDCCATegAwIBAgIBAjAKBggqhkjOPQQDAjAWMRQwEgYDVQQDDAt2ZWMtdGVz
dC1jYTAeFw0yNjExMjQwODQ2NTlaFw0zNjExMjEwODQ2NTlaMBoxGDAWBgNVBAMM
D3ZlYy10ZXN0LXNlcnZlcjBZMBMGByqGSM49AgEGCCqGSM49AwEHA0IABDjpnGBK
xPzg7Ua64X5fuHGTr2apXEbJXfZm60+sUeTHmLVCpeTmJIYEOtvPpW7tV88+1DU5
VIffxCa2yh+3ti6jcjBwMAkGA1UdEwQCMAAwDgYDVR0PAQH/BAQDAgeAMBMGA1Ud
JQQMMAoGCCsGAQUFBwMBMB0GA1UdDgQWBBSiiDUQHhJ9nZ2Q4cHZEHBvImB3kzAf
BgNVHSMEGDAWgBQ/pQdG8NLYwaG4x3Sp1deBWLmKIDAKBggqhkjOPQQDAgNHADBE
AiA8pHLkLCX+dYBGIBN5f4ILPVjR7T5DB0dC1at/AUBmJAIgKfr5AndAxiHM6Ibj
zIY8iJg+GogmAJB/Nr8wuZZ887I=
-----END CERTIFICATE-----
)";
constexpr const char* kServerKey = R"(-----BEGIN EC PRIVATE KEY-----
MHcCAQEEINNuR1gWEzSis/lh9iRucBjSuuwpou8uRKVK7xCG+CsRoAoGCCqGSM49
AwEHoUQDQgAEOOmcYErE/ODtRrrhfl+4cZOvZqlcRsld9mbrT6xR5MeYtUKl5OYk
hgQ628+lbu1Xzz7UNTlUh9/EJrbKH7e2Lg==
-----END EC PRIVATE KEY-----
)";

std::shared_ptr<const control::TlsContext> server_tls_context() {
  static const std::shared_ptr<const control::TlsContext> ctx = [] {
    control::TlsConfig config;
    config.role = proto::Role::kServer;
    config.cert_pem = kServerCert;
    config.key_pem = kServerKey;
    config.peer_fingerprints.push_back(control::Sha256Fingerprint{});
    auto created = control::TlsContext::create(config);
    FUZZ_CHECK(created.has_value());
    return std::shared_ptr<const control::TlsContext>(std::move(*created));
  }();
  return ctx;
}

const ovpn::Endpoint kRemote = *ovpn::Endpoint::parse("192.0.2.10:40000");

class Harness {
 public:
  bool start(bool after_cookie, std::span<const uint8_t> first) {
    auto fake = dco::FakeDco::create(dco::Mode::kMultiPeer);
    FUZZ_CHECK(fake.has_value());
    dco_ = std::move(*fake);
    control::ServerSessionConfig config;
    config.options =
        "V4,dev-type tun,link-mtu 1549,tun-mtu 1500,proto UDPv4,cipher AES-256-GCM,"
        "auth [null-digest],keysize 256,key-method 2,tls-server";
    config.hand_window_ms = kHandWindowMs;
    config.data_ciphers = {"AES-256-GCM"};
    config.peer_id = *ovpn::PeerId::make(1);
    config.remote = kRemote;
    config.random = [](std::span<uint8_t> out) -> ovpn::Status {
      for (size_t i = 0; i < out.size(); ++i) out[i] = static_cast<uint8_t>(0x5a + i);
      return {};
    };
    config.unix_time = [] { return uint32_t{1795510021}; };
    std::optional<control::NewSession> start;
    std::span<const uint8_t> packet = kClientReset;
    if (after_cookie) {
      start = control::NewSession{.after_cookie = true,
                                  .client_session_id = kClientSid,
                                  .server_session_id = kServerSid,
                                  .mode = proto::ControlWrapMode::kPlain,
                                  .client_key = std::nullopt};
      packet = first;
    }
    auto wrap = control::TlsWrapContext::make(std::make_unique<crypto::PlainWrap>(),
                                              proto::Role::kServer, 1795510021);
    auto session = control::ServerSession::create(std::move(config), std::move(wrap),
                                                  server_tls_context(), *dco_, packet, 0, start);
    if (!session) return false;  // a first packet the session does not take: nothing is made
    session_ = std::move(*session);
    session_->poll(0);
    FUZZ_REACHED(after_cookie ? "server_session/after_cookie" : "server_session/stateful");
    check();
    return true;
  }

  void step(uint8_t step, std::span<const uint8_t> wire) {
    now_ms_ += uint64_t{step & 0x7fu} * 100;
    if ((step & 0x80) != 0) {
      const dco::Notification n{.seq = 1,
                                .event = dco::ControlPacket{.peer = std::nullopt,
                                                            .transport = dco::Transport::kUdp,
                                                            .remote = kRemote,
                                                            .local = {},
                                                            .bytes = {wire.begin(), wire.end()}}};
      session_->on_notification(n, now_ms_);
    } else {
      session_->on_packet(wire, now_ms_);
    }
    session_->poll(now_ms_);
    check();
  }

 private:
  void check() {
    static_cast<void>(dco_->take_sent());
    FUZZ_CHECK(dco_->peer_get_all().empty());
    for (auto& o : session_->take_outcomes()) {
      FUZZ_CHECK(std::holds_alternative<control::SessionEnded>(o));
      FUZZ_CHECK(++outcomes_ == 1);
      FUZZ_REACHED("server_session/ended");
    }
    if (session_->phase() == control::ServerSession::Phase::kDone) {
      FUZZ_CHECK(!session_->next_timeout_ms().has_value());
    } else {
      FUZZ_CHECK(session_->phase() == control::ServerSession::Phase::kHandshake);
      const auto next = session_->next_timeout_ms();
      FUZZ_CHECK(next.has_value() && *next <= kHandWindowMs);
    }
  }

  std::unique_ptr<dco::FakeDco> dco_;
  std::unique_ptr<control::ServerSession> session_;
  uint64_t now_ms_ = 0;
  int outcomes_ = 0;
};

}  // namespace

OVPN_FUZZ_TARGET(server_session) {
  if (size < 1) return 0;
  const bool after_cookie = (data[0] & 1) != 0;
  ovpn::fuzz::StepFrames frames(data + 1, size - 1, 257);
  uint8_t step = 0;
  std::span<const uint8_t> wire;
  Harness h;
  if (after_cookie) {
    if (!frames.next(step, wire) || !h.start(true, wire)) return 0;
  } else if (!h.start(false, {})) {
    return 0;
  }
  while (frames.next(step, wire)) h.step(step, wire);
  return 0;
}
