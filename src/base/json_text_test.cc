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

}  // namespace
}  // namespace coffer
