// TLS sessions over OpenSSL memory BIOs (see tls_session.h).

#include "control/tls_session.h"

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <algorithm>
#include <climits>
#include <cstdio>

#include "control/tls_x509.h"

namespace ovpn::control {
namespace {

// Exporter lengths are small (256, 3); this only bounds a caller's mistake.
constexpr size_t kMaxExportLength = 4096;

struct BioFree {
  void operator()(BIO* b) const { BIO_free(b); }
};
using BioPtr = std::unique_ptr<BIO, BioFree>;
struct X509Free {
  void operator()(X509* x) const { X509_free(x); }
};
using X509Ptr = std::unique_ptr<X509, X509Free>;
struct PkeyFree {
  void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};

// The OpenSSL error queue as text ("error:0A000086:SSL routines::certificate verify failed"),
// emptied.
std::string drain_openssl_errors() {
  std::string out;
  while (const unsigned long e = ERR_get_error()) {
    char buf[256];
    ERR_error_string_n(e, buf, sizeof buf);
    if (!out.empty()) out += "; ";
    out += buf;
  }
  return out;
}

Unexpected<Error> config_error(const std::string& what) {
  std::string text = what;
  if (const auto ssl = drain_openssl_errors(); !ssl.empty()) text += " (" + ssl + ")";
  return make_error(Errc::kInvalidArgument, text);
}

BioPtr memory_bio(const std::string& pem) {
  if (pem.size() > INT_MAX) return nullptr;
  return BioPtr(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
}

// Never prompts on a terminal: an encrypted key fails cleanly.
int no_passphrase(char*, int, int, void*) { return 0; }

// Every certificate in `pem`, in order. An empty result or a bad block is an error.
Expected<std::vector<X509Ptr>> read_certificates(const std::string& pem, const char* item) {
  auto bio = memory_bio(pem);
  if (!bio) return config_error(std::string(item) + ": out of memory");
  std::vector<X509Ptr> out;
  ERR_clear_error();
  while (X509* cert = PEM_read_bio_X509(bio.get(), nullptr, no_passphrase, nullptr)) {
    out.emplace_back(cert);
  }
  const unsigned long last = ERR_peek_last_error();
  if (ERR_GET_LIB(last) == ERR_LIB_PEM && ERR_GET_REASON(last) == PEM_R_NO_START_LINE) {
    ERR_clear_error();  // the normal end of the text
  } else if (last != 0) {
    return config_error(std::string(item) + ": bad certificate #" + std::to_string(out.size() + 1));
  }
  if (out.empty()) return config_error(std::string(item) + ": no certificate in PEM text");
  return out;
}

Status load_ca(SSL_CTX* ctx, const std::string& pem) {
  auto certs = read_certificates(pem, "ca");
  if (!certs) return forward_error(std::move(certs));
  X509_STORE* store = SSL_CTX_get_cert_store(ctx);
  for (auto& cert : *certs) {
    if (X509_STORE_add_cert(store, cert.get()) != 1) {
      return config_error("ca: cannot add certificate to the trust store");
    }
  }
  return {};
}

// Every CRL in `pem` into the trust store, with leaf-only checking. Certificates whose issuer has
// no CRL here are still accepted: X509_V_ERR_UNABLE_TO_GET_CRL is forgiven in the verify
// callback, as OpenVPN's crl-verify only rejects what a CRL revokes.
Status load_crls(SSL_CTX* ctx, const std::string& pem) {
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(
      BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())), &BIO_free);
  if (!bio) return config_error("crl-verify: out of memory");
  X509_STORE* store = SSL_CTX_get_cert_store(ctx);
  int loaded = 0;
  while (X509_CRL* crl = PEM_read_bio_X509_CRL(bio.get(), nullptr, nullptr, nullptr)) {
    const int added = X509_STORE_add_crl(store, crl);
    X509_CRL_free(crl);
    if (added != 1) return config_error("crl-verify: cannot add a CRL to the trust store");
    ++loaded;
  }
  ERR_clear_error();  // the end of the PEM text
  if (loaded == 0) return config_error("crl-verify: no CRL in PEM text");
  X509_STORE_set_flags(store, X509_V_FLAG_CRL_CHECK);
  return {};
}

Status load_identity(SSL_CTX* ctx, const std::string& cert_pem, const std::string& key_pem) {
  auto certs = read_certificates(cert_pem, "cert");
  if (!certs) return forward_error(std::move(certs));
  if (SSL_CTX_use_certificate(ctx, (*certs)[0].get()) != 1) {
    return config_error("cert: certificate not usable");
  }
  for (size_t i = 1; i < certs->size(); ++i) {
    if (SSL_CTX_add1_chain_cert(ctx, (*certs)[i].get()) != 1) {
      return config_error("cert: chain certificate #" + std::to_string(i + 1) + " not usable");
    }
  }
  auto bio = memory_bio(key_pem);
  if (!bio) return config_error("key: out of memory");
  std::unique_ptr<EVP_PKEY, PkeyFree> key(
      PEM_read_bio_PrivateKey(bio.get(), nullptr, no_passphrase, nullptr));
  if (!key) return config_error("key: no usable private key (encrypted keys are not supported)");
  if (SSL_CTX_use_PrivateKey(ctx, key.get()) != 1 || SSL_CTX_check_private_key(ctx) != 1) {
    return config_error("key: private key does not match the certificate");
  }
  return {};
}

int protocol_version(TlsVersion v) {
  return v == TlsVersion::kTls12 ? TLS1_2_VERSION : TLS1_3_VERSION;
}

int session_index() {
  static const int index = SSL_get_ex_new_index(0, nullptr, nullptr, nullptr, nullptr);
  return index;
}

}  // namespace

