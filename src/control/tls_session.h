#pragma once
// TLS for the control channel, as OpenVPN 2.6 sets it up with OpenSSL (protocol reference 5.1,
// 5.2, 9): one TlsContext (SSL_CTX) per configuration, one TlsSession (SSL over memory BIOs) per
// key state, a fresh one for each renegotiation.
//
//   reliability layer --feed_ciphertext()--> [rbio] SSL [wbio] --take_ciphertext()--> reliability
//   key-method-2, control messages --write_message()--> SSL --read_plaintext()--> ...
//
// Sans-I/O: no sockets, no clocks. No TLS renegotiation, no session tickets (TLS 1.3 tickets a
// server sends anyway are read and dropped), no session cache, no SNI. Peer verification: the
// chain against the CA, or leaf pinning with SHA-256 fingerprints (alone or on top of the CA),
// then remote-cert-tls and verify-x509-name on the leaf.
//
// Single-threaded: both types belong to the control thread (a TlsContext may be shared by the
// sessions of that thread).

#include <array>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <openssl/ssl.h>

#include "common/result.h"
#include "common/secure_wipe.h"
#include "proto/static_key.h"

namespace ovpn::control {

enum class TlsVersion : uint8_t { kTls12, kTls13 };
// --remote-cert-tls: keyUsage present and EKU serverAuth (kServer) or clientAuth (kClient).
enum class RemoteCertTls : uint8_t { kNone, kServer, kClient };
// --verify-x509-name NAME TYPE: the full subject DN, the CN, or a CN prefix.
enum class X509NameType : uint8_t { kSubject, kName, kNamePrefix };
// --verify-client-cert (server only).
enum class VerifyClientCert : uint8_t { kRequire, kOptional, kNone };

using Sha256Fingerprint = std::array<uint8_t, 32>;

struct VerifyX509Name {
  std::string name;
  X509NameType type = X509NameType::kSubject;
};

// Filled from the configuration later; independent of the parser.
struct TlsConfig {
  TlsConfig() = default;
  TlsConfig(const TlsConfig&) = default;
  TlsConfig& operator=(const TlsConfig&) = default;
  TlsConfig(TlsConfig&&) = default;
  TlsConfig& operator=(TlsConfig&&) = default;
  ~TlsConfig() { secure_wipe(key_pem.data(), key_pem.size()); }

  proto::Role role = proto::Role::kClient;
  std::string ca_pem;    // one or more CA certificates; may be empty with peer_fingerprints
  std::string cert_pem;  // our certificate, then any chain (extra-certs); optional for a client
  std::string key_pem;   // its private key (wiped on destruction)
  TlsVersion version_min = TlsVersion::kTls12;
  std::optional<TlsVersion> version_max;  // none: the highest the library has (TLS 1.3)
  std::string tls_cipher;                 // TLS 1.2 list; empty: kDefaultTlsCipher
  std::string tls_ciphersuites;           // TLS 1.3 suites; empty: the library's default
  std::string tls_groups;                 // empty: the library's default
  RemoteCertTls remote_cert_tls = RemoteCertTls::kNone;
  std::optional<VerifyX509Name> verify_x509_name;
  std::vector<Sha256Fingerprint> peer_fingerprints;
  VerifyClientCert verify_client_cert = VerifyClientCert::kRequire;
  // crl-verify: one or more CRLs (PEM); a peer certificate they revoke fails verification, as
  // a certificate whose issuer has no CRL here does not (OpenVPN checks the leaf only).
  std::string crl_pem;
};

// 2.6's default --tls-cipher: only (EC)DHE key exchange.
inline constexpr std::string_view kDefaultTlsCipher =
    "DEFAULT:!EXP:!LOW:!MEDIUM:!kDH:!kECDH:!DSS:!PSK:!SRP:!kRSA";
// One message per record, at most this many bytes (5.2).
inline constexpr size_t kMaxTlsMessageSize = 2047;
// The plaintext read size of 2.6 (TLS_CHANNEL_BUF_SIZE).
inline constexpr size_t kTlsReadSize = 2048;
// Ciphertext fed but not yet consumed by TLS; beyond this the peer is misbehaving.
inline constexpr size_t kMaxPendingCiphertext = 256 * 1024;
// Messages written before the handshake finished, waiting to be sent.
inline constexpr size_t kMaxQueuedMessages = 16;

// Shared by the sessions of one configuration. Thread: control.
class TlsContext {
 public:
  // Parses and checks the PEMs and settings; errors name the item ("ca: ...", "key: ...").
  static Expected<std::shared_ptr<TlsContext>> create(const TlsConfig& config);
  ~TlsContext();
  TlsContext(const TlsContext&) = delete;
  TlsContext& operator=(const TlsContext&) = delete;

