#include "s3/request.h"

#include "base/encoding.h"

namespace coffer::s3 {

std::optional<Query> ParseQuery(std::string_view raw) {
  Query q;
  for (const auto& [raw_name, raw_value] : SplitQuery(raw)) {
    auto name = UriDecode(raw_name, true);
    auto value = UriDecode(raw_value, true);
    if (!name || !value) return std::nullopt;
    q.emplace(*std::move(name), *std::move(value));
  }
  return q;
}

std::optional<std::string> S3Context::Param(std::string_view name) const {
  auto it = query.find(std::string(name));
  if (it == query.end()) return std::nullopt;
  return it->second;
}

http::Task<void> S3Context::ReplyXml(std::string body, int status) {
  http::ResponseHeader head;
  head.result(static_cast<unsigned>(status));
  head.set(http::bhttp::field::content_type, "application/xml");
  co_await exchange().Respond(std::move(head), std::move(body));
}

http::Task<void> S3Context::ReplyEmpty(int status, http::ResponseHeader head) {
  head.result(static_cast<unsigned>(status));
  co_await exchange().Respond(std::move(head), "");
}

http::Task<std::variant<std::string, S3Error>> S3Context::ReadSmallBody(size_t limit) {
  std::string body, piece;
  while (true) {
    auto r = co_await request.body.Next(piece);
    if (r.kind == gateway::BodyRead::Kind::kEnd) break;
    if (r.kind != gateway::BodyRead::Kind::kData)
      co_return FromBodyError(r, request.signing.access_key_id);
    body += piece;
    if (body.size() > limit) co_return S3Error::MalformedXML();
  }
  co_return body;
}

S3Error FromAuthError(const auth::Error& e, const std::string& access_key_id) {
  using K = auth::Error::Kind;
  S3Error out;
  out.message = e.message;
  switch (e.kind) {
    case K::kMalformed:
      out.status = 400;
      out.code = "AuthorizationHeaderMalformed";
      break;
    case K::kWrongRegion:
      out.status = 400;
      out.code = "AuthorizationHeaderMalformed";
      out.With("Region", e.region);
      break;
    case K::kMalformedQuery:
      out.status = 400;
      out.code = "AuthorizationQueryParametersError";
      break;
    case K::kMissingHeader:
    case K::kExpired:
    case K::kNotYetValid:
      out.status = 403;
      out.code = "AccessDenied";
      if (e.kind == K::kExpired && !e.server_time.empty()) out.With("ServerTime", e.server_time);
      break;
    case K::kUnknownAccessKey:
      out.status = 403;
      out.code = "InvalidAccessKeyId";
      out.With("AWSAccessKeyId", access_key_id);
      break;
    case K::kSignatureMismatch:
    case K::kChunkSignatureMismatch:
      out.status = 403;
      out.code = "SignatureDoesNotMatch";
      out.With("AWSAccessKeyId", access_key_id);
      if (!e.string_to_sign.empty()) out.With("StringToSign", e.string_to_sign);
      if (!e.canonical_request.empty()) out.With("CanonicalRequest", e.canonical_request);
      break;
    case K::kTimeSkewed:
      out.status = 403;
      out.code = "RequestTimeTooSkewed";
      out.With("RequestTime", e.request_time)
          .With("ServerTime", e.server_time)
          .With("MaxAllowedSkewMilliseconds", "900000");
      break;
    case K::kContentHashMismatch:
      out.status = 400;
      out.code = "XAmzContentSHA256Mismatch";
      break;
    case K::kInvalidContentHash:
      out.status = 400;
      out.code = "InvalidArgument";
      break;
    case K::kIncompleteBody:
    case K::kInvalidChunk:
      out.status = 400;
      out.code = "IncompleteBody";
      break;
    case K::kChecksumMismatch:
      out.status = 400;
      out.code = "BadDigest";
      break;
    case K::kInvalidTrailer:
      out.status = 400;
      out.code = "MalformedTrailerError";
      break;
    case K::kUnsupported:
      out.status = 400;
      out.code = "InvalidRequest";
      break;
    case K::kExpiredToken:
      out.status = 400;
      out.code = "ExpiredToken";
      out.message = "The provided token has expired.";
      break;
    case K::kInvalidToken:
      out.status = 400;
      out.code = "InvalidToken";
      out.message = "The provided token is malformed or otherwise invalid.";
      break;
  }
  return out;
}

S3Error FromBodyError(const gateway::BodyRead& r, const std::string& access_key_id) {
  if (r.kind == gateway::BodyRead::Kind::kAuthError && r.auth_error)
    return FromAuthError(*r.auth_error, access_key_id);
  if (r.transport.code() == absl::StatusCode::kDeadlineExceeded) return S3Error::RequestTimeout();
  if (r.transport.code() == absl::StatusCode::kOutOfRange)
    return S3Error::EntityTooLarge(0, 5ull << 30);
  return S3Error::IncompleteBody();
}

S3Error FromStatus(const absl::Status& s) {
  if (s.code() == absl::StatusCode::kResourceExhausted) return S3Error::InsufficientStorage();
  if (s.code() == absl::StatusCode::kUnavailable) return S3Error::ServiceUnavailable();
  return S3Error::InternalError();
}

}  // namespace coffer::s3