// --- TlsContext ----------------------------------------------------------------------------------

TlsContext::~TlsContext() { SSL_CTX_free(ctx_); }

Expected<std::shared_ptr<TlsContext>> TlsContext::create(const TlsConfig& config) {
  std::shared_ptr<TlsContext> self(new TlsContext());
  self->role_ = config.role;
  self->remote_cert_tls_ = config.remote_cert_tls;
  self->verify_x509_name_ = config.verify_x509_name;
  self->peer_fingerprints_ = config.peer_fingerprints;
  const bool server = config.role == proto::Role::kServer;
  const bool verify_peer = !server || config.verify_client_cert != VerifyClientCert::kNone;

  ERR_clear_error();
  self->ctx_ = SSL_CTX_new(server ? TLS_server_method() : TLS_client_method());
  if (self->ctx_ == nullptr) return config_error("tls: SSL_CTX_new failed");
  SSL_CTX* ctx = self->ctx_;

  // No TLS renegotiation (a soft reset makes a new session), no tickets, no session cache.
  uint64_t options = SSL_OP_NO_RENEGOTIATION | SSL_OP_NO_TICKET | SSL_OP_NO_COMPRESSION;
  if (server) options |= SSL_OP_CIPHER_SERVER_PREFERENCE;
  SSL_CTX_set_options(ctx, options);
  SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
  if (server && SSL_CTX_set_num_tickets(ctx, 0) != 1) return config_error("tls: no tickets");

  if (config.version_max && *config.version_max < config.version_min) {
    return config_error("tls-version-max is below tls-version-min");
  }
  if (SSL_CTX_set_min_proto_version(ctx, protocol_version(config.version_min)) != 1 ||
      (config.version_max &&
       SSL_CTX_set_max_proto_version(ctx, protocol_version(*config.version_max)) != 1)) {
    return config_error("tls-version-min/max: not supported by the TLS library");
  }
  const std::string cipher_list =
      config.tls_cipher.empty() ? std::string(kDefaultTlsCipher) : config.tls_cipher;
  if (SSL_CTX_set_cipher_list(ctx, cipher_list.c_str()) != 1) {
    return config_error("tls-cipher: no usable cipher in '" + cipher_list + "'");
  }
  if (!config.tls_ciphersuites.empty() &&
      SSL_CTX_set_ciphersuites(ctx, config.tls_ciphersuites.c_str()) != 1) {
    return config_error("tls-ciphersuites: no usable suite in '" + config.tls_ciphersuites + "'");
  }
  if (!config.tls_groups.empty() && SSL_CTX_set1_groups_list(ctx, config.tls_groups.c_str()) != 1) {
    return config_error("tls-groups: no usable group in '" + config.tls_groups + "'");
  }

  if (!config.cert_pem.empty() || !config.key_pem.empty()) {
    if (config.cert_pem.empty() || config.key_pem.empty()) {
      return config_error("cert/key: one given without the other");
    }
    if (auto s = load_identity(ctx, config.cert_pem, config.key_pem); !s)
      return forward_error(std::move(s));
  } else if (server) {
    return config_error("cert/key: a server needs a certificate and its key");
  }

  if (!config.ca_pem.empty()) {
    if (auto s = load_ca(ctx, config.ca_pem); !s) return forward_error(std::move(s));
    if (!config.crl_pem.empty()) {
      if (auto s = load_crls(ctx, config.crl_pem); !s) return forward_error(std::move(s));
    }
  } else if (verify_peer && config.peer_fingerprints.empty()) {
    return config_error("ca: neither a CA nor a peer-fingerprint to verify the peer with");
  }
  self->pin_only_ = config.ca_pem.empty() && !config.peer_fingerprints.empty();

  if (!verify_peer) {
    self->verify_mode_ = SSL_VERIFY_NONE;
  } else if (server && config.verify_client_cert == VerifyClientCert::kOptional) {
    self->verify_mode_ = SSL_VERIFY_PEER;
  } else {
    self->verify_mode_ = SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT;
  }
  return self;
}

