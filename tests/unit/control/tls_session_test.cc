// TlsSession: a client and a server session handshake in memory with a throwaway PKI
// (test_pki.h), TLS 1.2 and 1.3; keying material; one message per record; and every way 2.6
// verifies a peer (CA, remote-cert-tls, verify-x509-name, peer-fingerprint,
// verify-client-cert, crl-verify), with their failures.

#include "control/tls_session.h"

#include <gtest/gtest.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>

#include <string>

#include "control/key_method2_keys.h"
#include "control/tls_x509.h"
#include "crypto/ekm.h"
#include "test_pki.h"

namespace ovpn::control {
namespace {

using test::CertSpec;
using test::Eku;
using test::Identity;

struct Pki {
  Identity ca = test::make_ca("Test CA");
  Identity server = test::issue(ca, {.common_name = "server", .eku = Eku::kServerAuth});
  Identity client = test::issue(ca, {.common_name = "client", .eku = Eku::kClientAuth});
};

const Pki& pki() {
  static const Pki p;
  return p;
}

TlsConfig client_config(const Identity& id = pki().client) {
  TlsConfig c;
  c.role = proto::Role::kClient;
  c.ca_pem = pki().ca.cert_pem;
  c.cert_pem = id.cert_pem;
  c.key_pem = id.key_pem;
  c.remote_cert_tls = RemoteCertTls::kServer;
  return c;
}

TlsConfig server_config(const Identity& id = pki().server) {
  TlsConfig c;
  c.role = proto::Role::kServer;
  c.ca_pem = pki().ca.cert_pem;
  c.cert_pem = id.cert_pem;
  c.key_pem = id.key_pem;
  return c;
}

std::unique_ptr<TlsSession> session(const TlsConfig& config) {
  auto ctx = TlsContext::create(config);
  EXPECT_TRUE(ctx) << ctx.error().message;
  if (!ctx) return nullptr;
  auto s = TlsSession::create(*ctx);
  EXPECT_TRUE(s) << s.error().message;
  return s ? std::move(*s) : nullptr;
}

// Moves ciphertext both ways until neither side has any left.
void pump(TlsSession& client, TlsSession& server) {
  for (int round = 0; round < 20; ++round) {
    bool moved = false;
    if (client.has_ciphertext()) {
      static_cast<void>(server.feed_ciphertext(client.take_ciphertext()));
      moved = true;
    }
    if (server.has_ciphertext()) {
      static_cast<void>(client.feed_ciphertext(server.take_ciphertext()));
      moved = true;
    }
    if (!moved) return;
  }
}

struct Pair {
  std::unique_ptr<TlsSession> client;
  std::unique_ptr<TlsSession> server;
};

Pair handshake(const TlsConfig& c, const TlsConfig& s) {
  Pair p{session(c), session(s)};
  if (p.client && p.server) pump(*p.client, *p.server);
  return p;
}

void expect_established(const Pair& p) {
  ASSERT_TRUE(p.client && p.server);
  EXPECT_EQ(p.client->state(), TlsState::kEstablished) << p.client->error();
  EXPECT_EQ(p.server->state(), TlsState::kEstablished) << p.server->error();
}

std::vector<uint8_t> bytes(std::string_view s) { return {s.begin(), s.end()}; }

std::string text_of(const SecretBytes& b) { return {b.begin(), b.end()}; }

TEST(TlsSession, DefaultsNegotiateTls13AndShowThePeer) {
  const auto p = handshake(client_config(), server_config());
  expect_established(p);
  EXPECT_EQ(p.client->version(), "TLSv1.3");
  EXPECT_EQ(p.server->version(), "TLSv1.3");
  EXPECT_EQ(p.client->cipher(), p.server->cipher());
  EXPECT_FALSE(p.client->cipher().empty());
  ASSERT_TRUE(p.client->peer_certificate());
  EXPECT_EQ(p.client->peer_certificate()->subject, "C=DE, O=ovpnd test, CN=server");
  EXPECT_EQ(p.client->peer_certificate()->common_name, "server");
  EXPECT_EQ(p.client->peer_certificate()->sha256, x509_sha256(pki().server.cert.get()));
  ASSERT_TRUE(p.server->peer_certificate());
  EXPECT_EQ(p.server->peer_certificate()->common_name, "client");
  EXPECT_TRUE(p.client->verify_failure().empty());
}

TEST(TlsSession, Tls12WhenTheMaximumSaysSo) {
  auto c = client_config();
  c.version_max = TlsVersion::kTls12;
  const auto p = handshake(c, server_config());
  expect_established(p);
  EXPECT_EQ(p.client->version(), "TLSv1.2");
  // The default tls-cipher leaves only (EC)DHE key exchange.
  EXPECT_EQ(p.client->cipher().rfind("ECDHE-", 0), 0u) << p.client->cipher();
}

TEST(TlsSession, VersionRangesThatDoNotMeetFail) {
  auto c = client_config();
  c.version_max = TlsVersion::kTls12;
  auto s = server_config();
  s.version_min = TlsVersion::kTls13;
  const auto p = handshake(c, s);
  EXPECT_EQ(p.client->state(), TlsState::kFailed);
  EXPECT_EQ(p.server->state(), TlsState::kFailed);
  EXPECT_NE(p.server->error().find("TLS handshake failed"), std::string::npos);
}

void expect_same_ekm(TlsVersion version) {
  auto c = client_config();
  c.version_min = c.version_max.emplace(version);
  const auto p = handshake(c, server_config());
  expect_established(p);
  auto a = p.client->export_keying_material(crypto::kEkmDataKeys, 256);
  auto b = p.server->export_keying_material(crypto::kEkmDataKeys, 256);
  ASSERT_TRUE(a && b);
  EXPECT_EQ(a->size(), 256u);
  EXPECT_EQ(*a, *b);
  // The glue: key2 by EKM is the exported block; the P2P peer id agrees on both sides.
  const KeyStateSecrets none{};
  auto k1 = derive_key2(KeyDerivation::kTlsEkm, none, *p.client);
  auto k2 = derive_key2(KeyDerivation::kTlsEkm, none, *p.server);
  ASSERT_TRUE(k1 && k2);
  EXPECT_TRUE(std::equal(k1->bytes().begin(), k1->bytes().end(), a->begin()));
  EXPECT_TRUE(std::equal(k2->bytes().begin(), k2->bytes().end(), a->begin()));
  auto id1 = p2p_peer_id(true, *p.client);
  auto id2 = p2p_peer_id(true, *p.server);
  ASSERT_TRUE(id1 && id2);
  EXPECT_EQ(*id1, *id2);
  EXPECT_EQ(p2p_peer_id(false, *p.client)->value(), kP2pPeerIdWithoutEkm);
  // Another label gives other bytes.
  auto dyn = p.client->export_keying_material(crypto::kEkmDynamicTlsCrypt, 256);
  ASSERT_TRUE(dyn);
  EXPECT_NE(*dyn, *a);
}

TEST(TlsSession, KeyingMaterialIsEqualOnBothSidesTls13) { expect_same_ekm(TlsVersion::kTls13); }
TEST(TlsSession, KeyingMaterialIsEqualOnBothSidesTls12) { expect_same_ekm(TlsVersion::kTls12); }

TEST(TlsSession, KeyingMaterialNeedsAnEstablishedSession) {
  auto s = session(client_config());
  ASSERT_TRUE(s);
  EXPECT_FALSE(s->export_keying_material(crypto::kEkmDataKeys, 256));
  EXPECT_FALSE(derive_key2(KeyDerivation::kTlsEkm, {}, *s));
}

TEST(TlsSession, MessagesTravelOnePerRecord) {
  auto p = handshake(client_config(), server_config());
  expect_established(p);
  const std::string messages[] = {"PUSH_REQUEST", "second", std::string(kMaxTlsMessageSize, 'x')};
  for (const auto& m : messages) ASSERT_TRUE(p.client->write_message(bytes(m)));
  pump(*p.client, *p.server);
  for (const auto& m : messages) {
    auto got = p.server->read_plaintext();
    ASSERT_TRUE(got) << got.error().message;
    EXPECT_EQ(text_of(*got), m);  // one read, one whole record, never two
  }
  auto none = p.server->read_plaintext();
  ASSERT_TRUE(none);
  EXPECT_TRUE(none->empty());
}

TEST(TlsSession, MessagesWrittenDuringTheHandshakeGoOutAfterIt) {
  auto c = session(client_config());
  auto s = session(server_config());
  ASSERT_TRUE(c && s);
  ASSERT_TRUE(c->write_message(bytes("key-method-2")));
  auto early = s->read_plaintext();
  ASSERT_TRUE(early);
  EXPECT_TRUE(early->empty());
  pump(*c, *s);
  ASSERT_TRUE(c->established() && s->established());
  auto got = s->read_plaintext();
  ASSERT_TRUE(got);
  EXPECT_EQ(text_of(*got), "key-method-2");
}

TEST(TlsSession, RefusesEmptyOversizedAndTooManyQueuedMessages) {
  auto c = session(client_config());
  ASSERT_TRUE(c);
  EXPECT_FALSE(c->write_message({}));
  EXPECT_FALSE(c->write_message(std::vector<uint8_t>(kMaxTlsMessageSize + 1, 'a')));
  for (size_t i = 0; i < kMaxQueuedMessages; ++i) ASSERT_TRUE(c->write_message(bytes("m")));
  auto over = c->write_message(bytes("m"));
  ASSERT_FALSE(over);
  EXPECT_EQ(over.error().code, Errc::kExhausted);
  EXPECT_EQ(c->state(), TlsState::kHandshaking);
}

// Counts the NewSessionTicket messages a client receives.
int g_tickets_seen = 0;
void count_tickets(int write_p, int, int content_type, const void* buf, size_t len, SSL*, void*) {
  if (write_p == 0 && content_type == SSL3_RT_HANDSHAKE && len > 0 &&
      static_cast<const uint8_t*>(buf)[0] == SSL3_MT_NEWSESSION_TICKET) {
    ++g_tickets_seen;
  }
}

TEST(TlsSession, NewSessionTicketsAreReadAndIgnored) {
  auto server_ctx = TlsContext::create(server_config());
  auto client_ctx = TlsContext::create(client_config());
  ASSERT_TRUE(server_ctx && client_ctx);
  // A server that sends tickets anyway, as some do.
  SSL_CTX_clear_options((*server_ctx)->native_handle_for_test(), SSL_OP_NO_TICKET);
  SSL_CTX_set_num_tickets((*server_ctx)->native_handle_for_test(), 2);
  SSL_CTX_set_msg_callback((*client_ctx)->native_handle_for_test(), count_tickets);
  g_tickets_seen = 0;
  auto c = TlsSession::create(*client_ctx);
  auto s = TlsSession::create(*server_ctx);
  ASSERT_TRUE(c && s);
  pump(**c, **s);
  ASSERT_TRUE((*c)->established() && (*s)->established());
  ASSERT_TRUE((*s)->write_message(bytes("PUSH_REPLY,ping 10")));
  pump(**c, **s);
  auto got = (*c)->read_plaintext();
  ASSERT_TRUE(got) << got.error().message;
  EXPECT_EQ(text_of(*got), "PUSH_REPLY,ping 10");
  EXPECT_EQ(g_tickets_seen, 2);
  EXPECT_TRUE((*c)->established());
}

TEST(TlsSession, OurServerSendsNoTickets) {
  auto client_ctx = TlsContext::create(client_config());
  ASSERT_TRUE(client_ctx);
  SSL_CTX_set_msg_callback((*client_ctx)->native_handle_for_test(), count_tickets);
  g_tickets_seen = 0;
  auto c = TlsSession::create(*client_ctx);
  auto s = session(server_config());
  ASSERT_TRUE(c && s);
  pump(**c, *s);
  ASSERT_TRUE(s->write_message(bytes("x")));
  pump(**c, *s);
  ASSERT_TRUE((*c)->read_plaintext());
  EXPECT_EQ(g_tickets_seen, 0);
}

// Records whether a ClientHello carried a server name.
int g_server_names = 0;
int note_server_name(SSL* ssl, int*, void*) {
  const unsigned char* ext = nullptr;
  size_t len = 0;
  if (SSL_client_hello_get0_ext(ssl, TLSEXT_TYPE_server_name, &ext, &len) == 1) ++g_server_names;
  return SSL_CLIENT_HELLO_SUCCESS;
}

TEST(TlsSession, SetUpAs26Does) {
  for (const auto& config : {client_config(), server_config()}) {
    auto ctx = TlsContext::create(config);
    ASSERT_TRUE(ctx);
    SSL_CTX* native = (*ctx)->native_handle_for_test();
    EXPECT_NE(SSL_CTX_get_options(native) & SSL_OP_NO_RENEGOTIATION, 0u);
    EXPECT_NE(SSL_CTX_get_options(native) & SSL_OP_NO_TICKET, 0u);
    EXPECT_EQ(SSL_CTX_get_session_cache_mode(native), SSL_SESS_CACHE_OFF);
    EXPECT_EQ(SSL_CTX_get_min_proto_version(native), TLS1_2_VERSION);
  }
  // No SNI.
  auto server_ctx = TlsContext::create(server_config());
  ASSERT_TRUE(server_ctx);
  SSL_CTX_set_client_hello_cb((*server_ctx)->native_handle_for_test(), note_server_name, nullptr);
  g_server_names = 0;
  auto c = session(client_config());
  auto s = TlsSession::create(*server_ctx);
  ASSERT_TRUE(c && s);
  pump(*c, **s);
  EXPECT_TRUE(c->established() && (*s)->established());
  EXPECT_EQ(g_server_names, 0);
}

TEST(TlsSession, GarbageFailsTheSessionWithTheOpenSslReason) {
  auto s = session(server_config());
  ASSERT_TRUE(s);
  EXPECT_FALSE(s->feed_ciphertext(bytes("GET / HTTP/1.1\r\n\r\n")));
  EXPECT_EQ(s->state(), TlsState::kFailed);
  EXPECT_NE(s->error().find("error:"), std::string::npos) << s->error();
  EXPECT_FALSE(s->read_plaintext());
  EXPECT_FALSE(s->write_message(bytes("x")));
}

TEST(TlsSession, UnconsumedInputIsBounded) {
  auto s = session(server_config());
  ASSERT_TRUE(s);
  // A record header that announces more than arrives keeps everything pending.
  std::vector<uint8_t> partial = {0x16, 0x03, 0x01, 0x40, 0x00};
  ASSERT_TRUE(s->feed_ciphertext(partial));
  std::vector<uint8_t> flood(kMaxPendingCiphertext, 0);
  EXPECT_FALSE(s->feed_ciphertext(flood));
  EXPECT_EQ(s->state(), TlsState::kFailed);
}

// --- peer verification ---------------------------------------------------------------------------

void expect_client_rejects(const TlsConfig& c, const TlsConfig& s, const std::string& reason) {
  const auto p = handshake(c, s);
  ASSERT_TRUE(p.client && p.server);
  EXPECT_EQ(p.client->state(), TlsState::kFailed);
  EXPECT_NE(p.client->verify_failure().find(reason), std::string::npos)
      << p.client->verify_failure();
  EXPECT_NE(p.client->error().find("certificate verify failed"), std::string::npos)
      << p.client->error();
  EXPECT_NE(p.client->error().find(reason), std::string::npos) << p.client->error();
  EXPECT_NE(p.server->state(), TlsState::kEstablished);
}

void expect_server_rejects(const TlsConfig& c, const TlsConfig& s, const std::string& reason) {
  const auto p = handshake(c, s);
  ASSERT_TRUE(p.client && p.server);
  EXPECT_EQ(p.server->state(), TlsState::kFailed);
  EXPECT_NE(p.server->verify_failure().find(reason), std::string::npos)
      << p.server->verify_failure();
  EXPECT_NE(p.server->error().find(reason), std::string::npos) << p.server->error();
}

TEST(TlsVerify, WrongCaIsRejected) {
  const auto other_ca = test::make_ca("Other CA");
  auto c = client_config();
  c.ca_pem = other_ca.cert_pem;
  // The server completes its chain with the CA it trusts, which the client does not know.
  expect_client_rejects(c, server_config(), "self-signed certificate in certificate chain");
}

TEST(TlsVerify, ExpiredCertificateIsRejected) {
  const auto expired = test::issue(pki().ca, {.common_name = "server",
                                              .eku = Eku::kServerAuth,
                                              .not_before_s = -7200,
                                              .not_after_s = -3600});
  expect_client_rejects(client_config(), server_config(expired), "certificate has expired");
}

TEST(TlsVerify, RemoteCertTlsServerNeedsServerAuth) {
  const auto client_eku = test::issue(pki().ca, {.common_name = "server", .eku = Eku::kClientAuth});
  expect_client_rejects(client_config(), server_config(client_eku),
                        "remote-cert-tls server: EKU serverAuth missing");
  const auto no_eku = test::issue(pki().ca, {.common_name = "server", .eku = Eku::kNone});
  expect_client_rejects(client_config(), server_config(no_eku),
                        "remote-cert-tls server: EKU serverAuth missing");
  const auto no_ku =
      test::issue(pki().ca, {.common_name = "server", .eku = Eku::kServerAuth, .key_usage = false});
  expect_client_rejects(client_config(), server_config(no_ku),
                        "remote-cert-tls server: keyUsage missing");
  // Without the option, a certificate without EKU is fine. (One whose EKU lacks serverAuth
  // still fails OpenSSL's own purpose check, as with 2.6.)
  auto c = client_config();
  c.remote_cert_tls = RemoteCertTls::kNone;
  expect_established(handshake(c, server_config(no_eku)));
  expect_client_rejects(c, server_config(client_eku), "unsuitable certificate purpose");
}

TEST(TlsVerify, RemoteCertTlsClientNeedsClientAuth) {
  auto s = server_config();
  s.remote_cert_tls = RemoteCertTls::kClient;
  expect_established(handshake(client_config(), s));
  const auto server_eku = test::issue(pki().ca, {.common_name = "client", .eku = Eku::kServerAuth});
  expect_server_rejects(client_config(server_eku), s,
                        "remote-cert-tls client: EKU clientAuth missing");
}

TEST(TlsVerify, VerifyX509NameSubject) {
  auto c = client_config();
  c.verify_x509_name = VerifyX509Name{"C=DE, O=ovpnd test, CN=server", X509NameType::kSubject};
  expect_established(handshake(c, server_config()));
  c.verify_x509_name->name = "C=DE, O=ovpnd test, CN=serverX";
  expect_client_rejects(c, server_config(),
                        "verify-x509-name: subject 'C=DE, O=ovpnd test, CN=server'");
}

TEST(TlsVerify, VerifyX509NameName) {
  auto c = client_config();
  c.verify_x509_name = VerifyX509Name{"server", X509NameType::kName};
  expect_established(handshake(c, server_config()));
  c.verify_x509_name->name = "serv";
  expect_client_rejects(c, server_config(), "verify-x509-name: CN 'server' is not 'serv'");
}

TEST(TlsVerify, VerifyX509NamePrefix) {
  auto c = client_config();
  c.verify_x509_name = VerifyX509Name{"serv", X509NameType::kNamePrefix};
  expect_established(handshake(c, server_config()));
  c.verify_x509_name->name = "server-1";
  expect_client_rejects(c, server_config(), "does not start with 'server-1'");
}

TEST(TlsVerify, PeerFingerprintWithoutCa) {
  // Self-signed leaves, pinned by fingerprint on both sides, as --peer-fingerprint does.
  const auto server_self = test::make_ca("server");
  const auto client_self = test::make_ca("client");
  TlsConfig c;
  c.cert_pem = client_self.cert_pem;
  c.key_pem = client_self.key_pem;
  c.peer_fingerprints = {x509_sha256(server_self.cert.get())};
  TlsConfig s;
  s.role = proto::Role::kServer;
  s.cert_pem = server_self.cert_pem;
  s.key_pem = server_self.key_pem;
  s.peer_fingerprints = {Sha256Fingerprint{}, x509_sha256(client_self.cert.get())};
  expect_established(handshake(c, s));

  c.peer_fingerprints = {x509_sha256(client_self.cert.get())};  // not the server's
  expect_client_rejects(c, s,
                        "peer-fingerprint: SHA256 " +
                            fingerprint_text(x509_sha256(server_self.cert.get())) + " not listed");
}

TEST(TlsVerify, PeerFingerprintOnTopOfTheCa) {
  auto c = client_config();
  c.peer_fingerprints = {x509_sha256(pki().server.cert.get())};
  expect_established(handshake(c, server_config()));
  c.peer_fingerprints = {x509_sha256(pki().client.cert.get())};
  expect_client_rejects(c, server_config(), "peer-fingerprint");
}

TEST(TlsVerify, VerifyClientCert) {
  TlsConfig anonymous = client_config();
  anonymous.cert_pem.clear();
  anonymous.key_pem.clear();
  auto s = server_config();
  // require (the default): a client without a certificate fails.
  auto p = handshake(anonymous, s);
  EXPECT_EQ(p.server->state(), TlsState::kFailed);
  EXPECT_NE(p.server->error().find("peer did not return a certificate"), std::string::npos)
      << p.server->error();
  for (auto mode : {VerifyClientCert::kOptional, VerifyClientCert::kNone}) {
    s.verify_client_cert = mode;
    p = handshake(anonymous, s);
    expect_established(p);
    EXPECT_FALSE(p.server->peer_certificate());
  }
  // optional still verifies a certificate that is shown.
  s.verify_client_cert = VerifyClientCert::kOptional;
  const auto other_ca = test::make_ca("Other CA");
  const auto stranger = test::issue(other_ca, {.common_name = "client", .eku = Eku::kClientAuth});
  expect_server_rejects(client_config(stranger), s, "unable to get local issuer certificate");
}

// --- configuration errors ------------------------------------------------------------------------

void expect_config_error(const TlsConfig& config, const std::string& what) {
  auto ctx = TlsContext::create(config);
  ASSERT_FALSE(ctx);
  EXPECT_NE(ctx.error().message.find(what), std::string::npos) << ctx.error().message;
}

TEST(TlsContext, ReportsConfigurationErrors) {
  auto c = client_config();
  c.ca_pem = "-----BEGIN CERTIFICATE-----\nnot base64!\n-----END CERTIFICATE-----\n";
  expect_config_error(c, "ca: bad certificate #1");
  c.ca_pem = "no PEM here";
  expect_config_error(c, "ca: no certificate in PEM text");
  c = client_config();
  c.key_pem = pki().server.key_pem;
  expect_config_error(c, "key: private key does not match the certificate");
  c = client_config();
  c.key_pem.clear();
  expect_config_error(c, "cert/key: one given without the other");
  c = client_config();
  c.ca_pem.clear();
  expect_config_error(c, "ca: neither a CA nor a peer-fingerprint");
  auto s = server_config();
  s.cert_pem.clear();
  s.key_pem.clear();
  expect_config_error(s, "a server needs a certificate");
  c = client_config();
  c.tls_cipher = "NO-SUCH-CIPHER";
  expect_config_error(c, "tls-cipher: no usable cipher");
  c = client_config();
  c.tls_groups = "nosuchgroup";
  expect_config_error(c, "tls-groups");
  c = client_config();
  c.tls_ciphersuites = "TLS_NO_SUCH";
  expect_config_error(c, "tls-ciphersuites");
  c = client_config();
  c.version_min = TlsVersion::kTls13;
  c.version_max = TlsVersion::kTls12;
  expect_config_error(c, "tls-version-max is below tls-version-min");
}

TEST(TlsContext, CertificateChainsAndCaBundlesLoad) {
  // The server sends leaf + intermediate; the client trusts the root only.
  const auto intermediate = test::issue(pki().ca, {.common_name = "Intermediate", .is_ca = true});
  const auto leaf = test::issue(intermediate, {.common_name = "server", .eku = Eku::kServerAuth});
  auto s = server_config(leaf);
  s.cert_pem = leaf.cert_pem + intermediate.cert_pem;
  expect_established(handshake(client_config(), s));
  // An "intermediate" that is no CA breaks the chain.
  const auto not_ca = test::issue(pki().ca, {.common_name = "Intermediate"});
  const auto leaf2 = test::issue(not_ca, {.common_name = "server", .eku = Eku::kServerAuth});
  s = server_config(leaf2);
  s.cert_pem = leaf2.cert_pem + not_ca.cert_pem;
  expect_client_rejects(client_config(), s, "invalid CA certificate");
  // A bundle of two CAs: the second one is the right one.
  auto c = client_config();
  c.ca_pem = test::make_ca("Other CA").cert_pem + pki().ca.cert_pem;
  expect_established(handshake(c, server_config()));
}

// A CRL by `ca` revoking `revoked` (none: an empty CRL), as PEM.
std::string make_crl(const Identity& ca, const Identity* revoked) {
  std::unique_ptr<X509_CRL, decltype(&X509_CRL_free)> crl(X509_CRL_new(), &X509_CRL_free);
  X509_CRL_set_version(crl.get(), 1);
  X509_CRL_set_issuer_name(crl.get(), X509_get_subject_name(ca.cert.get()));
  std::unique_ptr<ASN1_TIME, decltype(&ASN1_TIME_free)> now(
      ASN1_TIME_adj(nullptr, time(nullptr), 0, -60), &ASN1_TIME_free);
  std::unique_ptr<ASN1_TIME, decltype(&ASN1_TIME_free)> next(
      ASN1_TIME_adj(nullptr, time(nullptr), 1, 0), &ASN1_TIME_free);
  X509_CRL_set1_lastUpdate(crl.get(), now.get());
  X509_CRL_set1_nextUpdate(crl.get(), next.get());
  if (revoked != nullptr) {
    X509_REVOKED* r = X509_REVOKED_new();
    X509_REVOKED_set_serialNumber(r, X509_get_serialNumber(revoked->cert.get()));
    X509_REVOKED_set_revocationDate(r, now.get());
    X509_CRL_add0_revoked(crl.get(), r);
  }
  X509_CRL_sort(crl.get());
  EXPECT_GT(X509_CRL_sign(crl.get(), ca.key.get(), EVP_sha256()), 0);
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new(BIO_s_mem()), &BIO_free);
  PEM_write_bio_X509_CRL(bio.get(), crl.get());
  char* data = nullptr;
  const long n = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<size_t>(n));
}

TEST(TlsSession, CrlVerifyRefusesARevokedClientOnly) {
  const Identity other = test::issue(pki().ca, {.common_name = "other", .eku = Eku::kClientAuth});
  auto s = server_config();
  s.crl_pem = make_crl(pki().ca, &other);
  expect_established(handshake(client_config(), s));
  auto refused = handshake(client_config(other), s);
  ASSERT_TRUE(refused.server);
  EXPECT_EQ(refused.server->state(), TlsState::kFailed);
  EXPECT_NE(refused.server->error().find("revoked"), std::string::npos) << refused.server->error();
  // A CRL that revokes nobody, and a client from a CA without a CRL here, pass.
  s.crl_pem = make_crl(pki().ca, nullptr);
  expect_established(handshake(client_config(other), s));
}

TEST(TlsSession, CrlVerifyNeedsAReadableCrl) {
  auto s = server_config();
  s.crl_pem = "not a crl";
  auto ctx = TlsContext::create(s);
  ASSERT_FALSE(ctx);
  EXPECT_NE(ctx.error().message.find("crl-verify"), std::string::npos);
}

}  // namespace
}  // namespace ovpn::control
