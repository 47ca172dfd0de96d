#include "base/json_text.h"

#include "base/encoding.h"

namespace coffer {

using nlohmann::json;

void AppendJsonString(std::string& out, std::string_view s) {
  const size_t start = out.size();
  out += '"';
  size_t plain = 0;  // where the bytes not yet copied begin
  bool utf8_checked = false;
  for (size_t i = 0; i < s.size(); ++i) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c >= 0x20 && c < 0x80 && c != '"' && c != '\\') continue;
    if (c >= 0x80) {
      if (utf8_checked) continue;
      if (!IsValidUtf8(s)) {  // rare: let nlohmann replace what is not UTF-8
        out.resize(start);
        out += json(std::string(s)).dump(-1, ' ', false, json::error_handler_t::replace);
        return;
      }
      utf8_checked = true;
      continue;
    }
    out.append(s.data() + plain, i - plain);
    plain = i + 1;
    switch (c) {  // the escapes dump() writes
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\b': out += "\\b"; break;
      case '\f': out += "\\f"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default: out += "\\u00" + HexLower(s.substr(i, 1));
    }
  }
  out.append(s.data() + plain, s.size() - plain);
  out += '"';
}

void AppendJson(std::string& out, const json& v) {
  switch (v.type()) {
    case json::value_t::string:
      AppendJsonString(out, v.get_ref<const std::string&>());
      return;
    case json::value_t::object: {
      out += '{';
      bool first = true;
      for (const auto& [name, member] : v.items()) {
        if (!first) out += ',';
        first = false;
        AppendJsonString(out, name);
        out += ':';
        AppendJson(out, member);
      }
      out += '}';
      return;
    }
    case json::value_t::array: {
      out += '[';
      bool first = true;
      for (const auto& element : v) {
        if (!first) out += ',';
        first = false;
        AppendJson(out, element);
      }
      out += ']';
      return;
    }
    default:  // null, booleans and numbers: nothing to escape
      out += v.dump();
      return;
  }
}

std::string JsonText(const json& v) {
  std::string out;
  out.reserve(256);
  AppendJson(out, v);
  return out;
}

}  // namespace coffer
