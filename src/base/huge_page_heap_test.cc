// The heap's large blocks come from 2 MiB-aligned regions the kernel may back with
// transparent huge pages (huge_page_heap.cc, linked with tcmalloc into this test).
#include <gtest/gtest.h>

#include <cstdint>
#include <cstdio>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>

namespace {

// The smaps entry of the mapping that holds `p`.
std::string MappingOf(const void* p) {
  std::ifstream smaps("/proc/self/smaps");
  const auto addr = reinterpret_cast<uintptr_t>(p);
  std::string line, entry;
  bool inside = false;
  while (std::getline(smaps, line)) {
    unsigned long lo, hi;
    if (std::sscanf(line.c_str(), "%lx-%lx ", &lo, &hi) == 2 && line.find(':') > 8) {
      if (inside) return entry;
      inside = addr >= lo && addr < hi;
      entry.clear();
    }
    if (inside) entry += line + "\n";
  }
  return inside ? entry : "";
}

std::string ThpMode() {
  std::ifstream f("/sys/kernel/mm/transparent_hugepage/enabled");
  std::string s;
  std::getline(f, s);
  return s;
}

TEST(HugePageHeap, LargeBlocksLieInRegionsMarkedForHugePages) {
  auto block = std::make_unique<char[]>(8 << 20);  // from tcmalloc's page heap
  block[0] = 1;
  std::string mapping = MappingOf(block.get());
  ASSERT_FALSE(mapping.empty());
  unsigned long lo = 0, hi = 0;
  ASSERT_EQ(std::sscanf(mapping.c_str(), "%lx-%lx", &lo, &hi), 2);
  EXPECT_EQ(lo % (2 << 20), 0u) << mapping;  // regions start on a huge page boundary
  // "hg" in VmFlags: madvise(MADV_HUGEPAGE) was applied to the region.
  EXPECT_NE(mapping.find("VmFlags:"), std::string::npos);
  EXPECT_NE(mapping.substr(mapping.find("VmFlags:")).find(" hg"), std::string::npos) << mapping;
  if (ThpMode().find("[never]") == std::string::npos) {
    // The kernel would back the region with huge pages.
    std::istringstream fields(mapping.substr(mapping.find("THPeligible:")));
    std::string name;
    int eligible = 0;
    fields >> name >> eligible;
    EXPECT_EQ(eligible, 1) << mapping;
  }
}

}  // namespace
