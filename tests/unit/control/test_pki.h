#pragma once
// Throwaway PKI for the TLS tests, made with the OpenSSL API: a CA and certificates it issues
// (EC P-256), with the extensions, names and validity each test needs. Nothing is written to
// disk; every run makes new keys.

#include <openssl/evp.h>
#include <openssl/x509.h>

#include <memory>
#include <string>

namespace ovpn::control::test {

enum class Eku { kNone, kServerAuth, kClientAuth };

struct CertSpec {
  std::string common_name;
  std::string organization = "ovpnd test";
  Eku eku = Eku::kNone;
  bool key_usage = true;
  bool is_ca = false;       // an intermediate CA (CA:TRUE, keyCertSign) instead of a leaf
  long not_before_s = -60;  // relative to now
  long not_after_s = 3600;
};

struct Identity {
  std::string cert_pem;
  std::string key_pem;
  std::shared_ptr<X509> cert;
  std::shared_ptr<EVP_PKEY> key;
};

// A self-signed CA "C=DE, O=ovpnd test, CN=<cn>". Fails the test (empty identity) on error.
Identity make_ca(const std::string& cn);
// A certificate for `spec`, signed by `ca`; subject "C=DE, O=<organization>, CN=<cn>".
Identity issue(const Identity& ca, const CertSpec& spec);

}  // namespace ovpn::control::test
