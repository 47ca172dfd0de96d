#include "base/ids.h"

#include <gtest/gtest.h>

#include <sys/wait.h>
#include <unistd.h>

#include <cctype>
#include <set>
#include <string>

namespace coffer {
namespace {

TEST(RandomTest, EveryDrawIsNewWhateverItsSize) {
  std::set<std::string> seen;
  for (size_t n : {0, 1, 12, 16, 32, 255, 256, 257, 1000, 1024, 5000}) {
    for (int i = 0; i < 50; ++i) {
      std::string b = RandomBytes(n);
      ASSERT_EQ(b.size(), n);
      if (n >= 12) EXPECT_TRUE(seen.insert(b).second) << n;
      SecretBytes s = RandomSecret(n);
      ASSERT_EQ(s.size(), n);
      if (n >= 12) EXPECT_TRUE(seen.insert(std::string(s.view())).second) << n;
    }
  }
  // Bytes look random: over 64 KiB drawn 16 at a time, each value about equally often.
  std::array<int, 256> counts{};
  for (int i = 0; i < 4096; ++i)
    for (char c : RandomBytes(16)) ++counts[static_cast<uint8_t>(c)];
  for (int c : counts) EXPECT_GT(c, 128);  // 256 expected
}

TEST(RandomTest, AForkedChildDrawsOtherBytesThanItsParent) {
  (void)RandomBytes(16);  // the parent's buffers hold bytes now
  (void)RandomSecret(16);
  int fds[2];
  ASSERT_EQ(pipe(fds), 0);
  pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    std::string mine = RandomBytes(32) + std::string(RandomSecret(32).view());
    _exit(write(fds[1], mine.data(), mine.size()) == 64 ? 0 : 1);
  }
  close(fds[1]);
  std::string theirs(64, '\0');
  size_t got = 0;
  while (got < theirs.size()) {
    ssize_t n = read(fds[0], theirs.data() + got, theirs.size() - got);
    ASSERT_GT(n, 0);
    got += static_cast<size_t>(n);
  }
  close(fds[0]);
  int status = 0;
  waitpid(child, &status, 0);
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  std::string mine = RandomBytes(32) + std::string(RandomSecret(32).view());
  EXPECT_NE(mine.substr(0, 32), theirs.substr(0, 32));
  EXPECT_NE(mine.substr(32), theirs.substr(32));
}

TEST(Ids, UuidsAreVersion4InCanonicalForm) {
  const std::string a = NewUuid();
  ASSERT_EQ(a.size(), 36u) << a;
  for (size_t i = 0; i < a.size(); ++i) {
    if (i == 8 || i == 13 || i == 18 || i == 23) {
      EXPECT_EQ(a[i], '-') << a;
    } else {
      EXPECT_TRUE(std::isxdigit(static_cast<unsigned char>(a[i])) && !std::isupper(a[i])) << a;
    }
  }
  EXPECT_EQ(a[14], '4') << a;  // version
  EXPECT_NE(std::string("89ab").find(a[19]), std::string::npos) << a;  // RFC 4122 variant
  EXPECT_NE(a, NewUuid());
}

}  // namespace
}  // namespace coffer
