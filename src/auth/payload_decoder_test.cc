// PayloadDecoder: single-chunk bodies, aws-chunked with chunk signatures (AWS's published
// chunked-upload and trailing-header examples), unsigned aws-chunked with trailers.
#include <cstdio>
#include <random>
#include <variant>

#include "auth/sigv4.h"
#include "auth/test_util.h"
#include "base/encoding.h"
#include "crypto/checksum.h"
#include "crypto/hash.h"
#include "gtest/gtest.h"

namespace coffer::auth {
namespace {

using namespace test_util;  // NOLINT
using K = Error::Kind;

// "Signature Calculations for the Authorization Header: Transferring Payload in Multiple
// Chunks": a 66560-byte object of 'a' in a 64 KiB chunk, a 1 KiB chunk and the final chunk.
constexpr char kSeed[] = "4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9";
constexpr char kChunk1Sig[] = "ad80c730a21e5b8d04586a2213dd63b9a0e99e0e2307b0ade35a65485a288648";
constexpr char kChunk2Sig[] = "0055627c9e194cb4542bae2aa5492e3c1575bbb81b612b7d234b86a503ef5497";
constexpr char kFinalSig[] = "b6c6ea8a5354eaf15b3cb7646744f4275b71ea724fed81ceb9323e279d449df9";

// "Signature calculations for trailing headers": the same object with a CRC32C trailer.
constexpr char kTrailerSeed[] = "106e2a8a18243abcf37539882f36619c00e2dfc72633413f02d3b74544bfeb8e";
constexpr char kTrailerChunk1Sig[] =
    "b474d8862b1487a5145d686f57f013e54db672cee1c953b3010fb58501ef5aa2";
constexpr char kTrailerChunk2Sig[] =
    "1c1344b170168f8e65b41376b44b20fe354e373826ccbbe2c1d40a8cae51e5c7";
constexpr char kTrailerFinalSig[] =
    "2ca2aba2005185cf7159c6277faf83795951dd77a3a99e6e65d5c9f85863f992";
constexpr char kTrailerSig[] = "d81f82fc3505edab99d459891051a732e8730629a2e4a59689829ca17fe2e435";

const std::string kObject(66560, 'a');

std::string SignedBody(const char* sig1, const char* sig2, const char* final_sig) {
  return std::string("10000;chunk-signature=") + sig1 + "\r\n" + std::string(65536, 'a') +
         "\r\n400;chunk-signature=" + sig2 + "\r\n" + std::string(1024, 'a') +
         "\r\n0;chunk-signature=" + final_sig + "\r\n";
}

SignableRequest ChunkedRequest(std::string_view content_sha256, bool trailer) {
  SignableRequest req = Request("PUT", "/examplebucket/chunkObject.txt", "",
                                {{"Host", "s3.amazonaws.com"},
                                 {"x-amz-date", "20130524T000000Z"},
                                 {"x-amz-storage-class", "REDUCED_REDUNDANCY"},
                                 {"x-amz-content-sha256", std::string(content_sha256)},
                                 {"Content-Encoding", "aws-chunked"},
                                 {"x-amz-decoded-content-length", "66560"}});
  if (trailer) {
    req.headers.emplace_back("x-amz-trailer", "x-amz-checksum-crc32c");
  } else {
    req.headers.emplace_back("Content-Length", "66824");
  }
  return req;
}

// The documented request verifies to the documented seed signature.
SigningContext ChunkedContext() {
  SignableRequest req = ChunkedRequest("STREAMING-AWS4-HMAC-SHA256-PAYLOAD", false);
  req.headers.emplace_back(
      "Authorization",
      std::string("AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/"
                  "aws4_request,SignedHeaders=content-encoding;content-length;host;"
                  "x-amz-content-sha256;x-amz-date;x-amz-decoded-content-length;"
                  "x-amz-storage-class,Signature=") +
          kSeed);
  auto r = ParseAndVerify(req, kS3Secret, At("20130524T000000Z"));
  if (auto* e = std::get_if<Error>(&r)) {
    ADD_FAILURE() << e->message << "\n" << e->canonical_request;
    return {};
  }
  return std::move(std::get<SigningContext>(r));
}

SigningContext TrailerContext() {
  SignableRequest req = ChunkedRequest("STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER", true);
  req.headers.emplace_back(
      "Authorization",
      std::string("AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/"
                  "aws4_request,SignedHeaders=content-encoding;host;x-amz-content-sha256;"
                  "x-amz-date;x-amz-decoded-content-length;x-amz-storage-class;x-amz-trailer,"
                  "Signature=") +
          kTrailerSeed);
  auto r = ParseAndVerify(req, kS3Secret, At("20130524T000000Z"));
  if (auto* e = std::get_if<Error>(&r)) {
    ADD_FAILURE() << e->message << "\n" << e->canonical_request;
    return {};
  }
  return std::move(std::get<SigningContext>(r));
}

// Feeds `body` in pieces of `step` bytes (0: all at once), then finishes.
struct Decoded {
  std::string payload;
  std::optional<Error> error;
  size_t error_at = 0;  // bytes fed when the error came (body size + 1 if at Finish)
};

Decoded Decode(PayloadDecoder& d, std::string_view body, size_t step = 0) {
  Decoded out;
  size_t fed = 0;
  while (fed < body.size()) {
    size_t n = step == 0 ? body.size() : std::min(step, body.size() - fed);
    out.error = d.Feed(body.substr(fed, n), out.payload);
    fed += n;
    if (out.error) {
      out.error_at = fed;
      return out;
    }
  }
  out.error = d.Finish();
  out.error_at = body.size() + 1;
  return out;
}

Decoded Decode(const SigningContext& ctx, int64_t length, std::vector<std::string> trailers,
               std::string_view body, size_t step = 0) {
  PayloadDecoder d(ctx, length, std::move(trailers));
  return Decode(d, body, step);
}

void ExpectOk(const Decoded& d, std::string_view payload) {
  EXPECT_FALSE(d.error.has_value()) << (d.error ? d.error->message : "");
  EXPECT_EQ(d.payload.size(), payload.size());
  EXPECT_TRUE(d.payload == payload);
}

K KindOf(const Decoded& d) {
  if (!d.error) {
    ADD_FAILURE() << "expected an error";
    return K::kUnsupported;
  }
  return d.error->kind;
}

// --- Chunk signatures --------------------------------------------------------------------------

TEST(ChunkSignature, DocumentedChain) {
  SigningContext ctx = ChunkedContext();
  EXPECT_EQ(ctx.payload, PayloadMode::kStreamingSigned);
  EXPECT_EQ(ctx.seed_signature, kSeed);
  std::string s1 = ChunkSignature(ctx, kSeed, std::string(65536, 'a'));
  EXPECT_EQ(s1, kChunk1Sig);
  std::string s2 = ChunkSignature(ctx, s1, std::string(1024, 'a'));
  EXPECT_EQ(s2, kChunk2Sig);
  EXPECT_EQ(ChunkSignature(ctx, s2, ""), kFinalSig);
}

TEST(ChunkSignature, DocumentedSeedCanonicalRequest) {
  SignableRequest req = ChunkedRequest("STREAMING-AWS4-HMAC-SHA256-PAYLOAD", false);
  std::string canonical =
      CanonicalRequest(req,
                       {"content-encoding", "content-length", "host", "x-amz-content-sha256",
                        "x-amz-date", "x-amz-decoded-content-length", "x-amz-storage-class"},
                       "STREAMING-AWS4-HMAC-SHA256-PAYLOAD", false);
  EXPECT_EQ(HexLower(crypto::Sha256(canonical)),
            "cee3fed04b70f867d036f722359b0b1f2f0e5dc0efadbc082b76c4c60e316455");
}

// --- STREAMING-AWS4-HMAC-SHA256-PAYLOAD --------------------------------------------------------

TEST(StreamingSigned, DocumentedBody) {
  SigningContext ctx = ChunkedContext();
  const std::string body = SignedBody(kChunk1Sig, kChunk2Sig, kFinalSig) + "\r\n";
  EXPECT_EQ(body.size(), 66824u);  // the documented Content-Length
  PayloadDecoder d(ctx, 66560, {});
  ExpectOk(Decode(d, body), kObject);
  EXPECT_EQ(d.payload_bytes(), 66560);
  // The final CRLF may be missing.
  ExpectOk(Decode(ctx, 66560, {}, SignedBody(kChunk1Sig, kChunk2Sig, kFinalSig)), kObject);
}

TEST(StreamingSigned, AnySplit) {
  SigningContext ctx = ChunkedContext();
  const std::string body = SignedBody(kChunk1Sig, kChunk2Sig, kFinalSig) + "\r\n";
  ExpectOk(Decode(ctx, 66560, {}, body, 1), kObject);  // byte by byte
  std::mt19937 rng(42);
  for (int round = 0; round < 20; ++round) {
    PayloadDecoder d(ctx, 66560, {});
    std::string out;
    size_t fed = 0;
    while (fed < body.size()) {
      size_t n = std::min<size_t>(rng() % 300 + 1, body.size() - fed);
      ASSERT_FALSE(d.Feed(std::string_view(body).substr(fed, n), out).has_value());
      fed += n;
    }
    ASSERT_FALSE(d.Finish().has_value());
    EXPECT_TRUE(out == kObject);
  }
}

TEST(StreamingSigned, DataIsEmittedOnlyAfterItsSignatureVerifies) {
  SigningContext ctx = ChunkedContext();
  const std::string body = SignedBody(kChunk1Sig, kChunk2Sig, kFinalSig);
  const size_t first_chunk_end = body.find("\r\n400;");
  PayloadDecoder d(ctx, 66560, {});
  std::string out;
  ASSERT_FALSE(d.Feed(std::string_view(body).substr(0, first_chunk_end - 1), out));
  EXPECT_TRUE(out.empty());
  ASSERT_FALSE(d.Feed(std::string_view(body).substr(first_chunk_end - 1, 1), out));
  EXPECT_EQ(out.size(), 65536u);
}

TEST(StreamingSigned, FlippedDataByte) {
  SigningContext ctx = ChunkedContext();
  std::string body = SignedBody(kChunk1Sig, kChunk2Sig, kFinalSig);
  body[body.find("\r\n") + 2 + 1000] = 'b';
  Decoded d = Decode(ctx, 66560, {}, body, 1);
  ASSERT_EQ(KindOf(d), K::kChunkSignatureMismatch);
  EXPECT_TRUE(d.payload.empty());  // nothing of the bad chunk got out
  EXPECT_EQ(d.error->message,
            "The request signature we calculated does not match the signature you provided. "
            "Check your key and signing method.");
}

TEST(StreamingSigned, FlippedSignatures) {
  SigningContext ctx = ChunkedContext();
  std::string bad2(kChunk2Sig);
  bad2[0] = bad2[0] == '0' ? '1' : '0';
  Decoded d = Decode(ctx, 66560, {}, SignedBody(kChunk1Sig, bad2.c_str(), kFinalSig));
  ASSERT_EQ(KindOf(d), K::kChunkSignatureMismatch);
  EXPECT_EQ(d.payload.size(), 65536u);  // the first chunk had verified
  std::string bad_final(kFinalSig);
  bad_final[63] = bad_final[63] == '9' ? '8' : '9';
  EXPECT_EQ(KindOf(Decode(ctx, 66560, {}, SignedBody(kChunk1Sig, kChunk2Sig, bad_final.c_str()))),
            K::kChunkSignatureMismatch);
  // Chunks swapped around: the chain breaks.
  EXPECT_EQ(KindOf(Decode(ctx, 66560, {}, SignedBody(kChunk2Sig, kChunk1Sig, kFinalSig))),
            K::kChunkSignatureMismatch);
  // Another request's key.
  SigningContext other = ChunkedContext();
  other.signing_key = DeriveSigningKey(SecretBytes("other"), other.scope);
  EXPECT_EQ(KindOf(Decode(other, 66560, {}, SignedBody(kChunk1Sig, kChunk2Sig, kFinalSig))),
            K::kChunkSignatureMismatch);
}

TEST(StreamingSigned, Framing) {
  SigningContext ctx = ChunkedContext();
  const std::string body = SignedBody(kChunk1Sig, kChunk2Sig, kFinalSig);
  // Truncated anywhere before the final chunk.
  for (size_t cut : {size_t{0}, size_t{5}, size_t{100}, size_t{65536 + 80}, body.size() - 90}) {
    EXPECT_EQ(KindOf(Decode(ctx, 66560, {}, body.substr(0, cut))), K::kIncompleteBody) << cut;
  }
  // Declared length differs from the chunks.
  EXPECT_EQ(KindOf(Decode(ctx, 66561, {}, body)), K::kIncompleteBody);
  EXPECT_EQ(KindOf(Decode(ctx, 66000, {}, body)), K::kIncompleteBody);
  // Bad size, missing signature, missing CRLF after the data, data after the end.
  EXPECT_EQ(KindOf(Decode(ctx, 66560, {}, "zz;chunk-signature=" + std::string(64, '0') + "\r\n")),
            K::kInvalidChunk);
  EXPECT_EQ(KindOf(Decode(ctx, -1, {}, "1000001;chunk-signature=" + std::string(64, '0') + "\r\n")),
            K::kInvalidChunk);
  EXPECT_EQ(KindOf(Decode(ctx, 66560, {}, "10000\r\n")), K::kInvalidChunk);
  std::string no_crlf = body;
  no_crlf.replace(body.find("\r\n400;"), 2, "xx");
  EXPECT_EQ(KindOf(Decode(ctx, 66560, {}, no_crlf)), K::kInvalidChunk);
  EXPECT_EQ(KindOf(Decode(ctx, 66560, {}, body + "\r\nmore")), K::kInvalidChunk);
  EXPECT_EQ(KindOf(Decode(ctx, 66560, {}, body + std::string(5000, 'x'))), K::kInvalidChunk);
  EXPECT_EQ(KindOf(Decode(ctx, 66560, {}, std::string(5000, '1'))), K::kInvalidChunk);
}

TEST(StreamingSigned, UseAfterErrorOrFinish) {
  SigningContext ctx = ChunkedContext();
  PayloadDecoder d(ctx, 66560, {});
  std::string out;
  ASSERT_TRUE(d.Feed("zz\r\n", out).has_value());
  auto again = d.Feed("10000;", out);
  ASSERT_TRUE(again.has_value());
  EXPECT_EQ(again->kind, K::kIncompleteBody);
  ASSERT_TRUE(d.Finish().has_value());

  PayloadDecoder early(ctx, 66560, {});
  EXPECT_EQ(early.Finish()->kind, K::kIncompleteBody);  // before the final chunk
  EXPECT_EQ(early.Finish()->kind, K::kIncompleteBody);
  EXPECT_EQ(early.Feed("0", out)->kind, K::kIncompleteBody);
}

TEST(StreamingSigned, RoundTripWithOwnChunks) {
  // A body encoded with ChunkSignature (as the replication client does) decodes.
  SignableRequest req = Request("PUT", "/b/k", "", {{"Host", "h"}});
  const absl::Time now = At("20240102T030405Z");
  SignRequest(req, Creds("AKID", "secret"), {"", "us-east-1", "s3"}, now,
              "STREAMING-AWS4-HMAC-SHA256-PAYLOAD");
  auto r = ParseAndVerify(req, "secret", now);
  ASSERT_TRUE(std::holds_alternative<SigningContext>(r));
  const SigningContext& ctx = std::get<SigningContext>(r);
  std::string payload;
  for (int i = 0; i < 3000; ++i) payload += static_cast<char>(i * 7);
  std::string body, prev = ctx.seed_signature;
  for (size_t at = 0;; at += 1000) {
    std::string piece = payload.substr(std::min(at, payload.size()), 1000);
    prev = ChunkSignature(ctx, prev, piece);
    char size[16];
    snprintf(size, sizeof size, "%zx", piece.size());
    body += std::string(size) + ";chunk-signature=" + prev + "\r\n" + piece + "\r\n";
    if (piece.empty()) break;
  }
  ExpectOk(Decode(ctx, 3000, {}, body, 7), payload);
}

// --- STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER ------------------------------------------------

std::string TrailerBody(const char* trailer_value, const char* trailer_sig, bool blank_line) {
  return SignedBody(kTrailerChunk1Sig, kTrailerChunk2Sig, kTrailerFinalSig) +
         (blank_line ? "\r\n" : "") + "x-amz-checksum-crc32c:" + trailer_value +
         "\r\nx-amz-trailer-signature:" + trailer_sig + "\r\n\r\n";
}

TEST(StreamingSignedTrailer, DocumentedBody) {
  SigningContext ctx = TrailerContext();
  EXPECT_EQ(ctx.payload, PayloadMode::kStreamingSignedTrailer);
  EXPECT_EQ(TrailerSignature(ctx, kTrailerFinalSig, {{"x-amz-checksum-crc32c", "sOO8/Q=="}}),
            kTrailerSig);
  for (bool blank : {false, true}) {  // AWS's page shows an empty line before the trailers
    for (size_t step : {size_t{0}, size_t{1}, size_t{333}}) {
      SCOPED_TRACE(testing::Message() << "blank " << blank << " step " << step);
      PayloadDecoder d(ctx, 66560, {"x-amz-checksum-crc32c"});
      ExpectOk(Decode(d, TrailerBody("sOO8/Q==", kTrailerSig, blank), step), kObject);
      ASSERT_EQ(d.trailers().size(), 1u);
      EXPECT_EQ(d.trailers()[0].first, "x-amz-checksum-crc32c");
      EXPECT_EQ(d.trailers()[0].second, "sOO8/Q==");
    }
  }
}

TEST(StreamingSignedTrailer, Failures) {
  SigningContext ctx = TrailerContext();
  const std::vector<std::string> names{"x-amz-checksum-crc32c"};
  // A changed trailer value breaks the trailer signature.
  EXPECT_EQ(KindOf(Decode(ctx, 66560, names, TrailerBody("AAAAAA==", kTrailerSig, false))),
            K::kChunkSignatureMismatch);
  // A correctly signed but wrong checksum.
  std::string wrong_sig =
      TrailerSignature(ctx, kTrailerFinalSig, {{"x-amz-checksum-crc32c", "AAAAAA=="}});
  Decoded wrong = Decode(ctx, 66560, names, TrailerBody("AAAAAA==", wrong_sig.c_str(), false));
  ASSERT_EQ(KindOf(wrong), K::kChecksumMismatch);
  EXPECT_EQ(wrong.error->message,
            "The CRC32C you specified did not match the calculated checksum.");
  // No trailer signature.
  std::string unsigned_trailer =
      SignedBody(kTrailerChunk1Sig, kTrailerChunk2Sig, kTrailerFinalSig) +
      "x-amz-checksum-crc32c:sOO8/Q==\r\n\r\n";
  EXPECT_EQ(KindOf(Decode(ctx, 66560, names, unsigned_trailer)), K::kInvalidTrailer);
  // The declared trailer never comes.
  std::string none = SignedBody(kTrailerChunk1Sig, kTrailerChunk2Sig, kTrailerFinalSig) + "\r\n";
  EXPECT_EQ(KindOf(Decode(ctx, 66560, names, none)), K::kInvalidTrailer);
}

// --- STREAMING-UNSIGNED-PAYLOAD-TRAILER --------------------------------------------------------

SigningContext UnsignedTrailerContext() {
  SigningContext ctx;
  ctx.method = AuthMethod::kHeader;
  ctx.payload = PayloadMode::kStreamingUnsignedTrailer;
  ctx.payload_hash = "STREAMING-UNSIGNED-PAYLOAD-TRAILER";
  return ctx;
}

// The CRC-32 check value: CRC32("123456789") = 0xCBF43926.
constexpr char kCheckCrc32[] = "y/Q5Jg==";

std::string UnsignedBody(std::string_view trailer_line, std::string_view end = "\r\n") {
  return "4\r\n1234\r\n5\r\n56789\r\n0\r\n" + std::string(trailer_line) + "\r\n" + std::string(end);
}

TEST(StreamingUnsignedTrailer, Crc32Trailer) {
  SigningContext ctx = UnsignedTrailerContext();
  const std::vector<std::string> names{"x-amz-checksum-crc32"};
  const std::string good = UnsignedBody(std::string("x-amz-checksum-crc32:") + kCheckCrc32);
  for (size_t step : {size_t{0}, size_t{1}, size_t{2}, size_t{5}}) {
    PayloadDecoder d(ctx, 9, names);
    ExpectOk(Decode(d, good, step), "123456789");
    ASSERT_EQ(d.trailers().size(), 1u);
    EXPECT_EQ(d.trailers()[0].second, kCheckCrc32);
  }
  // Lenient about the end: no final CRLF, or not even the trailer line's CRLF.
  ExpectOk(
      Decode(ctx, 9, names, UnsignedBody(std::string("x-amz-checksum-crc32:") + kCheckCrc32, "")),
      "123456789");
  ExpectOk(
      Decode(ctx, 9, names,
             std::string("4\r\n1234\r\n5\r\n56789\r\n0\r\nx-amz-checksum-crc32:") + kCheckCrc32),
      "123456789");
  // Unsigned chunks are emitted as they arrive.
  PayloadDecoder streaming(ctx, 9, names);
  std::string out;
  ASSERT_FALSE(streaming.Feed("4\r\n12", out));
  EXPECT_EQ(out, "12");
}

TEST(StreamingUnsignedTrailer, WrongCrc32) {
  Decoded d = Decode(UnsignedTrailerContext(), 9, {"x-amz-checksum-crc32"},
                     UnsignedBody("x-amz-checksum-crc32:AAAAAA=="), 1);
  ASSERT_EQ(KindOf(d), K::kChecksumMismatch);
  EXPECT_EQ(d.error->message, "The CRC32 you specified did not match the calculated checksum.");
}

TEST(StreamingUnsignedTrailer, OtherChecksums) {
  SigningContext ctx = UnsignedTrailerContext();
  for (auto algorithm : {crypto::ChecksumAlgorithm::kCrc32c, crypto::ChecksumAlgorithm::kCrc64Nvme,
                         crypto::ChecksumAlgorithm::kSha1, crypto::ChecksumAlgorithm::kSha256}) {
    crypto::Checksum c(algorithm);
    c.Update("123456789");
    std::string header = crypto::ChecksumHeader(algorithm);
    ExpectOk(Decode(ctx, 9, {header}, UnsignedBody(header + ":" + Base64(c.Final()))), "123456789");
  }
}

TEST(StreamingUnsignedTrailer, TrailerErrors) {
  SigningContext ctx = UnsignedTrailerContext();
  const std::string crc = std::string("x-amz-checksum-crc32:") + kCheckCrc32;
  // Declared but missing.
  EXPECT_EQ(
      KindOf(Decode(ctx, 9, {"x-amz-checksum-crc32"}, "4\r\n1234\r\n5\r\n56789\r\n0\r\n\r\n")),
      K::kInvalidTrailer);
  // Sent but not declared.
  EXPECT_EQ(KindOf(Decode(ctx, 9, {}, UnsignedBody(crc))), K::kInvalidTrailer);
  // Unknown names in x-amz-trailer.
  EXPECT_EQ(KindOf(Decode(ctx, 9, {"x-amz-checksum-md5"}, UnsignedBody("x-amz-checksum-md5:x"))),
            K::kInvalidTrailer);
  EXPECT_EQ(KindOf(Decode(ctx, 9, {"x-amz-meta-a"}, UnsignedBody("x-amz-meta-a:b"))),
            K::kInvalidTrailer);
  // A malformed line, a repeated trailer, a signature on an unsigned payload.
  EXPECT_EQ(KindOf(Decode(ctx, 9, {"x-amz-checksum-crc32"}, UnsignedBody("no colon"))),
            K::kInvalidTrailer);
  EXPECT_EQ(KindOf(Decode(ctx, 9, {"x-amz-checksum-crc32"}, UnsignedBody(crc + "\r\n" + crc))),
            K::kInvalidTrailer);
  EXPECT_EQ(
      KindOf(Decode(ctx, 9, {"x-amz-checksum-crc32"},
                    UnsignedBody(crc + "\r\nx-amz-trailer-signature:" + std::string(64, '0')))),
      K::kInvalidTrailer);
  // No trailers at all is fine when none was declared.
  ExpectOk(Decode(ctx, 9, {}, "4\r\n1234\r\n5\r\n56789\r\n0\r\n\r\n"), "123456789");
  // Length.
  EXPECT_EQ(KindOf(Decode(ctx, 10, {"x-amz-checksum-crc32"}, UnsignedBody(crc))),
            K::kIncompleteBody);
}

// --- Single chunk ------------------------------------------------------------------------------

TEST(SingleChunk, SignedPayload) {
  // The PUT Object example's body and x-amz-content-sha256.
  SigningContext ctx;
  ctx.method = AuthMethod::kHeader;
  ctx.payload = PayloadMode::kSigned;
  ctx.payload_hash = "44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072";
  const std::string body = "Welcome to Amazon S3.";
  ExpectOk(Decode(ctx, 21, {}, body, 1), body);
  ExpectOk(Decode(ctx, -1, {}, body), body);
  Decoded wrong = Decode(ctx, 21, {}, "Welcome to Amazon S4.");
  ASSERT_EQ(KindOf(wrong), K::kContentHashMismatch);
  EXPECT_EQ(wrong.error->message,
            "The provided 'x-amz-content-sha256' header does not match what was computed.");
  EXPECT_EQ(KindOf(Decode(ctx, 22, {}, body)), K::kIncompleteBody);
  EXPECT_EQ(KindOf(Decode(ctx, 20, {}, body)), K::kIncompleteBody);
}

TEST(SingleChunk, UnsignedPayload) {
  SigningContext ctx = AnonymousContext(Request("PUT", "/b/k", "", {}));
  ExpectOk(Decode(ctx, 5, {}, "hello", 2), "hello");
  ExpectOk(Decode(ctx, -1, {}, ""), "");
  EXPECT_EQ(KindOf(Decode(ctx, 4, {}, "hello")), K::kIncompleteBody);
  EXPECT_EQ(KindOf(Decode(ctx, 6, {}, "hello")), K::kIncompleteBody);
}

}  // namespace
}  // namespace coffer::auth
