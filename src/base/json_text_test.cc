#include "base/json_text.h"

#include <gtest/gtest.h>

#include <random>

namespace coffer {
namespace {

using nlohmann::json;

TEST(JsonText, EscapesLikeDump) {
  std::string all;
  for (int c = 1; c < 0x80; ++c) all += static_cast<char>(c);
  all += "\xc3\xa9 \xe2\x82\xac \xf0\x9f\x94\x91";  // é € and a key emoji
  all += std::string(1, '\0');
  EXPECT_EQ(JsonText(all), json(all).dump());
}

TEST(JsonText, ReplacesWhatIsNotUtf8) {
  EXPECT_EQ(JsonText(std::string("a\xff")), "\"a\xef\xbf\xbd\"");
}

// Random trees: objects, arrays, numbers, booleans, null, and strings drawn from
// characters that need escaping, plain ASCII and multi-byte UTF-8.
json RandomTree(std::mt19937& rng, int depth) {
  static const std::vector<std::string> pieces = {
      "a", "Z", "0", " ", "\"", "\\", "/", "\b", "\f", "\n", "\r", "\t", std::string(1, '\x01'),
      "\x1f", "\x7f", "\xc3\xa9", "\xe2\x82\xac", "\xf0\x9f\x94\x91", "arn:aws:kms:"};
  auto str = [&] {
    std::string s;
    for (size_t n = rng() % 12; n > 0; --n) s += pieces[rng() % pieces.size()];
    return s;
  };
  switch (depth <= 0 ? rng() % 6 : rng() % 8) {
    case 0: return str();
    case 1: return static_cast<int64_t>(rng()) - (1 << 30);
    case 2: return static_cast<double>(rng()) / 7.0;
    case 3: return rng() % 2 == 0;
    case 4: return nullptr;
    case 5: return static_cast<uint64_t>(rng()) << 32;
    case 6: {
      json o = json::object();
      for (size_t n = rng() % 5; n > 0; --n) o[str()] = RandomTree(rng, depth - 1);
      return o;
    }
    default: {
      json a = json::array();
      for (size_t n = rng() % 5; n > 0; --n) a.push_back(RandomTree(rng, depth - 1));
      return a;
    }
  }
}

TEST(JsonText, SameBytesAsDumpForRandomTrees) {
  std::mt19937 rng(8259);
  for (int i = 0; i < 2000; ++i) {
    json v = RandomTree(rng, 4);
    ASSERT_EQ(JsonText(v), v.dump()) << i;
  }
}

// Same tree, and the same type at every node (json's == takes 1u and 1 as equal).
bool SameTree(const json& a, const json& b) {
  if (a.type() != b.type()) return false;
  if (a.is_object()) {
    if (a.size() != b.size()) return false;
    for (auto ia = a.begin(), ib = b.begin(); ia != a.end(); ++ia, ++ib)
      if (ia.key() != ib.key() || !SameTree(ia.value(), ib.value())) return false;
    return true;
  }
  if (a.is_array()) {
    if (a.size() != b.size()) return false;
    for (size_t i = 0; i < a.size(); ++i)
      if (!SameTree(a[i], b[i])) return false;
    return true;
  }
  return a == b;
}

// ParseJson against json::parse: both refuse, or both give the same tree.
void ExpectParsesLikeNlohmann(const std::string& text) {
  json ours = ParseJson(text);
  json theirs = json::parse(text, nullptr, false);
  ASSERT_EQ(ours.is_discarded(), theirs.is_discarded()) << "text: " << text;
  if (!ours.is_discarded()) ASSERT_TRUE(SameTree(ours, theirs)) << "text: " << text;
}

TEST(ParseJson, EdgeCasesAsNlohmann) {
  for (const char* text :
       {"", " ", "{", "}", "[", "[1,]", "[,1]", "{\"a\":1,}", "{\"a\" 1}", "{a:1}", "{\"a\":}",
        "01", "-", "-01", "1.", ".5", "1e", "1e+", "+1", "1E5", "1e-5", "-0", "-0.0", "0e0",
        "1e400", "-1e400", "1e-400", "18446744073709551615", "18446744073709551616",
        "-9223372036854775808", "-9223372036854775809", "123456789012345678901234567890",
        "true", "tru", "truex", "null", "nulll", "false", "[true,false,null]", "\"\\u12\"",
        "\"\\u00e9\"", "\"\\uD83D\\uDD11\"", "\"\\ud800\"", "\"\\udc00\"", "\"\\ud800\\u0041\"",
        "\"\\ud800\\udbff\"", "\"\\u0000\"", "\"\\x\"", "\"\\/\"", "\"a\tb\"", "\"a\nb\"",
        "\"\x7f\"", "\"\xc3\x28\"", "\"\xed\xa0\x80\"", "\"\xc0\xaf\"", "\"\xf4\x90\x80\x80\"",
        "\"\xe2\x82\xac\"", "\xEF\xBB\xBF{}", "\xEF\xBB{}", "{\"a\":1}{}", "[]]", "{} ",
        " \t\r\n{ \"a\" : [ 1 , 2 ] } \n", "{\"a\":1,\"a\":2}", "[[[[]]]]", "\"unterminated",
        "{\"KeyId\":\"alias/x\",\"NumberOfBytes\":32}"}) {
    ExpectParsesLikeNlohmann(text);
  }
}

TEST(ParseJson, RandomDocumentsAndTheirMutationsAsNlohmann) {
  std::mt19937 rng(4627);
  const std::string interesting = "{}[]\",:\\0123456789.eE+-tfnu \t\n\x01\x7f\xc3\xa9\xed\xa0";
  for (int i = 0; i < 3000; ++i) {
    json tree = RandomTree(rng, 4);
    // As dump writes it, with \u escapes for everything beyond ASCII, and indented.
    std::vector<std::string> texts = {tree.dump(), tree.dump(-1, ' ', true), tree.dump(1)};
    for (const std::string& text : texts) {
      ExpectParsesLikeNlohmann(text);
      std::string m = text;
      for (int k = 0; k < 3; ++k) {  // a few random edits
        const size_t at = m.empty() ? 0 : rng() % m.size();
        switch (rng() % 4) {
          case 0: if (!m.empty()) m.erase(at, 1); break;
          case 1: m.insert(at, 1, interesting[rng() % interesting.size()]); break;
          case 2: if (!m.empty()) m[at] = interesting[rng() % interesting.size()]; break;
          default: m.resize(at); break;
        }
        ExpectParsesLikeNlohmann(m);
      }
    }
  }
}

TEST(ParseJson, RefusesNestingBeyondItsBound) {
  const std::string ok = std::string(kMaxJsonDepth, '[') + std::string(kMaxJsonDepth, ']');
  EXPECT_FALSE(ParseJson(ok).is_discarded());
  const std::string deep = "[" + ok + "]";
  EXPECT_TRUE(ParseJson(deep).is_discarded());
  EXPECT_TRUE(ParseJson(std::string(100000, '{')).is_discarded());
}

}  // namespace
}  // namespace coffer
