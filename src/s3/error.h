// S3Error: an S3 error response as a value: HTTP status, AWS error code, message and
// optional extra elements (BucketName, Key, Region...). Named factories keep codes and
// statuses consistent with AWS's error table; ToXml() is the one place that renders
// them. Messages are AWS's own wording wherever AWS documents one.
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace coffer::s3 {

struct S3Error {
  int status = 500;
  std::string code;
  std::string message;
  std::string resource;
  std::vector<std::pair<std::string, std::string>> extra;
  // Response headers that go with the error (x-amz-delete-marker, ...).
  std::vector<std::pair<std::string, std::string>> headers;

  S3Error& With(std::string name, std::string value) {
    extra.emplace_back(std::move(name), std::move(value));
    return *this;
  }
  std::string ToXml(const std::string& request_id, const std::string& host_id) const;

  static S3Error Of(int status, std::string code, std::string message);

  static S3Error AccessDenied(std::string message = "Access Denied");
  static S3Error AccessControlListNotSupported();
  static S3Error SignatureDoesNotMatch();
  static S3Error BadDigest();
  static S3Error BucketAlreadyExists(const std::string& bucket);
  static S3Error BucketAlreadyOwnedByYou(const std::string& bucket);
  static S3Error BucketNotEmpty(const std::string& bucket);
  static S3Error EntityTooLarge(uint64_t size, uint64_t max);
  static S3Error IllegalLocationConstraint(const std::string& constraint);
  static S3Error IncompleteBody(std::string message = "You did not provide the number of bytes "
                                                      "specified by the Content-Length HTTP "
                                                      "header.");
  static S3Error InternalError();
  static S3Error InvalidArgument(std::string message, std::string name = "",
                                 std::string value = "");
  static S3Error InvalidBucketName(const std::string& bucket);
  static S3Error InvalidDigest();
  static S3Error InvalidLocationConstraint();
  static S3Error InvalidRequest(std::string message);
  static S3Error InvalidStorageClass();
  static S3Error KeyTooLong();
  static S3Error MalformedXML();
  static S3Error MetadataTooLarge(size_t size);
  static S3Error MethodNotAllowed(const std::string& method, const std::string& resource_type);
  static S3Error MissingContentLength();
  static S3Error NoSuchBucket(const std::string& bucket);
  static S3Error NoSuchKey(const std::string& key);
  static S3Error NoSuchVersion(const std::string& version);
  static S3Error NoSuchUpload(const std::string& upload_id);
  static S3Error InvalidPart(std::string message);
  static S3Error InvalidPartOrder();
  static S3Error EntityTooSmall();
  static S3Error PreconditionFailed(const std::string& condition);
  static S3Error InvalidVersionId(const std::string& version);
  static S3Error NotImplemented(std::string message = "A header you provided implies "
                                                      "functionality that is not implemented");
  static S3Error RequestTimeout();
  static S3Error ServiceUnavailable(std::string message = "Please reduce your request rate.");
  static S3Error SlowDown();
  static S3Error InsufficientStorage();
};

}  // namespace coffer::s3
