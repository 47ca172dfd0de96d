// AWS Signature Version 4: one implementation for verifying (server) and signing
// (replication client, benchmark). Protocol-neutral: errors are auth::Error values that
// the S3, KMS, IAM... front ends turn into their own wire errors.
//
// Server flow:
//   1. ParseAuth(request)         -> who claims to sign, how (header, presigned, none)
//   2. the caller looks up the secret key for parsed.access_key_id
//   3. Verify(parsed, request, secret, now, region) -> SigningContext or Error
//   4. PayloadDecoder(context) turns the raw body into the payload, verifying the
//      payload hash, aws-chunked chunk signatures and trailing checksums on the way.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "absl/time/time.h"
#include "auth/request.h"
#include "base/secret.h"
#include "crypto/checksum.h"

namespace coffer::auth {

// What went wrong, in protocol-neutral terms; `message` is safe to send to clients
// (it never contains the secret key or a computed signature's key material).
struct Error {
  enum class Kind {
    kMalformed,            // S3 AuthorizationHeaderMalformed / KMS IncompleteSignature
    kMalformedQuery,       // S3 AuthorizationQueryParametersError
    kMissingHeader,        // a required signed header or x-amz-date is absent (AccessDenied)
    kWrongRegion,          // credential scope's region is not ours (AuthorizationHeaderMalformed)
    kUnknownAccessKey,     // S3 InvalidAccessKeyId (raised by the caller's lookup)
    kSignatureMismatch,    // S3 SignatureDoesNotMatch
    kTimeSkewed,           // S3 RequestTimeTooSkewed
    kExpired,              // presigned URL past X-Amz-Expires: S3 AccessDenied "Request has expired"
    kNotYetValid,          // presigned URL dated in the future: AccessDenied
    kContentHashMismatch,  // S3 XAmzContentSHA256Mismatch
    kInvalidContentHash,   // x-amz-content-sha256 not a valid value: InvalidArgument
    kChunkSignatureMismatch,  // a chunk's signature is wrong: SignatureDoesNotMatch
    kIncompleteBody,       // body ended early or chunk framing is wrong: IncompleteBody
    kInvalidChunk,         // malformed aws-chunked framing: InvalidChunkSizeError / IncompleteBody
    kChecksumMismatch,     // a trailing x-amz-checksum-* does not match: BadDigest
    kInvalidTrailer,       // trailer missing/unknown/malformed: InvalidRequest / MalformedTrailerError
    kUnsupported,          // e.g. SigV2 or a signing algorithm we do not know: InvalidRequest
    kExpiredToken,         // temporary credentials past their expiry: ExpiredToken
    kInvalidToken,         // x-amz-security-token missing or wrong: InvalidToken
  };
  Kind kind;
  std::string message;
  // For kWrongRegion: the region the client should use. For kTimeSkewed: RequestTime
  // and ServerTime (AmzDate form). For kSignatureMismatch: the string to sign and the
  // canonical request, which S3 returns to help clients debug (no secrets in them).
  std::string region, request_time, server_time, string_to_sign, canonical_request;
};

enum class AuthMethod { kAnonymous, kHeader, kPresigned };

// The payload hash modes of x-amz-content-sha256.
enum class PayloadMode {
  kSigned,                      // hex SHA-256 of the body, verified as the body arrives
  kUnsigned,                    // UNSIGNED-PAYLOAD (also every presigned URL)
  kStreamingSigned,             // STREAMING-AWS4-HMAC-SHA256-PAYLOAD
  kStreamingSignedTrailer,      // STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER
  kStreamingUnsignedTrailer,    // STREAMING-UNSIGNED-PAYLOAD-TRAILER
};

struct CredentialScope {
  std::string date;     // YYYYMMDD
  std::string region;
  std::string service;  // "s3", "kms", "iam", "sts", "cloudtrail"
  std::string ToString() const;  // "20150830/us-east-1/iam/aws4_request"
};

// The result of step 1: nothing is trusted yet.
struct ParsedAuth {
  AuthMethod method = AuthMethod::kAnonymous;
  std::string access_key_id;
  CredentialScope scope;
  std::vector<std::string> signed_headers;  // lower-case, as listed by the client
  std::string signature;                     // hex
  std::string amz_date;                      // X-Amz-Date (header, query or Date header)
  std::string security_token;                // x-amz-security-token, if any
  int64_t expires_seconds = 0;               // presigned only
};

// Parses the Authorization header or the X-Amz-* query parameters. A request with
// neither is kAnonymous. Checks form only (algorithm, scope shape, required fields).
std::variant<ParsedAuth, Error> ParseAuth(const SignableRequest& req);

// Proof of a verified request, needed to decode a streaming body.
struct SigningContext {
  std::string access_key_id;
  CredentialScope scope;
  AuthMethod method = AuthMethod::kAnonymous;
  PayloadMode payload = PayloadMode::kUnsigned;
  std::string payload_hash;  // hex, when payload == kSigned
  std::string amz_date;
  std::string seed_signature;  // the request's signature, which chains chunk signatures
  SecretBytes signing_key;     // derived key for the scope (never the secret itself)
  bool sigv2 = false;          // verified with Signature Version 2 (S3 only)
};

// The context of a request that carries no signature (AuthMethod::kAnonymous). Its payload
// mode is kUnsigned, except that a 64-hex x-amz-content-sha256 is still checked (kSigned)
// and STREAMING-UNSIGNED-PAYLOAD-TRAILER bodies are still de-chunked.
SigningContext AnonymousContext(const SignableRequest& req);

// Step 3. `region` is the server's region; `max_skew` is 15 minutes for S3.
// `body_sha256_hex` matters only when x-amz-content-sha256 is absent and the service is not
// s3 (KMS, IAM, STS... sign the body's hash without sending it): pass the hex SHA-256 of the
// fully buffered body; nullopt means an empty body. For s3 header auth the header is required
// (kUnsupported, S3's InvalidRequest); an s3 presigned URL without it signs UNSIGNED-PAYLOAD.
std::variant<SigningContext, Error> Verify(
    const ParsedAuth& parsed, const SignableRequest& req, const SecretBytes& secret_key,
    absl::Time now, std::string_view region, absl::Duration max_skew = absl::Minutes(15),
    std::optional<std::string> body_sha256_hex = std::nullopt);

// The SigV4 building blocks, exposed for tests and for the signing client.
// The canonical URI depends on the service: s3 keeps the path's segments as sent (each one
// decoded and re-encoded, so equivalent encodings match); every other service removes dot
// segments and empty segments, then encodes the path once more, as AWS does.
std::string CanonicalRequest(const SignableRequest& req,
                             const std::vector<std::string>& signed_headers,
                             std::string_view payload_hash, bool presigned,
                             std::string_view service = "s3");
std::string StringToSign(std::string_view amz_date, const CredentialScope& scope,
                         std::string_view canonical_request);
// Reuses the calling thread's last derivation when secret and scope are the same.
SecretBytes DeriveSigningKey(const SecretBytes& secret_key, const CredentialScope& scope);
std::string SignatureHex(const SecretBytes& signing_key, std::string_view string_to_sign);

// --- Signing (client side) ---

struct Credentials {
  std::string access_key_id;
  SecretBytes secret_key;
  std::string session_token;  // empty unless temporary credentials
};

// Adds x-amz-date, x-amz-content-sha256 (payload_hash, e.g. hex SHA-256 or
// "UNSIGNED-PAYLOAD"), x-amz-security-token when present, and Authorization, replacing any
// earlier ones. `host` must already be among req.headers. Signs every header present except
// those botocore leaves unsigned (user-agent, expect, transfer-encoding, x-amzn-trace-id).
// As botocore, x-amz-content-sha256 is sent for s3 only; for other services payload_hash
// must be the hex SHA-256 of the body and is only signed. An empty scope.date is filled
// from `now`.
void SignRequest(SignableRequest& req, const Credentials& creds, const CredentialScope& scope,
                 absl::Time now, std::string_view payload_hash);

// Returns the request's query string with the X-Amz-* presigning parameters added
// (X-Amz-Signature last). s3 URLs sign UNSIGNED-PAYLOAD; other services an empty body.
std::string PresignQuery(const SignableRequest& req, const Credentials& creds,
                         const CredentialScope& scope, absl::Time now, absl::Duration expires);

// Chunk signatures of STREAMING-AWS4-HMAC-SHA256-PAYLOAD, shared by the decoder and
// the client-side encoder.
std::string ChunkSignature(const SigningContext& ctx, std::string_view previous_signature,
                           std::string_view chunk_data);
// The x-amz-trailer-signature of STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER: signs the
// trailers (lower-case name, value; x-amz-trailer-signature itself excluded) as canonical
// header lines "name:value\n" sorted by name, chained to the final chunk's signature.
std::string TrailerSignature(const SigningContext& ctx, std::string_view previous_signature,
                             const std::vector<std::pair<std::string, std::string>>& trailers);

// --- Body decoding (server side) ---

// Push decoder for the request body. Feed() raw body bytes as they arrive; decoded
// payload bytes are appended to `out`. Finish() when the transport reports the end of
// the body; it checks the payload hash, the final chunk and the trailing checksums.
// Signed aws-chunked data is emitted only once its chunk signature verified; a kSigned body
// (whole-body SHA-256) and trailing checksums can only be judged at Finish(), so nothing
// may be committed before Finish() succeeds. After an error the decoder must not be used
// again (further calls answer kIncompleteBody).
class PayloadDecoder {
 public:
  // `declared_length` is x-amz-decoded-content-length for streaming modes (required
  // there), Content-Length otherwise; -1 when unknown (then the length is not checked).
  // Declared trailers must be x-amz-checksum-* names (kInvalidTrailer otherwise); they
  // only matter in the two *-TRAILER modes.
  // `trailer_names` are the lower-case names from x-amz-trailer.
  PayloadDecoder(const SigningContext& ctx, int64_t declared_length,
                 std::vector<std::string> trailer_names);
  ~PayloadDecoder();
  PayloadDecoder(PayloadDecoder&&) noexcept;

  std::optional<Error> Feed(std::string_view raw, std::string& out);
  std::optional<Error> Finish();

  // Trailing headers received (lower-case name -> value), after Finish().
  const std::vector<std::pair<std::string, std::string>>& trailers() const;
  // Decoded payload bytes so far.
  int64_t payload_bytes() const;

 private:
  struct State;
  std::unique_ptr<State> s_;
};

}  // namespace coffer::auth
