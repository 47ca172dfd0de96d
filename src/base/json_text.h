// JSON text to and from nlohmann trees, faster than nlohmann's own for the small
// documents of the JSON APIs.
//
// Writing gives the same bytes as json::dump(): a string with nothing to escape is
// copied in one piece, where dump() decodes every byte as UTF-8 and looks the locale
// up for each call. Text that is not UTF-8 has the bad bytes replaced by U+FFFD (dump()
// would throw).
//
// ParseJson accepts what json::parse accepts (RFC 8259, strictly; a leading UTF-8 byte
// order mark) and builds the same tree, numbers typed alike: a non-negative integer is
// unsigned, a negative one signed, and one too large for 64 bits a float. It reads a
// string in runs rather than byte by byte. Unlike json::parse it refuses nesting deeper
// than kMaxJsonDepth (its recursion is bounded).
#pragma once

#include <nlohmann/json.hpp>

#include <string>
#include <string_view>

namespace coffer {

// Appends `s` as a quoted JSON string.
void AppendJsonString(std::string& out, std::string_view s);
// Appends the whole tree.
void AppendJson(std::string& out, const nlohmann::json& v);
std::string JsonText(const nlohmann::json& v);

inline constexpr int kMaxJsonDepth = 512;
// The tree, or a discarded value (is_discarded()) when `text` is not one JSON value.
nlohmann::json ParseJson(std::string_view text);

}  // namespace coffer
