#include "sse/object_keys.h"

#include <nlohmann/json.hpp>

#include "audit/trail.h"
#include "base/codec.h"
#include "base/encoding.h"
#include "base/ids.h"
#include "crypto/aead.h"
#include "crypto/hash.h"
#include "kms/errors.h"
#include "metrics/registry.h"

namespace coffer::sse {
namespace {

constexpr size_t kMaxCacheEntries = 10000;

SecretBytes Derive(std::string_view key, std::string_view salt, std::string_view info) {
  std::string k = crypto::HkdfSha256(key, salt, info, crypto::kAeadKeySize);
  SecretBytes out(k);
  WipeString(k);
  return out;
}

std::string SealAad(const ObjectName& name, const SseRecord& r) {
  std::string a = "coffer sse keys v1|" + name.bucket;
  a += '\0';
  a += name.key;
  a += '\0';
  a += static_cast<char>(r.algorithm);
  a += r.kms_key_arn;
  a += '\0';
  a += r.data_id;
  return a;
}

kms::EncryptionContext WithArn(kms::EncryptionContext ctx, const std::string& arn) {
  ctx["aws:s3:arn"] = arn;
  return ctx;
}

}  // namespace

absl::StatusOr<kms::EncryptionContext> ParseContextHeader(std::string_view base64) {
  auto raw = Base64Decode(base64);
  if (!raw || !IsValidUtf8(*raw)) return absl::InvalidArgumentError("not base64 UTF-8");
  auto doc = nlohmann::json::parse(*raw, nullptr, false);
  if (doc.is_discarded() || !doc.is_object())
    return absl::InvalidArgumentError("not a JSON object");
  kms::EncryptionContext ctx;
  for (const auto& [k, v] : doc.items()) {
    if (!v.is_string()) return absl::InvalidArgumentError("values must be strings");
    ctx[k] = v.get<std::string>();
  }
  return ctx;
}

ObjectKeys::ObjectKeys(kms::Kms* kms, const SecretBytes& root_key, absl::Duration bucket_key_ttl)
    : kms_(kms),
      service_key_(Derive(root_key.view(), "", "coffer sse-s3 service key v1")),
      ttl_(bucket_key_ttl) {
  auto& r = metrics::Global();
  r.Declare("coffer_kms_calls_total", metrics::Type::kCounter,
            "KMS operations run, by operation and by caller: direct (the KMS API) or s3 "
            "(on a requester's behalf, kms:ViaService).");
  r.Declare("coffer_bucket_key_cache_total", metrics::Type::kCounter,
            "S3 Bucket Key cache lookups, by result (hit or miss).");
  r.Declare("coffer_sse_requests_total", metrics::Type::kCounter,
            "Objects and uploads whose keys were made (write) or opened (read), by SSE mode.");
}

absl::StatusOr<kms::CryptoResult> ObjectKeys::GenerateDataKey(const kms::Caller& caller,
                                                              const std::string& key_id,
                                                              const kms::EncryptionContext& ctx,
                                                              const std::string& region) {
  CountKmsCall("GenerateDataKey");
  auto r = kms_->GenerateDataKey(caller, key_id, 32, ctx, true);
  Audit(caller, "GenerateDataKey", key_id, ctx, region, r.ok() ? r->key_arn : "", r.status());
  return r;
}

absl::StatusOr<kms::CryptoResult> ObjectKeys::Decrypt(const kms::Caller& caller,
                                                      const SseRecord& record,
                                                      const kms::EncryptionContext& ctx,
                                                      const std::string& region) {
  CountKmsCall("Decrypt");
  auto r = kms_->Decrypt(caller, record.kms_key_arn, record.kms_blob, ctx);
  Audit(caller, "Decrypt", record.kms_key_arn, ctx, region, record.kms_key_arn, r.status());
  return r;
}

void ObjectKeys::CountKmsCall(const char* operation) {
  ++kms_calls_;
  metrics::Global().Add("coffer_kms_calls_total", {{"operation", operation}, {"caller", "s3"}});
}

void ObjectKeys::Audit(const kms::Caller& caller, const char* operation,
                       const std::string& key_id, const kms::EncryptionContext& ctx,
                       const std::string& region, const std::string& key_arn,
                       const absl::Status& status) {
  if (!trail_) return;
  audit::Event e;
  e.time = caller.now;
  e.source = "kms.amazonaws.com";
  e.name = operation;
  e.region = region;
  e.principal = caller.principal;
  e.invoked_by = "s3.amazonaws.com";
  e.request_id = NewRequestId();
  e.read_only = true;
  nlohmann::json params = {{"keyId", key_id}, {"encryptionContext", ctx},
                           {"encryptionAlgorithm", "SYMMETRIC_DEFAULT"}};
  if (std::string_view(operation) == "GenerateDataKey") {
    params.erase("encryptionAlgorithm");
    params["keySpec"] = "AES_256";
  }
  e.request_parameters = std::move(params);
  e.recipient_account = caller.principal.account_id;
  if (!key_arn.empty()) {
    e.resources.push_back(audit::KmsKeyResource(key_arn));
    e.recipient_account = e.resources.back().account_id;
  }
  if (!status.ok()) {
    e.error_code = kms::KmsCodeOf(status);
    e.error_message = std::string(status.message());
  }
  trail_->Record(std::move(e));
}

void ObjectKeys::CountBucketKey(bool hit) {
  metrics::Global().Add("coffer_bucket_key_cache_total", {{"result", hit ? "hit" : "miss"}});
}

void ObjectKeys::CountRequest(const kms::Caller& caller, const ObjectName& name,
                              Algorithm algorithm, bool bucket_key, const char* direction) {
  std::string mode = ModeName(algorithm, bucket_key);
  metrics::Global().Add("coffer_sse_requests_total", {{"mode", mode}, {"direction", direction}});
  if (usage_) usage_->Count(caller.principal.account_id, name.bucket, mode, direction);
}

void ObjectKeys::set_bucket_key_ttl(absl::Duration ttl) {
  std::lock_guard<std::mutex> lock(mu_);
  ttl_ = ttl;
  write_cache_.clear();
  read_cache_.clear();
}

absl::StatusOr<SecretBytes> ObjectKeys::BucketKeyForWrite(kms::Caller& caller,
                                                          const ObjectName& name,
                                                          const SseChoice& choice,
                                                          std::string& blob,
                                                          std::string& key_arn) {
  kms::EncryptionContext ctx = WithArn(choice.context, name.BucketArn());
  const std::string id = choice.kms_key_id.empty() ? "alias/aws/s3" : choice.kms_key_id;
  const std::string cache_key =
      name.bucket + "|" + id + "|" + kms::Canonical(ctx) + "|" + caller.principal.Arn();
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = write_cache_.find(cache_key);
    if (it != write_cache_.end() && it->second.expires > caller.now) {
      blob = it->second.blob;
      key_arn = it->second.key_arn;
      CountBucketKey(true);
      return it->second.plain.Copy();
    }
  }
  CountBucketKey(false);
  auto r = GenerateDataKey(caller, id, ctx, name.region);
  if (!r.ok()) return r.status();
  blob = r->ciphertext;
  key_arn = r->key_arn;
  std::lock_guard<std::mutex> lock(mu_);
  if (write_cache_.size() >= kMaxCacheEntries) write_cache_.clear();
  if (read_cache_.size() >= kMaxCacheEntries) read_cache_.clear();
  absl::Time expires = caller.now + ttl_;
  write_cache_[cache_key] = CachedKey{r->plaintext.Copy(), blob, r->key_arn, expires};
  read_cache_[blob + "|" + caller.principal.Arn()] =
      CachedKey{r->plaintext.Copy(), blob, r->key_arn, expires};
  return std::move(r->plaintext);
}