// --- TlsSession ----------------------------------------------------------------------------------

TlsSession::TlsSession(std::shared_ptr<const TlsContext> context) : context_(std::move(context)) {}

TlsSession::~TlsSession() { SSL_free(ssl_); }  // frees both BIOs; OpenSSL cleanses its secrets

Expected<std::unique_ptr<TlsSession>> TlsSession::create(
    std::shared_ptr<const TlsContext> context) {
  if (!context) return make_error(Errc::kInvalidArgument, "TlsSession without a context");
  std::unique_ptr<TlsSession> self(new TlsSession(std::move(context)));
  ERR_clear_error();
  self->ssl_ = SSL_new(self->context_->ctx_);
  self->rbio_ = BIO_new(BIO_s_mem());
  self->wbio_ = BIO_new(BIO_s_mem());
  if (self->ssl_ == nullptr || self->rbio_ == nullptr || self->wbio_ == nullptr) {
    BIO_free(self->rbio_);
    BIO_free(self->wbio_);
    self->rbio_ = self->wbio_ = nullptr;
    return config_error("tls: cannot create a session");
  }
  // An empty read BIO means "wait for more", not end of stream.
  BIO_set_mem_eof_return(self->rbio_, -1);
  SSL_set_bio(self->ssl_, self->rbio_, self->wbio_);
  if (session_index() < 0 || SSL_set_ex_data(self->ssl_, session_index(), self.get()) != 1) {
    return config_error("tls: cannot attach the session");
  }
  SSL_set_verify(self->ssl_, self->context_->verify_mode_, &TlsSession::verify_callback);
  if (self->context_->role_ == proto::Role::kClient) {
    SSL_set_connect_state(self->ssl_);
    if (auto s = self->advance(); !s) return forward_error(std::move(s));  // the ClientHello
  } else {
    SSL_set_accept_state(self->ssl_);
  }
  return self;
}

Status TlsSession::fail(const std::string& what) {
  std::string text = what;
  if (const auto ssl = drain_openssl_errors(); !ssl.empty()) text += ": " + ssl;
  if (!verify_failure_.empty()) text += ": " + verify_failure_;
  if (state_ != TlsState::kFailed) {
    state_ = TlsState::kFailed;
    error_ = text;
  }
  return make_error(Errc::kAuthFailed, error_);
}

