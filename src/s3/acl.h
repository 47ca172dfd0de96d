// S3 access control lists: grants to canonical users and to the predefined groups,
// canned ACLs, the x-amz-grant-* headers, the AccessControlPolicy XML, and the check
// of a permission against a requester.
//
// An ACL is stored as a document of grants (EncodeAcl); the empty document means the
// default ACL, the owner's FULL_CONTROL. Owners are S3 canonical user ids, derived from
// account ids (iam::CanonicalUserIdOf).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "s3/error.h"

namespace coffer::s3 {

enum class Permission { kRead, kWrite, kReadAcp, kWriteAcp, kFullControl };

inline constexpr std::string_view kAllUsers = "http://acs.amazonaws.com/groups/global/AllUsers";
inline constexpr std::string_view kAuthenticatedUsers =
    "http://acs.amazonaws.com/groups/global/AuthenticatedUsers";
inline constexpr std::string_view kLogDelivery =
    "http://acs.amazonaws.com/groups/s3/LogDelivery";

struct Grant {
  bool group = false;  // true: `id` is a group URI; false: a canonical user id
  std::string id;
  Permission permission = Permission::kRead;
  bool operator==(const Grant&) const = default;
};

struct Acl {
  std::vector<Grant> grants;
};

std::string EncodeAcl(const Acl& acl);
// The stored document, or the default (owner FULL_CONTROL) for an empty one.
Acl DecodeAcl(std::string_view stored, const std::string& owner_id);

// A canned ACL by its x-amz-acl name; nullopt for an unknown name.
// `bucket_owner_id` serves bucket-owner-read and bucket-owner-full-control.
std::optional<Acl> CannedAcl(std::string_view name, const std::string& owner_id,
                             const std::string& bucket_owner_id);

// The ACL a request sets through x-amz-acl or x-amz-grant-* headers (not both:
// InvalidRequest), or nullopt when it sets none. `headers` holds (lower-case name,
// value) pairs.
std::variant<std::optional<Acl>, S3Error> AclFromHeaders(
    const std::vector<std::pair<std::string, std::string>>& headers, const std::string& owner_id,
    const std::string& bucket_owner_id);

std::string AclXml(const Acl& acl, const std::string& owner_id,
                   const std::string& owner_display_name);
// Parses an AccessControlPolicy body: MalformedACLError when it does not validate;
// UnresolvableGrantByEmailAddress for e-mail grantees, which Coffer cannot resolve.
std::variant<Acl, S3Error> ParseAclXml(std::string_view xml);

// Whether the ACL grants `wanted` to a requester with canonical id `requester_id`
// (empty for anonymous). FULL_CONTROL implies every permission.
bool AclAllows(const Acl& acl, const std::string& requester_id, Permission wanted);

// True when the ACL gives nothing beyond the owner's full control (what a bucket with
// ACLs disabled accepts).
bool IsOwnerOnly(const Acl& acl, const std::string& owner_id);

}  // namespace coffer::s3