absl::StatusOr<SecretBytes> ObjectKeys::BucketKeyForRead(kms::Caller& caller,
                                                         const ObjectName& name,
                                                         const SseRecord& record) {
  const std::string cache_key = record.kms_blob + "|" + caller.principal.Arn();
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = read_cache_.find(cache_key);
    if (it != read_cache_.end() && it->second.expires > caller.now) {
      CountBucketKey(true);
      return it->second.plain.Copy();
    }
  }
  CountBucketKey(false);
  kms::EncryptionContext ctx;
  if (!record.context.empty()) {
    auto parsed = ParseContextHeader(record.context);
    if (!parsed.ok()) return absl::DataLossError("stored encryption context is unreadable");
    ctx = *std::move(parsed);
  }
  auto r = Decrypt(caller, record, WithArn(std::move(ctx), name.BucketArn()), name.region);
  if (!r.ok()) return r.status();
  std::lock_guard<std::mutex> lock(mu_);
  if (read_cache_.size() >= kMaxCacheEntries) read_cache_.clear();
  read_cache_[cache_key] =
      CachedKey{r->plaintext.Copy(), record.kms_blob, r->key_arn, caller.now + ttl_};
  return std::move(r->plaintext);
}

absl::StatusOr<std::pair<BodyKeys, SseRecord>> ObjectKeys::Create(kms::Caller caller,
                                                                  const ObjectName& name,
                                                                  const SseChoice& choice) {
  caller.via_service = "s3." + name.region + ".amazonaws.com";
  CountRequest(caller, name, choice.algorithm, choice.bucket_key, "write");
  BodyKeys keys = BodyKeys::Random(choice.algorithm == Algorithm::kDsse);
  SseRecord r;
  r.algorithm = choice.algorithm;
  r.data_id = keys.data_id;
  r.context = choice.context_header;
  SecretBytes kek;
  switch (choice.algorithm) {
    case Algorithm::kNone:
      return absl::InvalidArgumentError("no encryption chosen");
    case Algorithm::kAes256:
      kek = service_key_.Copy();
      break;
    case Algorithm::kCustomer:
      if (!choice.customer) return absl::InvalidArgumentError("SSE-C needs the customer key");
      r.salt = RandomBytes(16);
      r.customer_key_md5 = choice.customer->md5;
      kek = Derive(choice.customer->key.view(), r.salt, "coffer sse-c v1");
      break;
    case Algorithm::kKms:
    case Algorithm::kDsse:
      if (choice.algorithm == Algorithm::kKms && choice.bucket_key) {
        std::string blob;
        auto bk = BucketKeyForWrite(caller, name, choice, blob, r.kms_key_arn);
        if (!bk.ok()) return bk.status();
        r.bucket_key = true;
        r.kms_blob = std::move(blob);
        r.salt = RandomBytes(16);
        kek = Derive(bk->view(), r.salt, "coffer bucket key object v1" + keys.data_id);
      } else {
        auto dk = GenerateDataKey(
            caller, choice.kms_key_id.empty() ? "alias/aws/s3" : choice.kms_key_id,
            WithArn(choice.context, name.Arn()), name.region);
        if (!dk.ok()) return dk.status();
        r.kms_key_arn = dk->key_arn;
        r.kms_blob = dk->ciphertext;
        kek = std::move(dk->plaintext);
      }
      break;
  }
  const std::string aad = SealAad(name, r);
  std::string outer;
  if (keys.layers() == 2) outer = crypto::Seal(service_key_, keys.outer_dek.view(), aad);
  r.sealed_keys = Encoder().Str(crypto::Seal(kek, keys.dek.view(), aad)).Str(outer).Take();
  return std::make_pair(std::move(keys), std::move(r));
}