Status TlsSession::advance() {
  if (state_ == TlsState::kFailed) return make_error(Errc::kInvalidArgument, error_);
  if (state_ == TlsState::kHandshaking) {
    ERR_clear_error();
    const int r = SSL_do_handshake(ssl_);
    if (r != 1) {
      const int e = SSL_get_error(ssl_, r);
      if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) return {};
      return fail("TLS handshake failed");
    }
    on_established();
    if (state_ == TlsState::kFailed) return make_error(Errc::kAuthFailed, error_);
  }
  while (!queued_.empty()) {
    SecretBytes message = std::move(queued_.front());
    queued_.pop_front();
    if (auto s = write_message(message); !s) return s;
  }
  return {};
}

void TlsSession::on_established() {
  if (X509* cert = SSL_get0_peer_certificate(ssl_)) {
    PeerCertificate peer;
    peer.subject = x509_subject(cert);
    peer.common_name = x509_common_name(cert);
    peer.sha256 = x509_sha256(cert);
    peer_cert_ = std::move(peer);
  }
  // The verify callback already checked the leaf; a verifying peer must have shown one.
  if (!peer_cert_ && (context_->verify_mode_ & SSL_VERIFY_FAIL_IF_NO_PEER_CERT) != 0) {
    static_cast<void>(fail("TLS handshake failed: no peer certificate"));
    return;
  }
  state_ = TlsState::kEstablished;
}

Status TlsSession::feed_ciphertext(std::span<const uint8_t> bytes) {
  if (state_ == TlsState::kFailed) return make_error(Errc::kInvalidArgument, error_);
  if (bytes.empty()) return advance();
  const size_t pending = BIO_ctrl_pending(rbio_);
  if (bytes.size() > kMaxPendingCiphertext - std::min(pending, kMaxPendingCiphertext)) {
    return fail("TLS input of more than " + std::to_string(kMaxPendingCiphertext) +
                " bytes not consumed");
  }
  if (BIO_write(rbio_, bytes.data(), static_cast<int>(bytes.size())) !=
      static_cast<int>(bytes.size())) {
    return fail("TLS input buffer");
  }
  return advance();
}

bool TlsSession::has_ciphertext() const { return BIO_ctrl_pending(wbio_) > 0; }

std::vector<uint8_t> TlsSession::take_ciphertext() {
  std::vector<uint8_t> out(BIO_ctrl_pending(wbio_));
  if (out.empty() || out.size() > INT_MAX) return {};
  const int n = BIO_read(wbio_, out.data(), static_cast<int>(out.size()));
  out.resize(n > 0 ? static_cast<size_t>(n) : 0);
  return out;
}

Status TlsSession::write_message(std::span<const uint8_t> message) {
  if (message.empty() || message.size() > kMaxTlsMessageSize) {
    return make_error(Errc::kInvalidArgument, "TLS message of " + std::to_string(message.size()) +
                                                  " bytes (1.." +
                                                  std::to_string(kMaxTlsMessageSize) + ")");
  }
  if (state_ == TlsState::kFailed) return make_error(Errc::kInvalidArgument, error_);
  if (state_ == TlsState::kHandshaking) {
    if (queued_.size() >= kMaxQueuedMessages) {
      return make_error(Errc::kExhausted, "too many TLS messages queued before the handshake");
    }
    queued_.emplace_back(message.begin(), message.end());
    return {};
  }
  ERR_clear_error();
  // A memory BIO takes everything, so one call writes the whole message as one record.
  const int n = SSL_write(ssl_, message.data(), static_cast<int>(message.size()));
  if (n != static_cast<int>(message.size())) return fail("TLS write failed");
  return {};
}

Expected<SecretBytes> TlsSession::read_plaintext() {
  if (state_ == TlsState::kFailed) return make_error(Errc::kInvalidArgument, error_);
  if (state_ != TlsState::kEstablished) return SecretBytes{};
  SecretBytes out(kTlsReadSize);
  ERR_clear_error();
  const int n = SSL_read(ssl_, out.data(), static_cast<int>(out.size()));
  if (n > 0) {
    out.resize(static_cast<size_t>(n));
    return out;
  }
  const int e = SSL_get_error(ssl_, n);
  if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) return SecretBytes{};
  auto failed = fail(e == SSL_ERROR_ZERO_RETURN ? "TLS closed by the peer" : "TLS read failed");
  return forward_error(std::move(failed));
}

