#include "crypto/x509.h"

#include <gtest/gtest.h>

namespace coffer::crypto {
namespace {

TEST(X509, CaSignsServerCertWithNames) {
  auto ca = GenerateCa("Coffer test CA");
  ASSERT_TRUE(ca.ok());
  auto server = GenerateServerCert(*ca, {"localhost", "*.s3.localhost", "127.0.0.1", "::1"});
  ASSERT_TRUE(server.ok());
  EXPECT_TRUE(CertCoversHost(server->cert_pem, "localhost"));
  EXPECT_TRUE(CertCoversHost(server->cert_pem, "bucket.s3.localhost"));
  EXPECT_TRUE(CertCoversHost(server->cert_pem, "127.0.0.1"));
  EXPECT_TRUE(CertCoversHost(server->cert_pem, "::1"));
  EXPECT_FALSE(CertCoversHost(server->cert_pem, "example.com"));
  EXPECT_FALSE(CertCoversHost(server->cert_pem, "10.0.0.1"));
  EXPECT_NE(server->key_pem.view().find("PRIVATE KEY"), std::string_view::npos);
}

}  // namespace
}  // namespace coffer::crypto