absl::StatusOr<BodyKeys> ObjectKeys::Open(kms::Caller caller, const ObjectName& name,
                                          const SseRecord& record,
                                          const CustomerKey* customer) {
  caller.via_service = "s3." + name.region + ".amazonaws.com";
  CountRequest(caller, name, record.algorithm, record.bucket_key, "read");
  SecretBytes kek;
  switch (record.algorithm) {
    case Algorithm::kNone:
      return absl::InvalidArgumentError("the object is not encrypted");
    case Algorithm::kAes256:
      kek = service_key_.Copy();
      break;
    case Algorithm::kCustomer:
      if (!customer) return absl::InvalidArgumentError("SSE-C needs the customer key");
      kek = Derive(customer->key.view(), record.salt, "coffer sse-c v1");
      break;
    case Algorithm::kKms:
    case Algorithm::kDsse:
      if (record.bucket_key) {
        auto bk = BucketKeyForRead(caller, name, record);
        if (!bk.ok()) return bk.status();
        kek = Derive(bk->view(), record.salt, "coffer bucket key object v1" + record.data_id);
      } else {
        kms::EncryptionContext ctx;
        if (!record.context.empty()) {
          auto parsed = ParseContextHeader(record.context);
          if (!parsed.ok()) return absl::DataLossError("stored encryption context is unreadable");
          ctx = *std::move(parsed);
        }
        auto dk = Decrypt(caller, record, WithArn(std::move(ctx), name.Arn()), name.region);
        if (!dk.ok()) return dk.status();
        kek = std::move(dk->plaintext);
      }
      break;
  }
  std::string inner_sealed, outer_sealed;
  RecordReader rd(record.sealed_keys);
  rd.Str(inner_sealed).Str(outer_sealed);
  if (!rd.status().ok()) return absl::DataLossError("stored object keys are unreadable");
  const std::string aad = SealAad(name, record);
  auto dek = crypto::Open(kek, inner_sealed, aad);
  if (!dek.ok()) {
    if (record.algorithm == Algorithm::kCustomer)
      return absl::PermissionDeniedError("the customer key does not open this object");
    return absl::DataLossError("the object's keys do not open: its metadata was altered");
  }
  BodyKeys keys;
  keys.dek = *std::move(dek);
  keys.data_id = record.data_id;
  if (record.algorithm == Algorithm::kDsse) {
    auto outer = crypto::Open(service_key_, outer_sealed, aad);
    if (!outer.ok()) return absl::DataLossError("the object's keys do not open");
    keys.outer_dek = *std::move(outer);
  }
  return keys;
}

}  // namespace coffer::sse
