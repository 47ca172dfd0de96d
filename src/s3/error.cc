#include "s3/error.h"

#include "base/xml.h"

namespace coffer::s3 {
S3Error S3Error::Of(int status, std::string code, std::string message) {
  S3Error e;
  e.status = status;
  e.code = std::move(code);
  e.message = std::move(message);
  return e;
}

namespace {
S3Error Make(int status, std::string code, std::string message) {
  return S3Error::Of(status, std::move(code), std::move(message));
}
}  // namespace

std::string S3Error::ToXml(const std::string& request_id, const std::string& host_id) const {
  XmlWriter w;
  w.Open("Error");
  w.Element("Code", code);
  // Some clients (aws CLI 2.9) crash on an empty <Message>.
  w.Element("Message", message.empty() ? code : message);
  for (const auto& [name, value] : extra) w.Element(name, value);
  if (!resource.empty()) w.Element("Resource", resource);
  w.Element("RequestId", request_id);
  w.Element("HostId", host_id);
  w.Close("Error");
  return w.Finish();
}

S3Error S3Error::AccessDenied(std::string message) {
  return Make(403, "AccessDenied", std::move(message));
}
S3Error S3Error::AccessControlListNotSupported() {
  return Make(400, "AccessControlListNotSupported", "The bucket does not allow ACLs");
}
S3Error S3Error::SignatureDoesNotMatch() {
  return Make(403, "SignatureDoesNotMatch",
              "The request signature we calculated does not match the signature you provided. "
              "Check your key and signing method.");
}
S3Error S3Error::BadDigest() {
  return Make(400, "BadDigest", "The Content-MD5 you specified did not match what we received.");
}
S3Error S3Error::BucketAlreadyExists(const std::string& bucket) {
  return Make(409, "BucketAlreadyExists",
              "The requested bucket name is not available. The bucket namespace is shared by "
              "all users of the system. Please select a different name and try again.")
      .With("BucketName", bucket);
}
S3Error S3Error::BucketAlreadyOwnedByYou(const std::string& bucket) {
  return Make(409, "BucketAlreadyOwnedByYou",
              "Your previous request to create the named bucket succeeded and you already own "
              "it.")
      .With("BucketName", bucket);
}
S3Error S3Error::BucketNotEmpty(const std::string& bucket) {
  return Make(409, "BucketNotEmpty", "The bucket you tried to delete is not empty")
      .With("BucketName", bucket);
}
S3Error S3Error::EntityTooLarge(uint64_t size, uint64_t max) {
  return Make(400, "EntityTooLarge", "Your proposed upload exceeds the maximum allowed size")
      .With("ProposedSize", std::to_string(size))
      .With("MaxSizeAllowed", std::to_string(max));
}
S3Error S3Error::IllegalLocationConstraint(const std::string& constraint) {
  return Make(400, "IllegalLocationConstraintException",
              "The " + (constraint.empty() ? std::string("unspecified") : constraint) +
                  " location constraint is incompatible for the region specific endpoint this "
                  "request was sent to.");
}
S3Error S3Error::IncompleteBody(std::string message) {
  return Make(400, "IncompleteBody", std::move(message));
}
S3Error S3Error::InternalError() {
  return Make(500, "InternalError", "We encountered an internal error. Please try again.");
}
S3Error S3Error::InvalidArgument(std::string message, std::string name, std::string value) {
  S3Error e = Make(400, "InvalidArgument", std::move(message));
  if (!name.empty()) e.With("ArgumentName", std::move(name)).With("ArgumentValue", std::move(value));
  return e;
}
S3Error S3Error::InvalidBucketName(const std::string& bucket) {
  return Make(400, "InvalidBucketName", "The specified bucket is not valid.")
      .With("BucketName", bucket);
}
S3Error S3Error::InvalidDigest() {
  return Make(400, "InvalidDigest", "The Content-MD5 you specified is not valid.");
}
S3Error S3Error::InvalidLocationConstraint() {
  return Make(400, "InvalidLocationConstraint",
              "The specified location-constraint is not valid");
}
S3Error S3Error::InvalidRequest(std::string message) {
  return Make(400, "InvalidRequest", std::move(message));
}
S3Error S3Error::InvalidStorageClass() {
  return Make(400, "InvalidStorageClass", "The storage class you specified is not valid");
}
S3Error S3Error::KeyTooLong() {
  return Make(400, "KeyTooLongError", "Your key is too long");
}
S3Error S3Error::MalformedXML() {
  return Make(400, "MalformedXML",
              "The XML you provided was not well-formed or did not validate against our "
              "published schema");
}
S3Error S3Error::MetadataTooLarge(size_t size) {
  return Make(400, "MetadataTooLarge",
              "Your metadata headers exceed the maximum allowed metadata size")
      .With("Size", std::to_string(size))
      .With("MaxSizeAllowed", "2048");
}
S3Error S3Error::MethodNotAllowed(const std::string& method, const std::string& resource_type) {
  return Make(405, "MethodNotAllowed", "The specified method is not allowed against this resource.")
      .With("Method", method)
      .With("ResourceType", resource_type);
}
S3Error S3Error::MissingContentLength() {
  return Make(411, "MissingContentLength", "You must provide the Content-Length HTTP header.");
}
S3Error S3Error::NoSuchBucket(const std::string& bucket) {
  return Make(404, "NoSuchBucket", "The specified bucket does not exist")
      .With("BucketName", bucket);
}
S3Error S3Error::NoSuchKey(const std::string& key) {
  return Make(404, "NoSuchKey", "The specified key does not exist.").With("Key", key);
}
S3Error S3Error::NoSuchVersion(const std::string& version) {
  return Make(404, "NoSuchVersion", "The specified version does not exist.")
      .With("VersionId", version);
}
S3Error S3Error::NoSuchUpload(const std::string& upload_id) {
  return Make(404, "NoSuchUpload",
              "The specified upload does not exist. The upload ID may be invalid, or the upload "
              "may have been aborted or completed.")
      .With("UploadId", upload_id);
}
S3Error S3Error::InvalidPart(std::string message) {
  return Make(400, "InvalidPart", std::move(message));
}
S3Error S3Error::InvalidPartOrder() {
  return Make(400, "InvalidPartOrder",
              "The list of parts was not in ascending order. Parts must be ordered by part "
              "number.");
}
S3Error S3Error::EntityTooSmall() {
  return Make(400, "EntityTooSmall",
              "Your proposed upload is smaller than the minimum allowed object size.");
}
S3Error S3Error::PreconditionFailed(const std::string& condition) {
  return Make(412, "PreconditionFailed",
              "At least one of the pre-conditions you specified did not hold")
      .With("Condition", condition);
}
S3Error S3Error::InvalidVersionId(const std::string& version) {
  return InvalidArgument("Invalid version id specified", "versionId", version);
}
S3Error S3Error::NotImplemented(std::string message) {
  return Make(501, "NotImplemented", std::move(message));
}
S3Error S3Error::RequestTimeout() {
  return Make(400, "RequestTimeout",
              "Your socket connection to the server was not read from or written to within the "
              "timeout period.");
}
S3Error S3Error::ServiceUnavailable(std::string message) {
  return Make(503, "ServiceUnavailable", std::move(message));
}
S3Error S3Error::SlowDown() { return Make(503, "SlowDown", "Please reduce your request rate."); }
S3Error S3Error::InsufficientStorage() {
  // AWS has no out-of-space error; 507 with a clear code is what S3-compatible
  // stores answer, and SDKs retry 5xx.
  return Make(507, "InsufficientStorage",
              "The server does not have enough free storage to complete the request.");
}

}  // namespace coffer::s3
