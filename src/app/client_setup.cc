#include "app/client_setup.h"

#include <algorithm>

#include "control/control_channel.h"
#include "control/options_string.h"
#include "control/peer_info.h"
#include "crypto/tls_auth.h"
#include "crypto/tls_crypt.h"
#include "crypto/tls_crypt_v2.h"

namespace ovpn::app {
namespace {

Unexpected<Error> setup_error(std::string_view option, const Error& error) {
  return make_error(error.code, std::string(option) + ": " + error.message);
}

// "1.0" .. "1.3" -> the versions the TLS layer offers (1.2 and up: older ones are raised).
control::TlsVersion tls_version(const std::string& text) {
  return text == "1.3" ? control::TlsVersion::kTls13 : control::TlsVersion::kTls12;
}

control::RemoteCertTls remote_cert_tls(config::RemoteCertTls value) {
  switch (value) {
    case config::RemoteCertTls::kServer:
      return control::RemoteCertTls::kServer;
    case config::RemoteCertTls::kClient:
      return control::RemoteCertTls::kClient;
    case config::RemoteCertTls::kNone:
      break;
  }
  return control::RemoteCertTls::kNone;
}

control::X509NameType x509_name_type(config::X509NameType type) {
  switch (type) {
    case config::X509NameType::kName:
      return control::X509NameType::kName;
    case config::X509NameType::kNamePrefix:
      return control::X509NameType::kNamePrefix;
    case config::X509NameType::kSubject:
      break;
  }
  return control::X509NameType::kSubject;
}

const char* wrap_option(config::TlsWrapMode mode) {
  switch (mode) {
    case config::TlsWrapMode::kTlsAuth:
      return "tls-auth";
    case config::TlsWrapMode::kTlsCrypt:
      return "tls-crypt";
    case config::TlsWrapMode::kTlsCryptV2:
      return "tls-crypt-v2";
    case config::TlsWrapMode::kNone:
      break;
  }
  return "tls-wrap";
}

}  // namespace

Expected<control::TlsConfig> tls_config_from(const config::TlsOptions& o, proto::Role role) {
  if (!o.tls_verify_cmd.empty()) {
    return make_error(Errc::kUnsupported,
                      "tls-verify: not supported by ovpnd (use verify-x509-name, "
                      "remote-cert-tls or peer-fingerprint)");
  }
  control::TlsConfig c;
  c.role = role;
  c.ca_pem = o.ca.text;
  c.cert_pem = o.cert.text;
  c.key_pem = o.key.text;
  if (!o.tls_version_min.empty()) c.version_min = tls_version(o.tls_version_min);
  if (!o.tls_version_max.empty()) c.version_max = tls_version(o.tls_version_max);
  c.tls_cipher = o.tls_cipher;
  c.tls_ciphersuites = o.tls_ciphersuites;
  c.tls_groups = o.tls_groups;
  c.remote_cert_tls = remote_cert_tls(o.remote_cert_tls);
  if (o.verify_x509_name) {
    c.verify_x509_name = control::VerifyX509Name{o.verify_x509_name->first,
                                                 x509_name_type(o.verify_x509_name->second)};
  }
  c.peer_fingerprints.assign(o.peer_fingerprints.begin(), o.peer_fingerprints.end());
  return c;
}

Expected<std::shared_ptr<const control::TlsContext>> make_client_tls(const config::TlsOptions& o) {
  auto c = tls_config_from(o, proto::Role::kClient);
  if (!c) return forward_error(std::move(c));
  auto tls = control::TlsContext::create(*c);
  if (!tls) return forward_error(std::move(tls));
  return std::shared_ptr<const control::TlsContext>(std::move(*tls));
}

Expected<ClientWrapKeys> ClientWrapKeys::create(const config::TlsOptions& o) {
  ClientWrapKeys keys;
  keys.mode_ = o.wrap;
  const char* option = wrap_option(o.wrap);
  switch (o.wrap) {
    case config::TlsWrapMode::kNone:
      return keys;
    case config::TlsWrapMode::kTlsAuth: {
      auto digest = crypto::digest_from_name(o.auth_digest);
      if (!digest) {
        return make_error(Errc::kUnsupported,
                          "auth " + o.auth_digest + ": tls-auth needs SHA1, SHA256 or SHA512");
      }
      keys.digest_ = *digest;
      if (o.key_direction) {
        auto direction = proto::key_direction_from_number(*o.key_direction);
        if (!direction) return make_error(Errc::kInvalidArgument, "key-direction: 0 or 1");
        keys.direction_ = *direction;
      }
      [[fallthrough]];
    }
    case config::TlsWrapMode::kTlsCrypt: {
      auto key = proto::parse_static_key_file(o.wrap_key.text);
      if (!key) return setup_error(std::string(option) + " " + o.wrap_key.origin, key.error());
      keys.key_ = *key;
      return keys;
    }
    case config::TlsWrapMode::kTlsCryptV2: {
      auto key = crypto::parse_tls_crypt_v2_client_key(o.wrap_key.text);
      if (!key) return setup_error(std::string(option) + " " + o.wrap_key.origin, key.error());
      keys.key_ = key->kc;
      keys.wkc_ = std::move(key->wkc);
      return keys;
    }
  }
  return keys;
}

Expected<control::TlsWrapContext> ClientWrapKeys::make(uint32_t unix_time) const {
  crypto::ControlWrapPtr wrap;
  switch (mode_) {
    case config::TlsWrapMode::kNone:
      wrap = std::make_unique<crypto::PlainWrap>();
      break;
    case config::TlsWrapMode::kTlsAuth: {
      auto w = crypto::TlsAuth::create(digest_, key_, direction_);
      if (!w) return forward_error(std::move(w));
      wrap = std::move(*w);
      break;
    }
    case config::TlsWrapMode::kTlsCrypt: {
      auto w = crypto::TlsCrypt::create(key_, proto::Role::kClient);
      if (!w) return forward_error(std::move(w));
      wrap = std::move(*w);
      break;
    }
    case config::TlsWrapMode::kTlsCryptV2: {
      auto w = crypto::TlsCrypt::create_v2(key_, proto::Role::kClient, wkc_);
      if (!w) return forward_error(std::move(w));
      wrap = std::move(*w);
      break;
    }
  }
  return control::TlsWrapContext::make(std::move(wrap), proto::Role::kClient, unix_time);
}

std::string occ_options_string(proto::Role role, const config::TlsOptions& tls,
                               const config::DataChannelOptions& data, uint32_t tun_mtu, bool tcp) {
  control::OccOptions occ;
  occ.role = role;
  occ.tun_mtu = static_cast<int>(tun_mtu);
  // UDPv4 / TCPv4_* over IPv6 too: 2.6's proto_remote() "has always sent UDPv4, TCPv4".
  occ.proto = tcp ? control::OccProto::kTcp4 : control::OccProto::kUdp4;
  occ.tls_auth = tls.wrap == config::TlsWrapMode::kTlsAuth;
  if (occ.tls_auth && tls.key_direction) occ.keydir = *tls.key_direction;
  occ.auth = tls.auth_digest;
  // link-mtu is legacy (only compared for a warning): 2.6 counts the HMAC of `auth` in it.
  const auto digest = crypto::digest_from_name(tls.auth_digest);
  // Over TCP it also counts the 2-byte frame length (frame_calculate_protocol_header_size).
  occ.link_mtu = 1541 + static_cast<int>(tun_mtu) - 1500 +
                 (digest ? static_cast<int>(crypto::digest_size(*digest)) - 20 : 0) + (tcp ? 2 : 0);
  // 2.6 lists --cipher only when it is one of the data-ciphers.
  if (data.cipher) {
    const auto& list = data.data_ciphers;
    const auto canonical = config::canonical_aead_cipher(*data.cipher);
    if (canonical && std::find(list.begin(), list.end(), *canonical) != list.end()) {
      occ.cipher = *canonical;
    }
  }
  return control::build_options_string(occ);
}

std::string client_options_string(const config::ClientOptions& o,
                                  const config::ConnectionEntry& entry,
                                  [[maybe_unused]] bool ipv6) {
  return occ_options_string(proto::Role::kClient, o.tls, o.data, entry.tun_mtu,
                            entry.proto == config::TransportProto::kTcpClient);
}

Expected<std::string> client_peer_info(const config::ClientOptions& o) {
  control::PeerInfoParams p;
  p.version = kOvpndVersion;
  p.pull = o.pull;
  p.data_ciphers = o.data.data_ciphers;
  p.auth_pending_kw = false;
  p.auth_fail_temp = true;  // AUTH_FAILED,TEMP becomes a Restart
  p.dyn_tls_crypt = true;   // renegotiations under a key from the first TLS session
  if (o.push_peer_info) {
    for (const auto& [name, value] : o.scripts.setenv) {
      if (name.rfind("UV_", 0) == 0) p.user_values.emplace_back(name, value);
    }
  }
  return control::build_peer_info(p);
}

Expected<control::ClientSessionConfig> make_session_config(const config::ClientOptions& o,
                                                           const config::ConnectionEntry& entry,
                                                           const Endpoint& remote,
                                                           const Credentials& credentials) {
  control::ClientSessionConfig c;
  const bool ipv6 = remote.address().is_v6();
  c.options = client_options_string(o, entry, ipv6);
  c.username = credentials.username;
  c.password = credentials.password;
  auto peer_info = client_peer_info(o);
  if (!peer_info) return forward_error(std::move(peer_info));
  c.peer_info = std::move(*peer_info);

  const bool tcp = entry.proto == config::TransportProto::kTcpClient;
  // What the transport adds to a control packet, counted against tls-mtu.
  c.transport_overhead = tcp ? (ipv6 ? control::kTcp6Overhead : control::kTcp4Overhead)
                             : (ipv6 ? control::kUdp6Overhead : control::kUdp4Overhead);
  c.tls_timeout_ms = uint64_t{o.tls.tls_timeout_s} * 1000;
  c.hand_window_ms = uint64_t{o.tls.hand_window_s} * 1000;
  c.tran_window_ms = uint64_t{o.tls.tran_window_s} * 1000;
  c.reneg_ms = uint64_t{o.tls.reneg_sec} * 1000;

  c.dynamic_tls_crypt = true;
  if (o.tls.wrap != config::TlsWrapMode::kNone) {
    auto keys = ClientWrapKeys::create(o.tls);
    if (!keys) return forward_error(std::move(keys));
    c.wrap_key = keys->key();
  }

  c.data_ciphers = o.data.data_ciphers;
  c.data_ciphers_fallback = o.data.data_ciphers_fallback;
  c.pull_policy = config::PullPolicy::from(o);

  c.transport = tcp ? dco::Transport::kTcp : dco::Transport::kUdp;
  c.remote = remote;
  // Our own keepalive until (unless) the server pushes one: ping / ping-restart, keepalive N M,
  // and 2.6's 120 s ping-restart before the pull on UDP.
  const auto& t = o.timers;
  c.keepalive.interval_s = t.ping_s;
  if (t.ping_restart_s) {
    c.keepalive.timeout_s = *t.ping_restart_s;
  } else if (t.ping_exit_s != 0) {
    c.keepalive.timeout_s = t.ping_exit_s;  // the daemon exits when the peer expires
  } else if (!tcp && o.pull) {
    c.keepalive.timeout_s = config::TimerOptions::kPrePullPingRestartS;
  }
  if (t.keepalive) {
    c.keepalive.interval_s = t.keepalive->first;
    c.keepalive.timeout_s = t.keepalive->second;
  }
  return c;
}

}  // namespace ovpn::app