  proto::Role role() const noexcept { return role_; }
  // The SSL_CTX, for tests that need settings no configuration has (e.g. tickets on).
  SSL_CTX* native_handle_for_test() const noexcept { return ctx_; }

 private:
  friend class TlsSession;
  TlsContext() = default;

  SSL_CTX* ctx_ = nullptr;
  proto::Role role_ = proto::Role::kClient;
  int verify_mode_ = 0;    // SSL_VERIFY_* for SSL_set_verify
  bool pin_only_ = false;  // fingerprints without a CA: chain errors are not fatal
  RemoteCertTls remote_cert_tls_ = RemoteCertTls::kNone;
  std::optional<VerifyX509Name> verify_x509_name_;
  std::vector<Sha256Fingerprint> peer_fingerprints_;
};

enum class TlsState : uint8_t { kHandshaking, kEstablished, kFailed };

struct PeerCertificate {
  std::string subject;      // "C=DE, O=Org, CN=server" (as 2.6 prints it)
  std::string common_name;  // the last CN of the subject, "" when none
  Sha256Fingerprint sha256{};
};

// One key state's TLS. Thread: control (single-threaded, like its context).
class TlsSession {
 public:
  // A session for one key state. A client's ClientHello is ready to take right away.
  static Expected<std::unique_ptr<TlsSession>> create(std::shared_ptr<const TlsContext> context);
  ~TlsSession();
  TlsSession(const TlsSession&) = delete;
  TlsSession& operator=(const TlsSession&) = delete;

  // Ciphertext from the control channel, in order. Advances the handshake, sends queued
  // messages once established. An error means the session has failed (see error()).
  Status feed_ciphertext(std::span<const uint8_t> bytes);
  // TLS records to send (handshake, application data, alerts); empty when there is nothing.
  bool has_ciphertext() const;
  std::vector<uint8_t> take_ciphertext();

  // One control message in one TLS record (1..kMaxTlsMessageSize bytes). Before the
  // handshake has finished, messages wait in a bounded queue.
  Status write_message(std::span<const uint8_t> message);
  // At most kTlsReadSize bytes of one record's plaintext; empty when none is available.
  // TLS 1.3 post-handshake messages (NewSessionTicket) are consumed here silently.
  Expected<SecretBytes> read_plaintext();

  TlsState state() const noexcept { return state_; }
  bool established() const noexcept { return state_ == TlsState::kEstablished; }
  // Why the session failed: the OpenSSL error text and, for a rejected peer certificate, the
  // reason ("certificate verify failed: remote-cert-tls server: EKU serverAuth missing").
  const std::string& error() const noexcept { return error_; }
  // Why the peer's certificate was rejected, "" when it was not.
  const std::string& verify_failure() const noexcept { return verify_failure_; }

  // After the handshake. No certificate: a server with verify-client-cert none/optional.
  const std::optional<PeerCertificate>& peer_certificate() const noexcept { return peer_cert_; }
  std::string version() const;  // "TLSv1.3"
  std::string cipher() const;   // "TLS_AES_256_GCM_SHA384"

  // RFC 5705 / 8446 exporter with no context, as OpenVPN calls it.
  Expected<SecretBytes> export_keying_material(std::string_view label, size_t length);

 private:
  explicit TlsSession(std::shared_ptr<const TlsContext> context);
  // OpenSSL's verify callback: the chain result, then the leaf checks of check_leaf.
  static int verify_callback(int preverify_ok, X509_STORE_CTX* store);

  Status advance();
  void on_established();
  Status fail(const std::string& what);
  Status check_leaf(X509* leaf) const;

  std::shared_ptr<const TlsContext> context_;
  SSL* ssl_ = nullptr;
  BIO* rbio_ = nullptr;  // owned by ssl_
  BIO* wbio_ = nullptr;  // owned by ssl_
  TlsState state_ = TlsState::kHandshaking;
  std::string error_;
  std::string verify_failure_;
  bool leaf_checked_ = false;
  std::optional<PeerCertificate> peer_cert_;
  std::deque<SecretBytes> queued_;
};

}  // namespace ovpn::control