std::string TlsSession::version() const { return established() ? SSL_get_version(ssl_) : ""; }

std::string TlsSession::cipher() const {
  const SSL_CIPHER* c = established() ? SSL_get_current_cipher(ssl_) : nullptr;
  return c != nullptr ? SSL_CIPHER_get_name(c) : "";
}

Expected<SecretBytes> TlsSession::export_keying_material(std::string_view label, size_t length) {
  if (!established()) {
    return make_error(Errc::kInvalidArgument, "keying material before the TLS handshake ended");
  }
  if (length == 0 || length > kMaxExportLength) {
    return make_error(Errc::kInvalidArgument, "keying material length " + std::to_string(length));
  }
  SecretBytes out(length);
  ERR_clear_error();
  // use_context = 0: OpenVPN exports with no context (differs from an empty one in TLS 1.2).
  if (SSL_export_keying_material(ssl_, out.data(), out.size(), label.data(), label.size(), nullptr,
                                 0, 0) != 1) {
    return make_error(Errc::kCrypto,
                      "TLS keying material export failed: " + drain_openssl_errors());
  }
  return out;
}

// --- peer verification ---------------------------------------------------------------------------

Status TlsSession::check_leaf(X509* leaf) const {
  const TlsContext& ctx = *context_;
  if (leaf == nullptr) return make_error(Errc::kAuthFailed, "no peer certificate");
  if (!ctx.peer_fingerprints_.empty()) {
    const auto fp = x509_sha256(leaf);
    if (std::find(ctx.peer_fingerprints_.begin(), ctx.peer_fingerprints_.end(), fp) ==
        ctx.peer_fingerprints_.end()) {
      return make_error(Errc::kAuthFailed,
                        "peer-fingerprint: SHA256 " + fingerprint_text(fp) + " not listed");
    }
  }
  if (ctx.remote_cert_tls_ != RemoteCertTls::kNone) {
    if (auto s = check_remote_cert_tls(leaf, ctx.remote_cert_tls_ == RemoteCertTls::kServer); !s) {
      return s;
    }
  }
  if (ctx.verify_x509_name_) {
    if (auto s = check_x509_name(leaf, *ctx.verify_x509_name_); !s) return s;
  }
  return {};
}

int TlsSession::verify_callback(int preverify_ok, X509_STORE_CTX* store) {
  auto* ssl =
      static_cast<SSL*>(X509_STORE_CTX_get_ex_data(store, SSL_get_ex_data_X509_STORE_CTX_idx()));
  auto* self =
      ssl != nullptr ? static_cast<TlsSession*>(SSL_get_ex_data(ssl, session_index())) : nullptr;
  if (self == nullptr) return 0;
  // The leaf checks run once, on the first call, whatever the chain's state.
  if (!self->leaf_checked_) {
    self->leaf_checked_ = true;
    if (auto s = self->check_leaf(X509_STORE_CTX_get0_cert(store)); !s) {
      self->verify_failure_ = s.error().message;
    }
  }
  if (!self->verify_failure_.empty()) {
    X509_STORE_CTX_set_error(store, X509_V_ERR_APPLICATION_VERIFICATION);
    return 0;
  }
  if (preverify_ok == 1) return 1;
  // Pinned without a CA: the fingerprint of the leaf (checked above) is the whole check.
  if (self->context_->pin_only_) return 1;
  const int err = X509_STORE_CTX_get_error(store);
  // crl-verify checks what a CRL revokes; an issuer without a CRL here is not an error.
  if (err == X509_V_ERR_UNABLE_TO_GET_CRL) return 1;
  const int depth = X509_STORE_CTX_get_error_depth(store);
  X509* cert = X509_STORE_CTX_get_current_cert(store);
  self->verify_failure_ = std::string(X509_verify_cert_error_string(err)) + " (depth " +
                          std::to_string(depth) + ", " +
                          (cert != nullptr ? x509_subject(cert) : std::string("?")) + ")";
  return 0;
}

}  // namespace ovpn::control
