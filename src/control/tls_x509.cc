// Certificate checks of the control channel's TLS (see tls_x509.h).

#include "control/tls_x509.h"

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/x509v3.h>

#include <cstdio>
#include <memory>

namespace ovpn::control {

std::string x509_subject(X509* cert) {
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new(BIO_s_mem()), &BIO_free);
  if (!bio) return "";
  X509_NAME_print_ex(
      bio.get(), X509_get_subject_name(cert), 0,
      XN_FLAG_SEP_CPLUS_SPC | XN_FLAG_FN_SN | ASN1_STRFLGS_UTF8_CONVERT | ASN1_STRFLGS_ESC_CTRL);
  char* data = nullptr;
  const long n = BIO_get_mem_data(bio.get(), &data);
  return n > 0 && data != nullptr ? std::string(data, static_cast<size_t>(n)) : "";
}

std::string x509_common_name(X509* cert) {
  X509_NAME* name = X509_get_subject_name(cert);
  int index = -1;
  for (int i = -1; (i = X509_NAME_get_index_by_NID(name, NID_commonName, i)) >= 0;) index = i;
  if (index < 0) return "";
  const ASN1_STRING* value = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name, index));
  unsigned char* utf8 = nullptr;
  const int n = ASN1_STRING_to_UTF8(&utf8, value);
  if (n < 0 || utf8 == nullptr) return "";
  std::string out(reinterpret_cast<const char*>(utf8), static_cast<size_t>(n));
  OPENSSL_free(utf8);
  return out;
}

Sha256Fingerprint x509_sha256(X509* cert) {
  Sha256Fingerprint fp{};
  unsigned int n = 0;
  if (X509_digest(cert, EVP_sha256(), fp.data(), &n) != 1 || n != fp.size()) fp.fill(0);
  return fp;
}

std::string fingerprint_text(const Sha256Fingerprint& fp) {
  std::string out;
  for (uint8_t b : fp) {
    char hex[4];
    std::snprintf(hex, sizeof hex, "%02X", b);
    if (!out.empty()) out += ':';
    out += hex;
  }
  return out;
}

Status check_remote_cert_tls(X509* cert, bool server) {
  const char* which = server ? "remote-cert-tls server" : "remote-cert-tls client";
  const uint32_t flags = X509_get_extension_flags(cert);
  if ((flags & EXFLAG_KUSAGE) == 0) {
    return make_error(Errc::kAuthFailed, std::string(which) + ": keyUsage missing");
  }
  // Without the extension X509_get_extended_key_usage reports "any", so test for it first.
  const uint32_t want = server ? XKU_SSL_SERVER : XKU_SSL_CLIENT;
  if ((flags & EXFLAG_XKUSAGE) == 0 || (X509_get_extended_key_usage(cert) & want) == 0) {
    return make_error(Errc::kAuthFailed, std::string(which) + ": EKU " +
                                             (server ? "serverAuth" : "clientAuth") + " missing");
  }
  return {};
}

Status check_x509_name(X509* cert, const VerifyX509Name& want) {
  switch (want.type) {
    case X509NameType::kSubject: {
      const auto subject = x509_subject(cert);
      if (subject == want.name) return {};
      return make_error(Errc::kAuthFailed,
                        "verify-x509-name: subject '" + subject + "' is not '" + want.name + "'");
    }
    case X509NameType::kName: {
      const auto cn = x509_common_name(cert);
      if (cn == want.name) return {};
      return make_error(Errc::kAuthFailed,
                        "verify-x509-name: CN '" + cn + "' is not '" + want.name + "'");
    }
    case X509NameType::kNamePrefix: {
      const auto cn = x509_common_name(cert);
      if (cn.rfind(want.name, 0) == 0) return {};
      return make_error(Errc::kAuthFailed, "verify-x509-name: CN '" + cn +
                                               "' does not start with '" + want.name + "'");
    }
  }
  return make_error(Errc::kInvalidArgument, "verify-x509-name: unknown type");
}

}  // namespace ovpn::control
