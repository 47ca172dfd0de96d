// Certificates for Coffer's own TLS: a local CA made on first start and server
// certificates it signs. EC P-256 keys, SHA-256 signatures. Private keys are returned
// as PEM in SecretBytes (wiped on destruction).
#pragma once

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "base/secret.h"

namespace coffer::crypto {

struct CertAndKey {
  std::string cert_pem;
  SecretBytes key_pem;
};

// A self-signed CA valid for 10 years.
absl::StatusOr<CertAndKey> GenerateCa(const std::string& common_name);

// A server certificate valid for 2 years signed by the CA, with subjectAltNames for
// each entry of `hosts` (IP addresses become iPAddress entries, the rest dNSName).
absl::StatusOr<CertAndKey> GenerateServerCert(const CertAndKey& ca,
                                              const std::vector<std::string>& hosts);

// True when the certificate's names match `host` (a DNS name or an IP address).
bool CertCoversHost(const std::string& cert_pem, const std::string& host);

}  // namespace coffer::crypto
