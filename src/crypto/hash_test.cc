#include "crypto/hash.h"

#include <gtest/gtest.h>
#include <openssl/core_names.h>
#include <openssl/kdf.h>
#include <openssl/params.h>

#include <cstdio>
#include <fstream>
#include <random>
#include <thread>
#include <vector>

#include "base/encoding.h"

namespace coffer::crypto {
namespace {

TEST(Hash, KnownAnswers) {
  EXPECT_EQ(HexLower(Sha256("")),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(HexLower(Md5("")), "d41d8cd98f00b204e9800998ecf8427e");
  EXPECT_EQ(HexLower(Sha1("abc")), "a9993e364706816aba3e25717850c26c9cd0d89d");
  Digest d(Digest::Algorithm::kSha256);
  d.Update("a");
  d.Update("bc");
  EXPECT_EQ(HexLower(d.Final()),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(Hash, HmacRfc4231Case2) {
  EXPECT_EQ(HexLower(HmacSha256("Jefe", "what do ya want for nothing?")),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

// Each thread keys one context for every MAC: one MAC's key must not carry into the
// next, on any thread. HMAC-SHA256 with an empty key and message is a known value.
TEST(Hash, HmacAndDigestsRepeatAcrossCallsAndThreads) {
  const std::string empty_mac =
      "b613679a0814d9ec772f95d778c35fc5ff1697c493715653c6c712144292c5ad";
  const std::string jefe_mac =
      "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843";
  auto check = [&] {
    for (int i = 0; i < 200; ++i) {
      ASSERT_EQ(HexLower(HmacSha256("Jefe", "what do ya want for nothing?")), jefe_mac);
      ASSERT_EQ(HexLower(HmacSha256("", "")), empty_mac);
      ASSERT_EQ(HexLower(HmacSha256(std::string_view(), "")), empty_mac);
      // One-shot digests keep a context per thread and algorithm too.
      ASSERT_EQ(HexLower(Sha256("abc")),
                "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
      ASSERT_EQ(HexLower(Sha1("abc")), "a9993e364706816aba3e25717850c26c9cd0d89d");
      ASSERT_EQ(HexLower(Md5("")), "d41d8cd98f00b204e9800998ecf8427e");
    }
  };
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) threads.emplace_back(check);
  check();
  for (auto& t : threads) t.join();
}

TEST(Hash, PreparedHmacKeyMacsAsHmacSha256) {
  HmacSha256Key jefe("Jefe");
  for (const char* data : {"what do ya want for nothing?", "", "another message", "abc"})
    EXPECT_EQ(HexLower(jefe.Mac(data)), HexLower(HmacSha256("Jefe", data))) << data;
  const std::string long_key(131, '\xaa');  // longer than a block: hashed first
  HmacSha256Key prepared(long_key);
  EXPECT_EQ(HexLower(prepared.Mac("Test Using Larger Than Block-Size Key - Hash Key First")),
            "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
}

TEST(Hash, HmacSha1Rfc2202Case2) {
  EXPECT_EQ(HexLower(HmacSha1("Jefe", "what do ya want for nothing?")),
            "effcdf6ae5eb2fa2d27416d5f184df9c259a7c79");
}

TEST(Hash, HkdfRfc5869Case1) {
  std::string ikm(22, '\x0b');
  std::string salt = *HexDecode("000102030405060708090a0b0c");
  std::string info = *HexDecode("f0f1f2f3f4f5f6f7f8f9");
  EXPECT_EQ(HexLower(HkdfSha256(ikm, salt, info, 42)),
            "3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf"
            "34007208d5b887185865");
}

TEST(Hash, HkdfRfc5869Case3NoSaltNoInfo) {
  EXPECT_EQ(HexLower(HkdfSha256(std::string(22, '\x0b'), "", "", 42)),
            "8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d"
            "9d201395faa4b61a96c8");
}

// The reference: OpenSSL's own HKDF.
std::string OpenSslHkdf(std::string_view key, std::string_view salt, std::string_view info,
                        size_t length) {
  EVP_KDF* kdf = EVP_KDF_fetch(nullptr, "HKDF", nullptr);
  EVP_KDF_CTX* ctx = EVP_KDF_CTX_new(kdf);
  auto octets = [](const char* name, std::string_view v) {
    return OSSL_PARAM_construct_octet_string(name, const_cast<char*>(v.data()), v.size());
  };
  OSSL_PARAM params[] = {
      OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, const_cast<char*>("SHA256"), 0),
      octets(OSSL_KDF_PARAM_KEY, key), octets(OSSL_KDF_PARAM_SALT, salt),
      octets(OSSL_KDF_PARAM_INFO, info), OSSL_PARAM_construct_end()};
  std::string out(length, '\0');
  EXPECT_EQ(EVP_KDF_derive(ctx, reinterpret_cast<unsigned char*>(out.data()), length, params), 1);
  EVP_KDF_CTX_free(ctx);
  EVP_KDF_free(kdf);
  return out;
}

TEST(Hash, HkdfMatchesOpenSsl) {
  std::mt19937 rng(5869);
  auto bytes = [&](size_t n) {
    std::string s(n, '\0');
    for (char& c : s) c = static_cast<char>(rng());
    return s;
  };
  for (int i = 0; i < 300; ++i) {
    const std::string key = bytes(1 + rng() % 80), salt = bytes(rng() % 3 == 0 ? 0 : rng() % 80),
                      info = bytes(rng() % 3 == 0 ? 0 : rng() % 80);
    const size_t length = 1 + rng() % 200;
    ASSERT_EQ(HexLower(HkdfSha256(key, salt, info, length)),
              HexLower(OpenSslHkdf(key, salt, info, length)))
        << "key " << key.size() << " salt " << salt.size() << " info " << info.size()
        << " length " << length;
  }
}

TEST(Hash, ConstantTimeEquals) {
  EXPECT_TRUE(ConstantTimeEquals("abc", "abc"));
  EXPECT_FALSE(ConstantTimeEquals("abc", "abd"));
  EXPECT_FALSE(ConstantTimeEquals("abc", "ab"));
}

TEST(Sha256File, MatchesInMemoryHashForLargeFiles) {
  std::string path = ::testing::TempDir() + "/coffer-sha256-file";
  std::string data(17 << 20, '\0');
  for (size_t i = 0; i < data.size(); ++i) data[i] = static_cast<char>(i * 7 + (i >> 12));
  { std::ofstream(path, std::ios::binary) << data; }
  EXPECT_EQ(*Sha256File(path), Sha256(data));
  EXPECT_EQ(Sha256File(path + ".absent").status().code(), absl::StatusCode::kNotFound);
  std::remove(path.c_str());
}

}  // namespace
}  // namespace coffer::crypto
