#include "base/json_text.h"

#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdlib>

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

namespace {

// Recursive descent over RFC 8259. Each method leaves i_ after what it read and
// returns false at the first byte that cannot continue a JSON text.
class Parser {
 public:
  explicit Parser(std::string_view text) : s_(text) {}

  bool Document(json& out) {
    if (s_.starts_with("\xEF\xBB\xBF")) i_ = 3;
    Space();
    if (!Value(out, 0)) return false;
    Space();
    return i_ == s_.size();
  }

 private:
  bool More() const { return i_ < s_.size(); }
  char Peek() const { return s_[i_]; }

  void Space() {
    while (More() && (Peek() == ' ' || Peek() == '\t' || Peek() == '\n' || Peek() == '\r')) ++i_;
  }

  bool Expect(char c) {
    if (!More() || Peek() != c) return false;
    ++i_;
    return true;
  }

  bool Literal(std::string_view word) {
    if (s_.substr(i_, word.size()) != word) return false;
    i_ += word.size();
    return true;
  }

  bool Value(json& out, int depth) {
    if (!More()) return false;
    switch (Peek()) {
      case '{': return Object(out, depth + 1);
      case '[': return Array(out, depth + 1);
      case '"': {
        std::string text;
        if (!String(text)) return false;
        out = std::move(text);
        return true;
      }
      case 't': out = true; return Literal("true");
      case 'f': out = false; return Literal("false");
      case 'n': out = nullptr; return Literal("null");
      default: return Number(out);
    }
  }

  // An object or an array, from its opening bracket: elements read by `element`,
  // separated by commas, up to `close`.
  template <typename Element>
  bool Sequence(char close, int depth, Element element) {
    if (depth > kMaxJsonDepth) return false;
    ++i_;
    Space();
    if (Expect(close)) return true;
    while (true) {
      Space();
      if (!element()) return false;
      Space();
      if (Expect(',')) continue;
      return Expect(close);
    }
  }

  bool Object(json& out, int depth) {
    out = json::object();
    auto& members = out.get_ref<json::object_t&>();
    return Sequence('}', depth, [&] {
      std::string name;
      if (!More() || Peek() != '"' || !String(name)) return false;
      Space();
      if (!Expect(':')) return false;
      Space();
      // A repeated name keeps its last value, as json::parse does.
      return Value(members[std::move(name)], depth);
    });
  }

  bool Array(json& out, int depth) {
    out = json::array();
    auto& elements = out.get_ref<json::array_t&>();
    return Sequence(']', depth, [&] { return Value(elements.emplace_back(), depth); });
  }

  bool Hex4(uint32_t& v) {
    if (s_.size() - i_ < 4) return false;
    v = 0;
    for (int k = 0; k < 4; ++k) {
      const char c = s_[i_++];
      const int d = c >= '0' && c <= '9'   ? c - '0'
                    : c >= 'a' && c <= 'f' ? c - 'a' + 10
                    : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                           : -1;
      if (d < 0) return false;
      v = v << 4 | static_cast<uint32_t>(d);
    }
    return true;
  }

  static void AppendUtf8(std::string& out, uint32_t cp) {
    if (cp < 0x80) {
      out += static_cast<char>(cp);
    } else if (cp < 0x800) {
      out += static_cast<char>(0xc0 | cp >> 6);
      out += static_cast<char>(0x80 | (cp & 0x3f));
    } else if (cp < 0x10000) {
      out += static_cast<char>(0xe0 | cp >> 12);
      out += static_cast<char>(0x80 | (cp >> 6 & 0x3f));
      out += static_cast<char>(0x80 | (cp & 0x3f));
    } else {
      out += static_cast<char>(0xf0 | cp >> 18);
      out += static_cast<char>(0x80 | (cp >> 12 & 0x3f));
      out += static_cast<char>(0x80 | (cp >> 6 & 0x3f));
      out += static_cast<char>(0x80 | (cp & 0x3f));
    }
  }

  bool String(std::string& out) {
    ++i_;
    bool high = false;  // bytes above ASCII, to be checked as UTF-8 at the end
    while (true) {
      size_t j = i_;
      while (j < s_.size()) {
        const auto c = static_cast<unsigned char>(s_[j]);
        if (c == '"' || c == '\\' || c < 0x20) break;
        high |= c >= 0x80;
        ++j;
      }
      out.append(s_.data() + i_, j - i_);
      i_ = j;
      if (!More()) return false;
      if (Peek() == '"') {
        ++i_;
        return !high || IsValidUtf8(out);
      }
      if (Peek() != '\\') return false;  // a control character
      ++i_;
      if (!More()) return false;
      switch (s_[i_++]) {
        case '"': out += '"'; break;
        case '\\': out += '\\'; break;
        case '/': out += '/'; break;
        case 'b': out += '\b'; break;
        case 'f': out += '\f'; break;
        case 'n': out += '\n'; break;
        case 'r': out += '\r'; break;
        case 't': out += '\t'; break;
        case 'u': {
          uint32_t cp;
          if (!Hex4(cp)) return false;
          if (cp >= 0xd800 && cp <= 0xdbff) {  // a high surrogate: its low one must follow
            uint32_t low;
            if (!Literal("\\u") || !Hex4(low) || low < 0xdc00 || low > 0xdfff) return false;
            cp = 0x10000 + ((cp - 0xd800) << 10) + (low - 0xdc00);
          } else if (cp >= 0xdc00 && cp <= 0xdfff) {
            return false;
          }
          AppendUtf8(out, cp);
          break;
        }
        default: return false;
      }
    }
  }

  bool Digits() {
    const size_t start = i_;
    while (More() && Peek() >= '0' && Peek() <= '9') ++i_;
    return i_ > start;
  }

  bool Number(json& out) {
    const size_t start = i_;
    const bool negative = Expect('-');
    if (!More()) return false;
    if (Peek() == '0') {
      ++i_;
    } else if (Peek() < '1' || Peek() > '9' || !Digits()) {
      return false;
    }
    bool integer = true;
    if (Expect('.')) {
      integer = false;
      if (!Digits()) return false;
    }
    if (More() && (Peek() == 'e' || Peek() == 'E')) {
      ++i_;
      integer = false;
      if (More() && (Peek() == '+' || Peek() == '-')) ++i_;
      if (!Digits()) return false;
    }
    const char* first = s_.data() + start;
    const char* last = s_.data() + i_;
    if (integer) {
      if (negative) {
        int64_t v;
        if (std::from_chars(first, last, v).ec == std::errc()) {
          out = v;
          return true;
        }
      } else {
        uint64_t v;
        if (std::from_chars(first, last, v).ec == std::errc()) {
          out = v;
          return true;
        }
      }
    }
    // A fraction, an exponent, or an integer beyond 64 bits: a double, as json::parse
    // makes it (strtod; too large for a double is an error, too small rounds to zero).
    const std::string token(first, last);
    const double d = std::strtod(token.c_str(), nullptr);
    if (!std::isfinite(d)) return false;
    out = d;
    return true;
  }

  std::string_view s_;
  size_t i_ = 0;
};

}  // namespace

json ParseJson(std::string_view text) {
  json out;
  Parser p(text);
  if (!p.Document(out)) return json(json::value_t::discarded);
  return out;
}

}  // namespace coffer
