// Time formats on the wire. All in UTC.
//   AmzDate:     20150830T123600Z            (SigV4 X-Amz-Date)
//   Iso8601:     2009-10-12T17:50:30.000Z    (S3 XML LastModified, CreationDate)
//   HttpDate:    Wed, 21 Oct 2015 07:28:00 GMT (Last-Modified, Date; RFC 7231)
// Parsers return std::nullopt on malformed input.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "absl/time/time.h"

namespace coffer {

std::string FormatAmzDate(absl::Time t);
std::optional<absl::Time> ParseAmzDate(std::string_view s);
std::string FormatIso8601(absl::Time t);
std::optional<absl::Time> ParseIso8601(std::string_view s);
std::string FormatHttpDate(absl::Time t);
// Accepts RFC 1123, RFC 850 and asctime forms, as HTTP/1.1 requires.
std::optional<absl::Time> ParseHttpDate(std::string_view s);

}  // namespace coffer
