// TLS-EKM on a real TLS session: a client and a server OpenSSL handshake through memory BIOs
// (TLS 1.3 and TLS 1.2), both export the key2 block, and a data packet sealed with the client's
// send keys opens with the server's receive keys.

#include <gtest/gtest.h>
#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <memory>

#include "crypto/data_keys.h"
#include "crypto/ekm.h"
#include "proto/data_packet.h"

namespace ovpn::crypto {
namespace {

template <class T, void (*F)(T*)>
struct Free {
  void operator()(T* p) const { F(p); }
};
using SslCtxPtr = std::unique_ptr<SSL_CTX, Free<SSL_CTX, SSL_CTX_free>>;
using SslPtr = std::unique_ptr<SSL, Free<SSL, SSL_free>>;
using PkeyPtr = std::unique_ptr<EVP_PKEY, Free<EVP_PKEY, EVP_PKEY_free>>;
using X509Ptr = std::unique_ptr<X509, Free<X509, X509_free>>;

// A throwaway self-signed Ed25519 certificate for the server.
void make_identity(PkeyPtr& key, X509Ptr& cert) {
  key.reset(EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519"));
  ASSERT_TRUE(key);
  cert.reset(X509_new());
  ASSERT_TRUE(cert);
  ASN1_INTEGER_set(X509_get_serialNumber(cert.get()), 1);
  X509_gmtime_adj(X509_getm_notBefore(cert.get()), 0);
  X509_gmtime_adj(X509_getm_notAfter(cert.get()), 3600);
  X509_set_pubkey(cert.get(), key.get());
  X509_NAME* name = X509_get_subject_name(cert.get());
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>("server"), -1, -1, 0);
  X509_set_issuer_name(cert.get(), name);
  ASSERT_GT(X509_sign(cert.get(), key.get(), nullptr), 0);
}

// Moves bytes from one side's write BIO to the other's read BIO until both are done.
bool handshake(SSL* client, SSL* server, BIO* c_out, BIO* c_in, BIO* s_out, BIO* s_in) {
  char buf[16384];
  for (int round = 0; round < 20; ++round) {
    const int c = SSL_do_handshake(client);
    const int s = SSL_do_handshake(server);
    for (int n; (n = BIO_read(c_out, buf, sizeof buf)) > 0;) BIO_write(s_in, buf, n);
    for (int n; (n = BIO_read(s_out, buf, sizeof buf)) > 0;) BIO_write(c_in, buf, n);
    if (c == 1 && s == 1) return true;
  }
  return false;
}

void run(int tls_version) {
  PkeyPtr key;
  X509Ptr cert;
  make_identity(key, cert);
  SslCtxPtr server_ctx(SSL_CTX_new(TLS_server_method()));
  SslCtxPtr client_ctx(SSL_CTX_new(TLS_client_method()));
  ASSERT_TRUE(server_ctx && client_ctx);
  for (SSL_CTX* ctx : {server_ctx.get(), client_ctx.get()}) {
    SSL_CTX_set_min_proto_version(ctx, tls_version);
    SSL_CTX_set_max_proto_version(ctx, tls_version);
  }
  ASSERT_EQ(SSL_CTX_use_certificate(server_ctx.get(), cert.get()), 1);
  ASSERT_EQ(SSL_CTX_use_PrivateKey(server_ctx.get(), key.get()), 1);

  SslPtr client(SSL_new(client_ctx.get()));
  SslPtr server(SSL_new(server_ctx.get()));
  BIO* c_in = BIO_new(BIO_s_mem());
  BIO* c_out = BIO_new(BIO_s_mem());
  BIO* s_in = BIO_new(BIO_s_mem());
  BIO* s_out = BIO_new(BIO_s_mem());
  SSL_set_bio(client.get(), c_in, c_out);  // the SSL objects own the BIOs
  SSL_set_bio(server.get(), s_in, s_out);
  SSL_set_connect_state(client.get());
  SSL_set_accept_state(server.get());
  ASSERT_TRUE(handshake(client.get(), server.get(), c_out, c_in, s_out, s_in));

  auto client_key2 = key2_from_ekm(client.get());
  auto server_key2 = key2_from_ekm(server.get());
  ASSERT_TRUE(client_key2 && server_key2);
  EXPECT_TRUE(std::equal(client_key2->bytes().begin(), client_key2->bytes().end(),
                         server_key2->bytes().begin()));
  // A different label gives a different block.
  auto dynamic = key2_from_ekm(client.get(), kEkmDynamicTlsCrypt);
  ASSERT_TRUE(dynamic);
  EXPECT_FALSE(
      std::equal(dynamic->bytes().begin(), dynamic->bytes().end(), client_key2->bytes().begin()));

  const auto alg = CipherAlg::kAes256Gcm;
  const auto c = data_keys_from_key2(*client_key2, proto::Role::kClient, alg);
  const auto s = data_keys_from_key2(*server_key2, proto::Role::kServer, alg);
  auto sealer = DataAead::create_v2(alg, c.send.cipher_key, c.send.implicit_iv);
  auto opener = DataAead::create_v2(alg, s.receive.cipher_key, s.receive.implicit_iv);
  ASSERT_TRUE(sealer && opener);
  std::vector<uint8_t> packet(proto::kDataV2Overhead + 64, 0x11);
  proto::write_data_v2_header(packet.data(), KeyId{}, *PeerId::make(1), 1);
  ASSERT_TRUE(sealer->seal(packet));
  EXPECT_TRUE(opener->open(packet));
}

TEST(EkmHandshake, Tls13BothSidesExportTheSameKeys) { run(TLS1_3_VERSION); }
TEST(EkmHandshake, Tls12BothSidesExportTheSameKeys) { run(TLS1_2_VERSION); }

}  // namespace
}  // namespace ovpn::crypto
