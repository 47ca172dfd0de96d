#include "s3/encryption.h"

#include "absl/strings/ascii.h"
#include "base/encoding.h"
#include "base/xml.h"
#include "crypto/hash.h"
#include "kms/errors.h"
#include "sse/checksum_seal.h"

namespace coffer::s3 {
namespace {

constexpr char kSse[] = "x-amz-server-side-encryption";
constexpr char kKeyId[] = "x-amz-server-side-encryption-aws-kms-key-id";
constexpr char kContext[] = "x-amz-server-side-encryption-context";
constexpr char kBucketKey[] = "x-amz-server-side-encryption-bucket-key-enabled";

S3Error Invalid(std::string message, std::string name = "", std::string value = "") {
  return S3Error::InvalidArgument(std::move(message), std::move(name), std::move(value));
}

std::optional<sse::Algorithm> ParseAlgorithm(std::string_view v) {
  if (v == "AES256") return sse::Algorithm::kAes256;
  if (v == "aws:kms") return sse::Algorithm::kKms;
  if (v == "aws:kms:dsse") return sse::Algorithm::kDsse;
  return std::nullopt;
}

bool IsKms(sse::Algorithm a) { return a == sse::Algorithm::kKms || a == sse::Algorithm::kDsse; }

kms::Caller CallerOf(const S3Context& ctx) {
  kms::Caller c;
  if (ctx.request.principal) c.principal = *ctx.request.principal;
  c.now = ctx.request.received;
  c.source_ip = ctx.request.exchange.remote_ip();
  c.secure = ctx.request.exchange.secure();
  return c;
}

sse::ObjectName NameOf(const S3Context& ctx, const std::string& bucket, const std::string& key) {
  return sse::ObjectName{ctx.config.region, bucket, key};
}

}  // namespace

// --- Bucket default encryption ---

std::variant<BucketEncryption, S3Error> ParseBucketEncryption(std::string_view xml) {
  auto doc = ParseXml(xml);
  if (!doc || doc->name != "ServerSideEncryptionConfiguration") return S3Error::MalformedXML();
  auto rules = doc->Children("Rule");
  if (rules.size() != 1) return S3Error::MalformedXML();
  const XmlNode* rule = rules.front();
  BucketEncryption e;
  const XmlNode* by_default = rule->Child("ApplyServerSideEncryptionByDefault");
  if (by_default) {
    auto algorithm = ParseAlgorithm(by_default->ChildText("SSEAlgorithm").value_or(""));
    if (!algorithm) return S3Error::MalformedXML();
    e.algorithm = *algorithm;
    if (auto id = by_default->ChildText("KMSMasterKeyID")) {
      if (!IsKms(e.algorithm))
        return Invalid("a KMSMasterKeyID is not applicable if the default sse algorithm is not "
                       "aws:kms or aws:kms:dsse");
      e.kms_key_id = *id;
    }
  }
  if (auto bk = rule->ChildText("BucketKeyEnabled")) {
    if (*bk != "true" && *bk != "false") return S3Error::MalformedXML();
    e.bucket_key = *bk == "true";
  }
  if (const XmlNode* blocked = rule->Child("BlockedEncryptionTypes")) {
    for (const XmlNode* t : blocked->Children("EncryptionType")) {
      if (t->text == "SSE-C") e.block_customer_keys = true;
      else if (t->text != "NONE") return S3Error::MalformedXML();
    }
  }
  if (!by_default && !rule->Child("BlockedEncryptionTypes")) return S3Error::MalformedXML();
  return e;
}

std::string BucketEncryptionXml(const BucketEncryption& e) {
  XmlWriter w;
  w.Open("ServerSideEncryptionConfiguration", true).Open("Rule");
  w.Open("ApplyServerSideEncryptionByDefault").Element("SSEAlgorithm", sse::HeaderValue(e.algorithm));
  if (!e.kms_key_id.empty()) w.Element("KMSMasterKeyID", e.kms_key_id);
  w.Close("ApplyServerSideEncryptionByDefault");
  w.Element("BucketKeyEnabled", e.bucket_key ? "true" : "false");
  if (e.block_customer_keys)
    w.Open("BlockedEncryptionTypes").Element("EncryptionType", "SSE-C").Close("BlockedEncryptionTypes");
  w.Close("Rule").Close("ServerSideEncryptionConfiguration");
  return w.Finish();
}

std::variant<BucketEncryption, S3Error> LoadBucketEncryption(const S3Context& ctx,
                                                             const std::string& bucket) {
  auto stored = ctx.catalog.GetBucketConfig(bucket, "encryption");
  if (!stored.ok()) return FromStatus(stored.status());
  if (!*stored) return BucketEncryption{};
  return ParseBucketEncryption(**stored);
}

// --- Requests ---

std::variant<std::unique_ptr<sse::CustomerKey>, S3Error> CustomerKeyOf(
    const S3Context& ctx, const auth::SignableRequest& fields, std::string_view prefix) {
  const std::string algorithm_name = std::string(prefix) + "algorithm";
  const std::string key_name = std::string(prefix) + "key";
  const std::string md5_name = std::string(prefix) + "key-md5";
  const bool has_algorithm = fields.HasHeader(algorithm_name);
  if (!has_algorithm && !fields.HasHeader(key_name) && !fields.HasHeader(md5_name))
    return std::unique_ptr<sse::CustomerKey>();
  if (!ctx.request.exchange.secure() && !ctx.config.allow_insecure_sse)
    return S3Error::InvalidRequest(
        "Requests specifying Server Side Encryption with Customer provided keys must be made "
        "over a secure connection.");
  if (!has_algorithm)
    return Invalid("Requests specifying Server Side Encryption with Customer provided keys must "
                   "provide a valid encryption algorithm.",
                   algorithm_name, "null");
  std::string algorithm = fields.Header(algorithm_name);
  if (algorithm != "AES256")
    return Invalid("The encryption algorithm specified is not valid.", algorithm_name, algorithm);
  if (!fields.HasHeader(key_name))
    return Invalid("Requests specifying Server Side Encryption with Customer provided keys must "
                   "provide an appropriate secret key.",
                   key_name, "null");
  if (!fields.HasHeader(md5_name))
    return Invalid("Requests specifying Server Side Encryption with Customer provided keys must "
                   "provide the client calculated MD5 of the secret key.",
                   md5_name, "null");
  std::string encoded = fields.Header(key_name);
  auto key = Base64Decode(encoded);
  WipeString(encoded);
  if (!key || key->size() != 32) {
    if (key) WipeString(*key);
    return Invalid("The secret key was invalid for the specified algorithm.", key_name, "");
  }
  auto out = std::make_unique<sse::CustomerKey>();
  out->key = SecretBytes(*key);
  out->md5 = Base64(crypto::Md5(*key));
  WipeString(*key);
  if (out->md5 != fields.Header(md5_name))
    return Invalid("The calculated MD5 hash of the key did not match the hash that was provided.",
                   md5_name, fields.Header(md5_name));
  return out;
}

std::variant<WriteEncryption, S3Error> ChooseEncryption(const S3Context& ctx,
                                                        const auth::SignableRequest& fields,
                                                        const std::string& bucket) {
  WriteEncryption w;
  auto customer = CustomerKeyOf(ctx, fields, kCustomerPrefix);
  if (auto* err = std::get_if<S3Error>(&customer)) return *err;
  w.customer = std::move(std::get<std::unique_ptr<sse::CustomerKey>>(customer));

  const bool named = fields.HasHeader(kSse);
  if (w.customer && (named || fields.HasHeader(kKeyId) || fields.HasHeader(kContext)))
    return Invalid("Server Side Encryption with Customer provided key is incompatible with the "
                   "encryption method specified",
                   kSse, fields.Header(kSse));
  std::optional<sse::Algorithm> algorithm;
  if (named) {
    algorithm = ParseAlgorithm(fields.Header(kSse));
    if (!algorithm)
      return Invalid("The encryption method specified is not supported", kSse, fields.Header(kSse));
  }
  if ((fields.HasHeader(kKeyId) || fields.HasHeader(kContext)) && !(algorithm && IsKms(*algorithm)))
    return Invalid("Server Side Encryption with AWS KMS managed key requires HTTP header "
                   "x-amz-server-side-encryption : aws:kms",
                   kSse, fields.Header(kSse));

  auto defaults = LoadBucketEncryption(ctx, bucket);
  if (auto* err = std::get_if<S3Error>(&defaults)) return *err;
  const BucketEncryption& d = std::get<BucketEncryption>(defaults);

  if (w.customer) {
    if (d.block_customer_keys)
      return S3Error::AccessDenied(
          "Requests specifying Server Side Encryption with Customer provided keys are blocked "
          "for this bucket.");
    w.choice.algorithm = sse::Algorithm::kCustomer;
    w.choice.customer = w.customer.get();
    return w;
  }
  if (algorithm) {
    w.choice.algorithm = *algorithm;
    w.choice.kms_key_id = fields.Header(kKeyId);
    // With aws:kms and no key id, the bucket's default key applies when it is a KMS one.
    if (w.choice.kms_key_id.empty() && IsKms(*algorithm) && IsKms(d.algorithm))
      w.choice.kms_key_id = d.kms_key_id;
    w.choice.bucket_key = d.bucket_key;
  } else {
    w.choice.algorithm = d.algorithm;
    w.choice.kms_key_id = d.kms_key_id;
    w.choice.bucket_key = d.bucket_key;
  }
  if (fields.HasHeader(kBucketKey)) {
    std::string v = absl::AsciiStrToLower(fields.Header(kBucketKey));
    if (v != "true" && v != "false")
      return Invalid("Invalid value for bucket key", kBucketKey, fields.Header(kBucketKey));
    w.choice.bucket_key = v == "true";
  }
  if (w.choice.algorithm != sse::Algorithm::kKms) w.choice.bucket_key = false;  // not DSSE

  if (IsKms(w.choice.algorithm) && named) {
    // Asking for KMS explicitly needs TLS and SigV4, as on AWS.
    if (!ctx.request.exchange.secure() && !ctx.config.allow_insecure_sse)
      return Invalid("Requests specifying Server Side Encryption with AWS KMS managed keys must "
                     "be made over a secure connection.");
    if (ctx.request.signing.sigv2)
      return Invalid("Requests specifying Server Side Encryption with AWS KMS managed keys "
                     "require AWS Signature Version 4.");
  }
  if (fields.HasHeader(kContext)) {
    w.choice.context_header = fields.Header(kContext);
    auto parsed = sse::ParseContextHeader(w.choice.context_header);
    if (!parsed.ok())
      return Invalid("The header 'x-amz-server-side-encryption-context' shall be Base64-encoded "
                     "UTF-8 string holding JSON which represents a string-string map",
                     kContext, w.choice.context_header);
    for (const auto& [k, v] : *parsed) {
      if (absl::AsciiStrToLower(k).starts_with("aws:"))
        return Invalid("Encryption context keys beginning with aws: are reserved", kContext,
                       w.choice.context_header);
    }
    w.choice.context = *std::move(parsed);
  }
  if (IsKms(w.choice.algorithm) && !ctx.request.principal)
    return S3Error::AccessDenied("Anonymous requests cannot use AWS KMS keys.");
  return w;
}

std::variant<std::pair<sse::BodyKeys, sse::SseRecord>, S3Error> CreateObjectKeys(
    const S3Context& ctx, const WriteEncryption& w, const std::string& bucket,
    const std::string& key) {
  auto made = ctx.config.object_keys->Create(CallerOf(ctx), NameOf(ctx, bucket, key), w.choice);
  if (!made.ok()) return FromKeyStatus(made.status());
  return *std::move(made);
}

std::variant<std::pair<sse::BodyKeys, sse::SseRecord>, S3Error> KeysForWrite(
    const S3Context& ctx, const auth::SignableRequest& fields, const std::string& bucket,
    const std::string& key) {
  auto encryption = ChooseEncryption(ctx, fields, bucket);
  if (auto* err = std::get_if<S3Error>(&encryption)) return *err;
  return CreateObjectKeys(ctx, std::get<WriteEncryption>(encryption), bucket, key);
}

std::variant<std::optional<sse::BodyKeys>, S3Error> OpenObjectKeys(
    const S3Context& ctx, const ObjectInfo& object, const std::string& bucket,
    const std::string& key, bool need_keys, std::string_view prefix) {
  const bool source = prefix == kCopySourceCustomerPrefix;
  auto customer = CustomerKeyOf(ctx, ctx.request.signable, prefix);
  if (auto* err = std::get_if<S3Error>(&customer)) return *err;
  const auto& given = std::get<std::unique_ptr<sse::CustomerKey>>(customer);
  const sse::SseRecord& r = object.sse;
  if (r.algorithm == sse::Algorithm::kCustomer) {
    if (!given)
      return S3Error::InvalidRequest(
          source ? "The source object was stored using a form of Server Side Encryption. The "
                   "correct parameters must be provided to retrieve the object."
                 : "The object was stored using a form of Server Side Encryption. The correct "
                   "parameters must be provided to retrieve the object.");
    if (given->md5 != r.customer_key_md5) return S3Error::AccessDenied();
  } else {
    if (given)
      return S3Error::InvalidRequest("The encryption parameters are not applicable to this "
                                     "object.");
    if (!source && ctx.HasHeader(kSse) && ctx.header().method() != http::bhttp::verb::put &&
        ctx.header().method() != http::bhttp::verb::post)
      return Invalid("x-amz-server-side-encryption header is not supported for this operation.",
                     kSse, ctx.Header(kSse));
  }
  if (!r.encrypted() || !need_keys) return std::optional<sse::BodyKeys>();
  auto keys = ctx.config.object_keys->Open(CallerOf(ctx), NameOf(ctx, bucket, key), r, given.get());
  if (!keys.ok()) return FromKeyStatus(keys.status());
  return std::optional<sse::BodyKeys>(*std::move(keys));
}

void AddEncryptionHeaders(http::ResponseHeader& head, const sse::SseRecord& r,
                          SseAnswer answer) {
  switch (r.algorithm) {
    case sse::Algorithm::kNone:
      return;
    case sse::Algorithm::kCustomer:
      if (answer == SseAnswer::kComplete) return;
      head.set("x-amz-server-side-encryption-customer-algorithm", "AES256");
      head.set("x-amz-server-side-encryption-customer-key-md5", r.customer_key_md5);
      return;
    default:
      head.set(kSse, sse::HeaderValue(r.algorithm));
  }
  if (IsKms(r.algorithm)) {
    head.set(kKeyId, r.kms_key_arn);
    if (!r.context.empty() && answer == SseAnswer::kCreate) head.set(kContext, r.context);
    if (r.bucket_key) head.set(kBucketKey, "true");
  }
}

bool EtagIsMd5(const sse::SseRecord& record) {
  return record.algorithm == sse::Algorithm::kNone || record.algorithm == sse::Algorithm::kAes256;
}

std::string EtagFor(const sse::SseRecord& record, const sse::BodyKeys* keys,
                    const std::string& md5_hex, const storage::BlobWriter* blob) {
  if (EtagIsMd5(record)) return md5_hex;
  const std::string input = md5_hex.empty() ? "coffer etag v2|" + (blob ? blob->id() : "")
                                            : "coffer etag v1|" + md5_hex;
  return HexLower(crypto::HmacSha256(keys->dek.view(), input).substr(0, 16));
}

std::string StoredChecksum(const sse::BodyKeys* keys, uint32_t part, const std::string& checksum) {
  return keys ? sse::SealChecksum(*keys, part, checksum) : checksum;
}

std::variant<std::string, S3Error> ClearChecksum(const sse::BodyKeys* keys, uint32_t part,
                                                 const std::string& stored) {
  if (!sse::IsSealedChecksum(stored)) return stored;
  if (!keys) return S3Error::InternalError();
  auto clear = sse::OpenChecksum(*keys, part, stored);
  if (!clear.ok()) return S3Error::InternalError();
  return *std::move(clear);
}

bool ChecksumsSealed(const ObjectInfo& object) {
  if (sse::IsSealedChecksum(object.checksum)) return true;
  for (const auto& p : object.parts)
    if (sse::IsSealedChecksum(p.checksum)) return true;
  return false;
}

S3Error FromKeyStatus(const absl::Status& s) {
  if (s.code() == absl::StatusCode::kPermissionDenied && !s.GetPayload("coffer.kms/exception"))
    return S3Error::AccessDenied();  // a wrong SSE-C key
  if (s.code() == absl::StatusCode::kDataLoss) return S3Error::InternalError();
  std::string code = kms::KmsCodeOf(s);
  if (code == "AccessDeniedException") return S3Error::AccessDenied(std::string(s.message()));
  if (code == "ThrottlingException" || code == "LimitExceededException") return S3Error::SlowDown();
  if (code == "KMSInternalException") return S3Error::InternalError();
  return S3Error::Of(400, "KMS." + code, std::string(s.message()));
}

}  // namespace coffer::s3
