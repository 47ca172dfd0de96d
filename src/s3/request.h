// S3Context: what an S3 operation handler works with, and the helpers every handler
// shares (query parameters, headers, replies, reading a small body).
//
// A handler returns std::nullopt after replying itself, or an S3Error for the service
// to render. Handlers never see sockets or OpenSSL.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "gateway/gateway.h"
#include "iam/authorizer.h"
#include "iam/identity_store.h"
#include "s3/catalog.h"
#include "s3/error.h"
#include "sse/object_keys.h"

namespace coffer::audit {
class Trail;
class EventSelectors;
}  // namespace coffer::audit

namespace coffer::s3 {

struct ServiceConfig {
  std::string region = "us-east-1";
  std::vector<std::string> domains;  // for virtual-hosted-style addressing
  // Looks up an access key's secret and principal (POST forms sign their policy).
  std::function<absl::StatusOr<iam::KeyGrant>(const std::string& access_key_id)> lookup_key;
  // Decides with IAM policies, bucket policies and the rest of AWS's evaluation.
  const iam::Authorizer* authorizer = nullptr;
  // Makes and opens the keys of encrypted objects.
  sse::ObjectKeys* object_keys = nullptr;
  // Lets SSE-C and SSE-KMS requests arrive over plain HTTP (local testing only).
  bool allow_insecure_sse = false;
  // The audit trail and the accounts' event selectors (nullptr: no audit).
  audit::Trail* trail = nullptr;
  const audit::EventSelectors* selectors = nullptr;
};

using Query = std::multimap<std::string, std::string>;
// Decodes a raw query string ('+' is a space in values, as in HTML forms).
std::optional<Query> ParseQuery(std::string_view raw);

struct S3Context {
  gateway::ApiRequest& request;
  Catalog& catalog;
  const ServiceConfig& config;
  std::string bucket;
  std::string key;
  Query query;

  http::Exchange& exchange() { return request.exchange; }
  const http::RequestHeader& header() const { return request.exchange.request(); }
  std::string Header(std::string_view name) const { return request.signable.Header(name); }
  bool HasHeader(std::string_view name) const { return request.signable.HasHeader(name); }
  bool HasParam(std::string_view name) const { return query.count(std::string(name)) > 0; }
  std::optional<std::string> Param(std::string_view name) const;
  bool is_head() const { return header().method() == http::bhttp::verb::head; }

  // Replies 200 (or `status`) with an XML body.
  http::Task<void> ReplyXml(std::string body, int status = 200);
  // Replies with no body.
  http::Task<void> ReplyEmpty(int status, http::ResponseHeader head = {});

  // Reads the whole (small) request body, failing with an S3Error past `limit` bytes
  // or when the payload does not verify.
  http::Task<std::variant<std::string, S3Error>> ReadSmallBody(size_t limit);
};

using OpResult = std::optional<S3Error>;

// Maps a verification failure of the request or its body to S3's error.
S3Error FromAuthError(const auth::Error& e, const std::string& access_key_id);
// Maps a body read failure (transport or integrity) to S3's error.
S3Error FromBodyError(const gateway::BodyRead& r, const std::string& access_key_id);
// Maps an internal storage failure.
S3Error FromStatus(const absl::Status& s);

}  // namespace coffer::s3
