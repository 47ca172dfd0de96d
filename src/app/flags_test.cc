#include "app/flags.h"

#include <gtest/gtest.h>

namespace coffer::app {
namespace {

TEST(Flags, ParsesForms) {
  auto f = Flags::Parse({"--data", "d", "--domain=a", "--domain", "b", "--no-tls", "cmd"},
                        {"data", "domain"}, {"no-tls"});
  ASSERT_TRUE(f.ok());
  EXPECT_EQ(f->GetOr("data", ""), "d");
  EXPECT_EQ(f->GetAll("domain"), (std::vector<std::string>{"a", "b"}));
  EXPECT_TRUE(f->Has("no-tls"));
  EXPECT_EQ(f->positional(), std::vector<std::string>{"cmd"});
  EXPECT_FALSE(Flags::Parse({"--bogus"}, {"data"}, {}).ok());
  EXPECT_FALSE(Flags::Parse({"--data"}, {"data"}, {}).ok());
}

TEST(Flags, Sizes) {
  EXPECT_EQ(*ParseSize("4096"), 4096u);
  EXPECT_EQ(*ParseSize("4KiB"), 4096u);
  EXPECT_EQ(*ParseSize("64MiB"), 64u << 20);
  EXPECT_EQ(*ParseSize("5MB"), 5000000u);
  EXPECT_EQ(*ParseSize("0"), 0u);
  EXPECT_FALSE(ParseSize("MiB").ok());
  EXPECT_FALSE(ParseSize("-1GiB").ok());
  EXPECT_FALSE(ParseSize("99999999999TiB").ok());
}

TEST(Flags, HostPort) {
  EXPECT_EQ(ParseHostPort("127.0.0.1:9000")->port, 9000);
  EXPECT_EQ(ParseHostPort("[::1]:80")->host, "::1");
  EXPECT_EQ(ParseHostPort(":9000")->host, "0.0.0.0");
  EXPECT_FALSE(ParseHostPort("nohost").ok());
  EXPECT_FALSE(ParseHostPort("h:99999").ok());
}

}  // namespace
}  // namespace coffer::app
