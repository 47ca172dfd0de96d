#include "s3/audit_events.h"

#include <set>

#include "audit/selectors.h"
#include "audit/trail.h"
#include "s3/catalog.h"

namespace coffer::s3 {
namespace {

bool IsDataEvent(const std::string& op) {
  static const std::set<std::string> kData = {
      "GetObject", "HeadObject", "PutObject", "CopyObject", "DeleteObject", "DeleteObjects",
      "PostObject", "GetObjectAttributes", "GetObjectAcl", "PutObjectAcl", "GetObjectTagging",
      "PutObjectTagging", "DeleteObjectTagging", "CreateMultipartUpload", "UploadPart",
      "UploadPartCopy", "CompleteMultipartUpload", "AbortMultipartUpload", "ListParts",
      "ListObjects", "ListObjectsV2", "ListObjectVersions"};
  return kData.count(op) > 0;
}

bool IsReadOnly(const std::string& op) {
  return op.starts_with("Get") || op.starts_with("Head") || op.starts_with("List");
}

}  // namespace

void RecordAuditEvent(S3Context& ctx, const OpResult& error) {
  audit::Trail* trail = ctx.config.trail;
  const std::string& op = ctx.exchange().operation();
  if (!trail || !ctx.request.principal || op.empty() || op == "PreflightRequest") return;
  const bool data = IsDataEvent(op);
  const bool read_only = IsReadOnly(op);
  std::string recipient = ctx.request.principal->account_id;
  if (data) {
    // Logged for the bucket owner, when the owner's selectors ask for it.
    if (!ctx.config.selectors || !ctx.config.selectors->AnyData()) return;
    auto bucket = ctx.catalog.GetBucket(ctx.bucket);
    if (!bucket.ok() || !*bucket) return;
    recipient = (*bucket)->owner_account;
    if (!ctx.config.selectors->LogsData(recipient, ctx.bucket, ctx.key, read_only)) return;
  }
  audit::Event e = gateway::AuditEventFor(ctx.request, "s3.amazonaws.com", op, ctx.config.region);
  e.recipient_account = recipient;
  e.read_only = read_only;
  e.management = !data;
  nlohmann::json params = {{"Host", ctx.Header("host")}};
  if (!ctx.bucket.empty()) params["bucketName"] = ctx.bucket;
  if (!ctx.key.empty()) params["key"] = ctx.key;
  for (const auto& [name, value] : ctx.query) {
    if (name.starts_with("X-Amz-")) continue;  // presigned URL credentials
    params[name] = value;
  }
  e.request_parameters = std::move(params);
  e.additional_event_data = {
      {"SignatureVersion", ctx.request.signing.sigv2 ? "SigV2" : "SigV4"},
      {"bytesTransferredIn", ctx.exchange().bytes_in()},
      {"bytesTransferredOut", ctx.exchange().bytes_out()},
      {"x-amz-id-2", ctx.exchange().host_id()}};
  if (!ctx.bucket.empty()) {
    std::string arn = "arn:aws:s3:::" + ctx.bucket;
    if (!ctx.key.empty()) e.resources.push_back({arn + "/" + ctx.key, "", "AWS::S3::Object"});
    e.resources.push_back({arn, recipient, "AWS::S3::Bucket"});
  }
  if (error) {
    e.error_code = error->code;
    e.error_message = error->message;
  }
  trail->Record(std::move(e));
}

}  // namespace coffer::s3
