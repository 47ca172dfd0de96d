// POST object: browser form uploads, signed with a POST policy (SigV4 or the legacy
// SigV2 form signature) or anonymous where the bucket's ACL allows writes.
#include <map>

#include "absl/strings/ascii.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "auth/sigv4.h"
#include "base/encoding.h"
#include "crypto/hash.h"
#include "s3/form_parser.h"
#include "s3/names.h"
#include "s3/object_input.h"
#include "s3/encryption.h"
#include "s3/ops.h"
#include "s3/post_policy.h"
#include "base/xml.h"

namespace coffer::s3 {
namespace {

using Fields = std::map<std::string, std::string>;

S3Error MissingField(const std::string& name) {
  return S3Error::InvalidArgument("Bucket POST must contain a field named '" + name +
                                  "'.  If it is specified, please check the order of the "
                                  "fields.", name, "");
}


// Verifies the form's signature over its policy and the policy itself; sets the
// request's principal. Runs when the file part starts, before any byte is stored.
std::optional<S3Error> AuthorizePost(S3Context& ctx, const BucketInfo& bucket, Fields& fields) {
  if (!fields.count("key")) return MissingField("key");
  auto field = [&fields](const char* name) -> std::string {
    auto it = fields.find(name);
    return it == fields.end() ? "" : it->second;
  };
  const std::string policy_b64 = field("policy");
  std::optional<iam::KeyGrant> grant;
  auto lookup = [&](const std::string& akid) -> std::optional<S3Error> {
    auto g = ctx.config.lookup_key(akid);
    if (g.status().code() == absl::StatusCode::kNotFound) {
      S3Error e = S3Error::Of(403, "InvalidAccessKeyId",
                               "The AWS Access Key Id you provided does not exist in our records.");
      e.With("AWSAccessKeyId", akid);
      return e;
    }
    if (!g.ok()) return FromStatus(g.status());
    grant = *std::move(g);
    return std::nullopt;
  };

  if (fields.count("x-amz-signature")) {
    if (field("x-amz-algorithm") != "AWS4-HMAC-SHA256")
      return S3Error::InvalidArgument("Invalid or missing x-amz-algorithm.", "x-amz-algorithm",
                                      field("x-amz-algorithm"));
    if (policy_b64.empty()) return MissingField("policy");
    std::vector<std::string> parts = absl::StrSplit(field("x-amz-credential"), '/');
    if (parts.size() != 5 || parts[4] != "aws4_request" || parts[3] != "s3")
      return S3Error::InvalidArgument("Invalid or missing x-amz-credential.", "x-amz-credential",
                                      field("x-amz-credential"));
    if (parts[2] != ctx.config.region) {
      S3Error e = S3Error::Of(400, "AuthorizationQueryParametersError",
                               "Error parsing the X-Amz-Credential parameter; the region '" + parts[2] +
                  "' is wrong; expecting '" + ctx.config.region + "'");
      e.With("Region", ctx.config.region);
      return e;
    }
    if (auto err = lookup(parts[0])) return err;
    auth::CredentialScope scope{parts[1], parts[2], parts[3]};
    SecretBytes key = auth::DeriveSigningKey(grant->secret, scope);
    std::string expected = HexLower(crypto::HmacSha256(key.view(), policy_b64));
    if (!crypto::ConstantTimeEquals(expected, field("x-amz-signature"))) return S3Error::SignatureDoesNotMatch();
  } else if (fields.count("signature") || fields.count("awsaccesskeyid")) {
    if (!fields.count("awsaccesskeyid")) return MissingField("AWSAccessKeyId");
    if (!fields.count("signature")) return MissingField("signature");
    if (policy_b64.empty()) return MissingField("policy");
    if (auto err = lookup(field("awsaccesskeyid"))) return err;
    std::string expected = Base64(crypto::HmacSha1(grant->secret.view(), policy_b64));
    if (!crypto::ConstantTimeEquals(expected, field("signature"))) return S3Error::SignatureDoesNotMatch();
  }

  if (!policy_b64.empty()) {
    auto policy = ParsePostPolicy(policy_b64);
    if (auto* err = std::get_if<S3Error>(&policy)) return *err;
    Fields checked = fields;
    checked["bucket"] = ctx.bucket;
    if (auto err = CheckPostPolicy(std::get<PostPolicy>(policy), checked, absl::Now())) return err;
  }
  if (grant) ctx.request.principal = grant->principal;
  return AuthorizeBucket(ctx, bucket, Access{"s3:PutObject", Permission::kWrite, true},
                         fields["key"]);
}

}  // namespace

http::Task<OpResult> PostObject(S3Context& ctx) {
  if (!IsAddressableBucketName(ctx.bucket)) co_return S3Error::InvalidBucketName(ctx.bucket);
  auto loaded = ctx.catalog.GetBucket(ctx.bucket);
  if (!loaded.ok()) co_return FromStatus(loaded.status());
  if (!loaded->has_value()) co_return S3Error::NoSuchBucket(ctx.bucket);
  const BucketInfo bucket = **loaded;
  std::string boundary = FormParser::BoundaryOf(ctx.Header("content-type"));
  if (boundary.empty()) {
    S3Error e = S3Error::PreconditionFailed("Bucket POST must be of the enclosure-type "
                                            "multipart/form-data");
    co_return e;
  }

  Fields fields;
  std::string filename, file_content_type;
  std::optional<S3Error> failure;
  std::optional<PostPolicy> policy;
  ReceivedBody body;
  std::optional<std::pair<sse::BodyKeys, sse::SseRecord>> keys;
  crypto::Digest md5(crypto::Digest::Algorithm::kMd5);
  const absl::Status stop = absl::CancelledError("stopped");

  FormParser parser(boundary, {
      [&](const std::string& name, std::string value) {
        fields[absl::AsciiStrToLower(name)] = std::move(value);
        return absl::OkStatus();
      },
      [&](const std::string&, const std::string& name, const std::string& type) {
        filename = name;
        file_content_type = type;
        failure = AuthorizePost(ctx, bucket, fields);
        if (failure) return stop;
        if (fields.count("policy")) policy = std::get<PostPolicy>(ParsePostPolicy(fields["policy"]));
        // The fields before the file say how it is encrypted.
        auth::SignableRequest encryption_fields;
        for (const auto& [field, value] : fields) encryption_fields.headers.emplace_back(field, value);
        auto made = KeysForWrite(ctx, encryption_fields, ctx.bucket,
                                 absl::StrReplaceAll(fields["key"], {{"${filename}", name}}));
        if (auto* err = std::get_if<S3Error>(&made)) {
          failure = *err;
          return stop;
        }
        keys = std::move(std::get<std::pair<sse::BodyKeys, sse::SseRecord>>(made));
        return absl::OkStatus();
      },
      [&](std::string_view data) {
        body.size += data.size();
        if (body.size > kMaxPutSize) {
          failure = S3Error::EntityTooLarge(body.size, kMaxPutSize);
          return stop;
        }
        if (EtagIsMd5(keys->second)) md5.Update(data);
        if (!body.blob) {
          auto w = ctx.catalog.NewBody(0);
          if (!w.ok()) {
            failure = FromStatus(w.status());
            return stop;
          }
          body.blob = *std::move(w);
          body.blob = std::make_unique<sse::SegmentWriter>(keys->first, 0, std::move(body.blob));
        }
        if (auto s = body.blob->Append(data); !s.ok()) {
          failure = FromStatus(s);
          return stop;
        }
        return absl::OkStatus();
      }});

  std::string piece;
  while (true) {
    auto r = co_await ctx.request.body.Next(piece);
    if (r.kind == gateway::BodyRead::Kind::kEnd) break;
    if (r.kind != gateway::BodyRead::Kind::kData) co_return FromBodyError(r, "");
    if (auto s = parser.Feed(piece); !s.ok()) {
      if (failure) co_return *failure;
      S3Error e = S3Error::Of(400, "MalformedPOSTRequest",
                               "The body of your POST request is not well-formed multipart/form-data.");
      co_return e;
    }
  }
  if (!parser.file_done())
    co_return S3Error::InvalidArgument("POST requires exactly one file upload per request.",
                                       "file", "0");
  if (policy) {
    if (auto err = CheckPostLength(*policy, body.size)) co_return *err;
  }

  // The form's fields stand where a PUT has headers.
  auth::SignableRequest form;
  for (const auto& [name, value] : fields) form.headers.emplace_back(name, value);
  if (!fields.count("content-type") && !file_content_type.empty())
    form.headers.emplace_back("content-type", file_content_type);
  ObjectInfo object;
  object.key = absl::StrReplaceAll(fields["key"], {{"${filename}", filename}});
  if (object.key.empty()) co_return MissingField("key");
  if (object.key.size() > kMaxKeyBytes) co_return S3Error::KeyTooLong();
  if (auto err = AssignOwnerAndAcl(ctx, form, bucket, object)) co_return *err;
  if (fields.count("tagging")) {
    auto tags = ParseTaggingXml(fields["tagging"]);
    if (auto* err = std::get_if<S3Error>(&tags)) co_return *err;
    if (auto err = ValidateTags(std::get<HeaderList>(tags))) co_return *err;
    form.headers.erase(std::remove_if(form.headers.begin(), form.headers.end(),
                                      [](const auto& h) { return h.first == "x-amz-tagging"; }),
                       form.headers.end());
    object.tags = std::get<HeaderList>(tags);
  }
  HeaderList tags = object.tags;
  if (auto err = CollectMetadata(form, object)) co_return *err;
  if (!tags.empty()) object.tags = tags;
  object.sse = keys->second;
  object.etag = EtagFor(object.sse, &keys->first, EtagIsMd5(object.sse) ? HexLower(md5.Final()) : "",
                        body.blob.get());
  object.size = body.size;
  object.last_modified = absl::Now();

  auto stored = co_await CommitObject(ctx, std::move(object), std::move(body.blob));
  if (!stored.ok()) co_return FromWriteStatus(stored.status(), ctx);

  const std::string scheme = ctx.exchange().secure() ? "https://" : "http://";
  const std::string location = scheme + std::string(ctx.header()[http::bhttp::field::host]) +
                               "/" + ctx.bucket + "/" + UriEncode(stored->key, false);
  http::ResponseHeader head;
  head.set(http::bhttp::field::etag, Quoted(stored->etag));
  head.set(http::bhttp::field::location, location);
  AddVersionHeader(head, bucket, stored->version_id);
  AddEncryptionHeaders(head, stored->sse, SseAnswer::kCreate);
  std::string redirect = fields["success_action_redirect"];
  if (redirect.empty()) redirect = fields["redirect"];
  if (!redirect.empty()) {
    redirect += (redirect.find('?') == std::string::npos ? "?" : "&");
    redirect += "bucket=" + UriEncode(ctx.bucket, true) + "&key=" + UriEncode(stored->key, true) +
                "&etag=" + UriEncode(Quoted(stored->etag), true);
    head.set(http::bhttp::field::location, redirect);
    co_await ctx.ReplyEmpty(303, std::move(head));
    co_return std::nullopt;
  }
  std::string status = fields["success_action_status"];
  if (status == "201") {
    XmlWriter w;
    w.Open("PostResponse").Element("Location", location).Element("Bucket", ctx.bucket);
    w.Element("Key", stored->key).Element("ETag", Quoted(stored->etag)).Close("PostResponse");
    head.result(http::bhttp::status::created);
    head.set(http::bhttp::field::content_type, "application/xml");
    co_await ctx.exchange().Respond(std::move(head), w.Finish());
    co_return std::nullopt;
  }
  co_await ctx.ReplyEmpty(status == "200" ? 200 : 204, std::move(head));
  co_return std::nullopt;
}

}  // namespace coffer::s3
