#include "crypto/x509.h"

#include <arpa/inet.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <memory>

#include "absl/strings/str_join.h"
#include "base/ids.h"

namespace coffer::crypto {
namespace {

template <auto F>
struct Deleter {
  template <typename T>
  void operator()(T* p) const { F(p); }
};
using PKey = std::unique_ptr<EVP_PKEY, Deleter<EVP_PKEY_free>>;
using Cert = std::unique_ptr<X509, Deleter<X509_free>>;
using Bio = std::unique_ptr<BIO, Deleter<BIO_free>>;

bool IsIp(const std::string& h) {
  unsigned char buf[16];
  return inet_pton(AF_INET, h.c_str(), buf) == 1 || inet_pton(AF_INET6, h.c_str(), buf) == 1;
}

PKey NewKey() { return PKey(EVP_EC_gen("P-256")); }

std::string CertPem(X509* c) {
  Bio b(BIO_new(BIO_s_mem()));
  PEM_write_bio_X509(b.get(), c);
  char* p = nullptr;
  long n = BIO_get_mem_data(b.get(), &p);
  return std::string(p, n);
}

SecretBytes KeyPem(EVP_PKEY* k) {
  Bio b(BIO_new(BIO_s_secmem()));
  PEM_write_bio_PrivateKey(b.get(), k, nullptr, nullptr, 0, nullptr, nullptr);
  char* p = nullptr;
  long n = BIO_get_mem_data(b.get(), &p);
  return SecretBytes(std::string_view(p, n));
}

Cert ParseCert(const std::string& pem) {
  Bio b(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  return Cert(PEM_read_bio_X509(b.get(), nullptr, nullptr, nullptr));
}

PKey ParseKey(const SecretBytes& pem) {
  Bio b(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  return PKey(PEM_read_bio_PrivateKey(b.get(), nullptr, nullptr, nullptr));
}

bool AddExt(X509* cert, X509* issuer, int nid, const std::string& value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value.c_str());
  if (!ext) return false;
  bool ok = X509_add_ext(cert, ext, -1) == 1;
  X509_EXTENSION_free(ext);
  return ok;
}

Cert NewCert(EVP_PKEY* key, const std::string& cn, long days) {
  Cert c(X509_new());
  X509_set_version(c.get(), 2);
  std::string serial = RandomBytes(16);
  serial[0] &= 0x7f;
  BIGNUM* bn = BN_bin2bn(reinterpret_cast<const unsigned char*>(serial.data()), 16, nullptr);
  BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(c.get()));
  BN_free(bn);
  X509_gmtime_adj(X509_getm_notBefore(c.get()), -3600);
  X509_gmtime_adj(X509_getm_notAfter(c.get()), days * 24 * 3600);
  X509_set_pubkey(c.get(), key);
  X509_NAME* name = X509_get_subject_name(c.get());
  X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>("Coffer"), -1, -1, 0);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>(cn.c_str()), -1, -1, 0);
  return c;
}
}  // namespace

absl::StatusOr<CertAndKey> GenerateCa(const std::string& common_name) {
  PKey key = NewKey();
  if (!key) return absl::InternalError("EC key generation failed");
  Cert c = NewCert(key.get(), common_name, 3650);
  X509_set_issuer_name(c.get(), X509_get_subject_name(c.get()));
  if (!AddExt(c.get(), c.get(), NID_basic_constraints, "critical,CA:TRUE,pathlen:0") ||
      !AddExt(c.get(), c.get(), NID_key_usage, "critical,keyCertSign,cRLSign") ||
      !AddExt(c.get(), c.get(), NID_subject_key_identifier, "hash") ||
      X509_sign(c.get(), key.get(), EVP_sha256()) == 0) {
    return absl::InternalError("CA certificate creation failed");
  }
  return CertAndKey{CertPem(c.get()), KeyPem(key.get())};
}

absl::StatusOr<CertAndKey> GenerateServerCert(const CertAndKey& ca,
                                              const std::vector<std::string>& hosts) {
  Cert ca_cert = ParseCert(ca.cert_pem);
  PKey ca_key = ParseKey(ca.key_pem);
  PKey key = NewKey();
  if (!ca_cert || !ca_key || !key) return absl::InvalidArgumentError("unreadable CA");
  std::vector<std::string> sans;
  for (const auto& h : hosts) sans.push_back((IsIp(h) ? "IP:" : "DNS:") + h);
  Cert c = NewCert(key.get(), hosts.empty() ? "coffer" : hosts.front(), 730);
  X509_set_issuer_name(c.get(), X509_get_subject_name(ca_cert.get()));
  if (!AddExt(c.get(), ca_cert.get(), NID_basic_constraints, "critical,CA:FALSE") ||
      !AddExt(c.get(), ca_cert.get(), NID_key_usage, "critical,digitalSignature") ||
      !AddExt(c.get(), ca_cert.get(), NID_ext_key_usage, "serverAuth") ||
      !AddExt(c.get(), ca_cert.get(), NID_authority_key_identifier, "keyid") ||
      (!sans.empty() &&
       !AddExt(c.get(), ca_cert.get(), NID_subject_alt_name, absl::StrJoin(sans, ","))) ||
      X509_sign(c.get(), ca_key.get(), EVP_sha256()) == 0) {
    return absl::InternalError("server certificate creation failed");
  }
  return CertAndKey{CertPem(c.get()), KeyPem(key.get())};
}

bool CertCoversHost(const std::string& cert_pem, const std::string& host) {
  Cert c = ParseCert(cert_pem);
  if (!c) return false;
  if (IsIp(host)) return X509_check_ip_asc(c.get(), host.c_str(), 0) == 1;
  return X509_check_host(c.get(), host.data(), host.size(), 0, nullptr) == 1;
}

}  // namespace coffer::crypto
