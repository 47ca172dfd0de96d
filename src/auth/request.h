// SignableRequest: the parts of an HTTP request SigV4 covers, independent of any
// HTTP library. The server fills one from the received request; the client side
// (replication, coffer-bench) fills one before signing.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace coffer::auth {

struct SignableRequest {
  std::string method;  // "GET", "PUT", ...
  // The path exactly as it appears on the wire (still percent-encoded), without the
  // query string, e.g. "/my-bucket/photos/a%20b.jpg".
  std::string raw_path;
  // The query string as on the wire, without '?', e.g. "list-type=2&prefix=a%2Fb".
  std::string raw_query;
  // Header names in any case; values as received. Repeated names may appear.
  std::vector<std::pair<std::string, std::string>> headers;

  // First value of a header (case-insensitive name), or "" if absent.
  std::string Header(std::string_view name) const;
  bool HasHeader(std::string_view name) const;
};

}  // namespace coffer::auth
