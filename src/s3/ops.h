// The S3 operations, one function each, grouped in bucket_ops.cc, object_ops.cc and
// list_ops.cc. Called by S3Service after routing and the bucket access check.
#pragma once

#include "s3/access.h"
#include "s3/request.h"

namespace coffer::s3 {

// The versionId query parameter: absent, "null" or a well-formed id (InvalidArgument).
std::variant<std::optional<std::string>, S3Error> VersionParam(const S3Context& ctx);
// The version ?versionId names, or the current one, for operations on an object's
// metadata (ACL, tags, attributes): NoSuchKey or NoSuchVersion when absent, and a
// delete marker reads as absent (with x-amz-delete-marker).
std::variant<ObjectInfo, S3Error> LoadObjectVersion(const S3Context& ctx);
// The partNumber query parameter of UploadPart and UploadPartCopy: 1 to 10000.
std::variant<uint32_t, S3Error> PartNumberParam(const S3Context& ctx);
// Maps a failed catalog write: PreconditionFailed, NoSuchBucket, NoSuchKey, ...
S3Error FromWriteStatus(const absl::Status& s, const S3Context& ctx);
// Commits `object` with `body` as the new version of ctx.key (Catalog::PutObjectAsync),
// suspending the request, not a thread, until it is durable.
http::Task<absl::StatusOr<ObjectInfo>> CommitObject(S3Context& ctx, ObjectInfo object,
                                                    std::unique_ptr<storage::BlobWriter> body,
                                                    const WriteConditions& conditions = {});
// x-amz-version-id, for buckets that have (or had) versioning and for real version ids.
void AddVersionHeader(http::ResponseHeader& head, const BucketInfo& bucket,
                      const std::string& version_id);
// The Delete* operation of a bucket configuration stored under `config` (policy, cors,
// encryption, ...): checks `action` on the bucket, removes it, answers 204.
http::Task<OpResult> DeleteBucketConfig(S3Context& ctx, const char* action, const char* config);

http::Task<OpResult> ListBuckets(S3Context& ctx);
http::Task<OpResult> CreateBucket(S3Context& ctx);
http::Task<OpResult> HeadBucket(S3Context& ctx);
http::Task<OpResult> DeleteBucket(S3Context& ctx);
http::Task<OpResult> GetBucketLocation(S3Context& ctx);
http::Task<OpResult> GetBucketVersioning(S3Context& ctx);
http::Task<OpResult> PutBucketVersioning(S3Context& ctx);

http::Task<OpResult> PutObject(S3Context& ctx);
http::Task<OpResult> GetObject(S3Context& ctx);  // GET and HEAD
http::Task<OpResult> DeleteObject(S3Context& ctx);
http::Task<OpResult> DeleteObjects(S3Context& ctx);

http::Task<OpResult> ListObjects(S3Context& ctx);  // v1 and v2 (list-type=2)
http::Task<OpResult> ListObjectVersions(S3Context& ctx);

http::Task<OpResult> CreateMultipartUpload(S3Context& ctx);
http::Task<OpResult> UploadPart(S3Context& ctx);
http::Task<OpResult> CompleteMultipartUpload(S3Context& ctx);
http::Task<OpResult> AbortMultipartUpload(S3Context& ctx);
http::Task<OpResult> ListParts(S3Context& ctx);
http::Task<OpResult> ListMultipartUploads(S3Context& ctx);

http::Task<OpResult> PutObjectTagging(S3Context& ctx);
http::Task<OpResult> GetObjectTagging(S3Context& ctx);
http::Task<OpResult> DeleteObjectTagging(S3Context& ctx);
http::Task<OpResult> PutBucketTagging(S3Context& ctx);
http::Task<OpResult> GetBucketTagging(S3Context& ctx);
http::Task<OpResult> DeleteBucketTagging(S3Context& ctx);

bool IsOwnershipSetting(const std::string& value);
http::Task<OpResult> GetBucketAcl(S3Context& ctx);
http::Task<OpResult> PutBucketAcl(S3Context& ctx);
http::Task<OpResult> GetObjectAcl(S3Context& ctx);
http::Task<OpResult> PutObjectAcl(S3Context& ctx);
http::Task<OpResult> PutBucketOwnershipControls(S3Context& ctx);
http::Task<OpResult> GetBucketOwnershipControls(S3Context& ctx);
http::Task<OpResult> DeleteBucketOwnershipControls(S3Context& ctx);

http::Task<OpResult> PutBucketCors(S3Context& ctx);
http::Task<OpResult> GetBucketCors(S3Context& ctx);
http::Task<OpResult> DeleteBucketCors(S3Context& ctx);
http::Task<OpResult> CorsPreflight(S3Context& ctx);  // OPTIONS
// Adds the Access-Control-* headers to the response of a request with an Origin that
// the bucket's CORS rules allow.
void AddCorsHeaders(S3Context& ctx);

http::Task<OpResult> GetObjectAttributes(S3Context& ctx);

http::Task<OpResult> PostObject(S3Context& ctx);  // browser form uploads

http::Task<OpResult> PutBucketEncryption(S3Context& ctx);
http::Task<OpResult> GetBucketEncryption(S3Context& ctx);
http::Task<OpResult> DeleteBucketEncryption(S3Context& ctx);
http::Task<OpResult> PutBucketPolicy(S3Context& ctx);
http::Task<OpResult> GetBucketPolicy(S3Context& ctx);
http::Task<OpResult> DeleteBucketPolicy(S3Context& ctx);
http::Task<OpResult> GetBucketPolicyStatus(S3Context& ctx);
http::Task<OpResult> PutPublicAccessBlock(S3Context& ctx);
http::Task<OpResult> GetPublicAccessBlock(S3Context& ctx);
http::Task<OpResult> DeletePublicAccessBlock(S3Context& ctx);

http::Task<OpResult> CopyObject(S3Context& ctx);
http::Task<OpResult> UploadPartCopy(S3Context& ctx);

}  // namespace coffer::s3
