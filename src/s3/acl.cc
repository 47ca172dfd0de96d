#include "s3/acl.h"

#include "absl/strings/ascii.h"
#include "absl/strings/str_split.h"
#include "base/xml.h"

namespace coffer::s3 {
namespace {

constexpr std::pair<Permission, std::string_view> kPermissionNames[] = {
    {Permission::kRead, "READ"},
    {Permission::kWrite, "WRITE"},
    {Permission::kReadAcp, "READ_ACP"},
    {Permission::kWriteAcp, "WRITE_ACP"},
    {Permission::kFullControl, "FULL_CONTROL"}};

std::string_view PermissionName(Permission p) {
  for (const auto& [perm, name] : kPermissionNames)
    if (perm == p) return name;
  return "READ";
}

std::optional<Permission> ParsePermission(std::string_view name) {
  for (const auto& [perm, n] : kPermissionNames)
    if (n == name) return perm;
  return std::nullopt;
}

S3Error MalformedAcl() {
  S3Error e = S3Error::Of(400, "MalformedACLError",
                           "The XML you provided was not well-formed or did not validate against our "
              "published schema.");
  return e;
}

S3Error UnresolvableEmail(const std::string& email) {
  S3Error e = S3Error::Of(400, "UnresolvableGrantByEmailAddress",
                           "The e-mail address you provided does not match any account on record.");
  e.With("EmailAddressProvided", email);
  return e;
}

Acl OwnerOnly(const std::string& owner_id) {
  return Acl{{Grant{false, owner_id, Permission::kFullControl}}};
}

}  // namespace

std::string EncodeAcl(const Acl& acl) {
  std::string out;
  for (const auto& g : acl.grants) {
    out += g.group ? "G " : "U ";
    out += g.id;
    out += ' ';
    out += PermissionName(g.permission);
    out += '\n';
  }
  return out;
}

Acl DecodeAcl(std::string_view stored, const std::string& owner_id) {
  if (stored.empty()) return OwnerOnly(owner_id);
  Acl acl;
  for (absl::string_view line : absl::StrSplit(absl::string_view(stored.data(), stored.size()),
                                               '\n', absl::SkipEmpty())) {
    std::vector<std::string> parts = absl::StrSplit(line, ' ');
    if (parts.size() != 3) continue;
    auto perm = ParsePermission(parts[2]);
    if (!perm) continue;
    acl.grants.push_back(Grant{parts[0] == "G", parts[1], *perm});
  }
  return acl;
}

std::optional<Acl> CannedAcl(std::string_view name, const std::string& owner_id,
                             const std::string& bucket_owner_id) {
  Acl acl = OwnerOnly(owner_id);
  auto group = [&acl](std::string_view uri, Permission p) {
    acl.grants.push_back(Grant{true, std::string(uri), p});
  };
  if (name == "private") return acl;
  if (name == "public-read") {
    group(kAllUsers, Permission::kRead);
    return acl;
  }
  if (name == "public-read-write") {
    group(kAllUsers, Permission::kRead);
    group(kAllUsers, Permission::kWrite);
    return acl;
  }
  if (name == "authenticated-read") {
    group(kAuthenticatedUsers, Permission::kRead);
    return acl;
  }
  if (name == "log-delivery-write") {
    group(kLogDelivery, Permission::kWrite);
    group(kLogDelivery, Permission::kReadAcp);
    return acl;
  }
  if (name == "bucket-owner-read" || name == "bucket-owner-full-control") {
    if (bucket_owner_id != owner_id) {
      acl.grants.push_back(Grant{false, bucket_owner_id,
                                 name == "bucket-owner-read" ? Permission::kRead
                                                             : Permission::kFullControl});
    }
    return acl;
  }
  if (name == "aws-exec-read") return acl;
  return std::nullopt;
}

std::variant<std::optional<Acl>, S3Error> AclFromHeaders(
    const std::vector<std::pair<std::string, std::string>>& headers, const std::string& owner_id,
    const std::string& bucket_owner_id) {
  static constexpr std::pair<std::string_view, Permission> kGrantHeaders[] = {
      {"x-amz-grant-read", Permission::kRead},
      {"x-amz-grant-write", Permission::kWrite},
      {"x-amz-grant-read-acp", Permission::kReadAcp},
      {"x-amz-grant-write-acp", Permission::kWriteAcp},
      {"x-amz-grant-full-control", Permission::kFullControl}};
  std::optional<std::string> canned;
  std::optional<Acl> granted;
  for (const auto& [raw_name, value] : headers) {
    std::string name = absl::AsciiStrToLower(raw_name);
    if (name == "x-amz-acl") {
      canned = value;
      continue;
    }
    for (const auto& [header, permission] : kGrantHeaders) {
      if (name != header) continue;
      if (!granted) granted = Acl{};
      // A comma-separated list of id="...", uri="..." or emailAddress="...".
      for (absl::string_view item : absl::StrSplit(value, ',', absl::SkipWhitespace())) {
        std::string entry(absl::StripAsciiWhitespace(item));
        size_t eq = entry.find('=');
        if (eq == std::string::npos) return S3Error::InvalidArgument("Invalid grant header",
                                                                     header.data(), value);
        std::string kind = absl::AsciiStrToLower(entry.substr(0, eq));
        std::string who = entry.substr(eq + 1);
        if (who.size() >= 2 && who.front() == '"' && who.back() == '"')
          who = who.substr(1, who.size() - 2);
        if (kind == "id") granted->grants.push_back(Grant{false, who, permission});
        else if (kind == "uri") granted->grants.push_back(Grant{true, who, permission});
        else if (kind == "emailaddress") return UnresolvableEmail(who);
        else return S3Error::InvalidArgument("Invalid grant header", std::string(header), value);
      }
    }
  }
  if (canned && granted) {
    return S3Error::InvalidRequest("Specifying both Canned ACLs and Header Grants is not "
                                   "allowed");
  }
  if (canned) {
    auto acl = CannedAcl(*canned, owner_id, bucket_owner_id);
    if (!acl) return S3Error::InvalidArgument("", "x-amz-acl", *canned);
    return acl;
  }
  return granted;
}

std::string AclXml(const Acl& acl, const std::string& owner_id,
                   const std::string& owner_display_name) {
  XmlWriter w;
  w.Open("AccessControlPolicy", true);
  w.Open("Owner").Element("ID", owner_id).Element("DisplayName", owner_display_name);
  w.Close("Owner");
  w.Open("AccessControlList");
  for (const auto& g : acl.grants) {
    w.Open("Grant");
    if (g.group) {
      w.Raw("<Grantee xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" "
            "xsi:type=\"Group\">");
      w.Element("URI", g.id);
    } else {
      w.Raw("<Grantee xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" "
            "xsi:type=\"CanonicalUser\">");
      w.Element("ID", g.id);
      if (g.id == owner_id) w.Element("DisplayName", owner_display_name);
    }
    w.Close("Grantee");
    w.Element("Permission", PermissionName(g.permission));
    w.Close("Grant");
  }
  w.Close("AccessControlList").Close("AccessControlPolicy");
  return w.Finish();
}

std::variant<Acl, S3Error> ParseAclXml(std::string_view xml) {
  auto doc = ParseXml(xml);
  if (!doc || doc->name != "AccessControlPolicy") return MalformedAcl();
  const XmlNode* list = doc->Child("AccessControlList");
  if (!list) return MalformedAcl();
  Acl acl;
  for (const XmlNode* grant : list->Children("Grant")) {
    const XmlNode* grantee = grant->Child("Grantee");
    auto perm = ParsePermission(grant->ChildText("Permission").value_or(""));
    if (!grantee || !perm) return MalformedAcl();
    if (auto id = grantee->ChildText("ID")) {
      acl.grants.push_back(Grant{false, *id, *perm});
    } else if (auto uri = grantee->ChildText("URI")) {
      acl.grants.push_back(Grant{true, *uri, *perm});
    } else if (auto email = grantee->ChildText("EmailAddress")) {
      return UnresolvableEmail(*email);
    } else {
      return MalformedAcl();
    }
  }
  return acl;
}

bool AclAllows(const Acl& acl, const std::string& requester_id, Permission wanted) {
  for (const auto& g : acl.grants) {
    if (g.permission != wanted && g.permission != Permission::kFullControl) continue;
    if (g.group) {
      if (g.id == kAllUsers) return true;
      if (g.id == kAuthenticatedUsers && !requester_id.empty()) return true;
    } else if (!requester_id.empty() && g.id == requester_id) {
      return true;
    }
  }
  return false;
}

bool IsOwnerOnly(const Acl& acl, const std::string& owner_id) {
  for (const auto& g : acl.grants) {
    if (g.group || g.id != owner_id) return false;
  }
  return true;
}

}  // namespace coffer::s3
