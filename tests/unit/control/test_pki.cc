// Throwaway PKI for the TLS tests (see test_pki.h).

#include "test_pki.h"

#include <gtest/gtest.h>
#include <openssl/bio.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

namespace ovpn::control::test {
namespace {

std::string bio_text(BIO* bio) {
  char* data = nullptr;
  const long n = BIO_get_mem_data(bio, &data);
  return n > 0 ? std::string(data, static_cast<size_t>(n)) : std::string();
}

std::string pem_of(X509* cert) {
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new(BIO_s_mem()), &BIO_free);
  PEM_write_bio_X509(bio.get(), cert);
  return bio_text(bio.get());
}

std::string pem_of(EVP_PKEY* key) {
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new(BIO_s_mem()), &BIO_free);
  PEM_write_bio_PrivateKey(bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr);
  return bio_text(bio.get());
}

void add_ext(X509* cert, X509* issuer, int nid, const char* value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value);
  ASSERT_NE(ext, nullptr) << value;
  X509_add_ext(cert, ext, -1);
  X509_EXTENSION_free(ext);
}

void set_name(X509_NAME* name, const std::string& org, const std::string& cn) {
  auto add = [name](const char* field, const std::string& v) {
    X509_NAME_add_entry_by_txt(name, field, MBSTRING_ASC,
                               reinterpret_cast<const unsigned char*>(v.c_str()), -1, -1, 0);
  };
  add("C", "DE");
  add("O", org);
  add("CN", cn);
}

std::shared_ptr<X509> new_cert(EVP_PKEY* key, const std::string& org, const std::string& cn,
                               long not_before_s, long not_after_s) {
  static long serial = 1;
  std::shared_ptr<X509> cert(X509_new(), &X509_free);
  X509_set_version(cert.get(), 2);
  ASN1_INTEGER_set(X509_get_serialNumber(cert.get()), ++serial);
  X509_gmtime_adj(X509_getm_notBefore(cert.get()), not_before_s);
  X509_gmtime_adj(X509_getm_notAfter(cert.get()), not_after_s);
  X509_set_pubkey(cert.get(), key);
  set_name(X509_get_subject_name(cert.get()), org, cn);
  return cert;
}

std::shared_ptr<EVP_PKEY> new_key() {
  return std::shared_ptr<EVP_PKEY>(EVP_EC_gen("P-256"), &EVP_PKEY_free);
}

}  // namespace

Identity make_ca(const std::string& cn) {
  Identity id;
  id.key = new_key();
  if (!id.key) {
    ADD_FAILURE() << "EC key generation failed";
    return id;
  }
  id.cert = new_cert(id.key.get(), "ovpnd test", cn, -3600, 86400);
  X509_set_issuer_name(id.cert.get(), X509_get_subject_name(id.cert.get()));
  add_ext(id.cert.get(), id.cert.get(), NID_basic_constraints, "critical,CA:TRUE");
  add_ext(id.cert.get(), id.cert.get(), NID_key_usage, "critical,keyCertSign,cRLSign");
  add_ext(id.cert.get(), id.cert.get(), NID_subject_key_identifier, "hash");
  EXPECT_GT(X509_sign(id.cert.get(), id.key.get(), EVP_sha256()), 0);
  id.cert_pem = pem_of(id.cert.get());
  id.key_pem = pem_of(id.key.get());
  return id;
}

Identity issue(const Identity& ca, const CertSpec& spec) {
  Identity id;
  id.key = new_key();
  if (!id.key || !ca.cert) {
    ADD_FAILURE() << "no key or no CA";
    return id;
  }
  id.cert = new_cert(id.key.get(), spec.organization, spec.common_name, spec.not_before_s,
                     spec.not_after_s);
  X509_set_issuer_name(id.cert.get(), X509_get_subject_name(ca.cert.get()));
  if (spec.is_ca) {
    add_ext(id.cert.get(), ca.cert.get(), NID_basic_constraints, "critical,CA:TRUE");
    add_ext(id.cert.get(), ca.cert.get(), NID_key_usage, "critical,keyCertSign,cRLSign");
  } else {
    add_ext(id.cert.get(), ca.cert.get(), NID_basic_constraints, "CA:FALSE");
  }
  if (spec.key_usage && !spec.is_ca) {
    add_ext(id.cert.get(), ca.cert.get(), NID_key_usage, "critical,digitalSignature,keyAgreement");
  }
  if (spec.eku == Eku::kServerAuth) {
    add_ext(id.cert.get(), ca.cert.get(), NID_ext_key_usage, "serverAuth");
  } else if (spec.eku == Eku::kClientAuth) {
    add_ext(id.cert.get(), ca.cert.get(), NID_ext_key_usage, "clientAuth");
  }
  EXPECT_GT(X509_sign(id.cert.get(), ca.key.get(), EVP_sha256()), 0);
  id.cert_pem = pem_of(id.cert.get());
  id.key_pem = pem_of(id.key.get());
  return id;
}

}  // namespace ovpn::control::test
