#pragma once
// Certificate checks of the control channel's TLS, as 2.6 makes them on the peer's leaf
// certificate (protocol reference 5.1): the subject DN printed the way 2.6 prints it, the CN,
// the SHA-256 fingerprint, --remote-cert-tls and --verify-x509-name.

#include <openssl/x509.h>

#include <string>

#include "common/result.h"
#include "control/tls_session.h"

namespace ovpn::control {

// "C=DE, O=Org, CN=server": X509_NAME_print_ex with XN_FLAG_SEP_CPLUS_SPC | XN_FLAG_FN_SN,
// UTF-8 converted, control characters escaped. Thread: any.
std::string x509_subject(X509* cert);
// The last commonName of the subject as UTF-8, "" when none. Thread: any.
std::string x509_common_name(X509* cert);
// SHA-256 over the DER certificate. Thread: any.
Sha256Fingerprint x509_sha256(X509* cert);
// "AB:CD:..." as --peer-fingerprint writes it. Thread: any.
std::string fingerprint_text(const Sha256Fingerprint& fp);

// --remote-cert-tls server|client: a keyUsage extension (any value) and the EKU serverAuth or
// clientAuth. The error names what is missing. Thread: any.
Status check_remote_cert_tls(X509* cert, bool server);
// --verify-x509-name. Thread: any.
Status check_x509_name(X509* cert, const VerifyX509Name& want);

}  // namespace ovpn::control
