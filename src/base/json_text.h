// Compact JSON text from nlohmann trees, the same bytes as json::dump() but faster:
// a string with nothing to escape is copied in one piece, where dump() decodes every
// byte as UTF-8 and looks the locale up for each call. Text that is not UTF-8 has
// the bad bytes replaced by U+FFFD (dump() would throw).
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

}  // namespace coffer
