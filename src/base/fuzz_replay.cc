// A main() for fuzz targets when the compiler has no libFuzzer (the GCC build): runs
// LLVMFuzzerTestOneInput on every file of the corpus directories given, then on
// deterministic mutations of each (bit flips, byte changes, insertions, truncations and
// splices between inputs), so that ctest exercises the target on every build.
// Usage: <target> [--mutations=N] DIR|FILE...
// The clang build (scripts/fuzz.sh) links the same target with -fsanitize=fuzzer instead.
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

namespace {

void Run(const std::string& input) {
  // A copy of exactly `size` bytes, so that sanitizers see reads past the end.
  std::vector<uint8_t> bytes(input.begin(), input.end());
  LLVMFuzzerTestOneInput(bytes.data(), bytes.size());
}

std::string Mutate(const std::string& in, const std::vector<std::string>& all,
                   std::mt19937_64& rng) {
  std::string s = in;
  auto pick = [&rng](size_t n) { return n == 0 ? 0 : static_cast<size_t>(rng() % n); };
  static const char* kTokens[] = {"{", "}", "[", "]", "\"", ":", ",", "*", "${", "\\u0000",
                                  "null", "true", "1e999", "\"Allow\"", "\"Deny\"",
                                  "\"Condition\"", "\"ForAllValues:StringLike\"",
                                  "\"IfExists\"", "\"Principal\"", "\"NotAction\""};
  int edits = 1 + static_cast<int>(rng() % 4);
  for (int i = 0; i < edits; ++i) {
    switch (rng() % 6) {
      case 0:
        if (!s.empty()) s[pick(s.size())] ^= static_cast<char>(1 << (rng() % 8));
        break;
      case 1:
        if (!s.empty()) s[pick(s.size())] = static_cast<char>(rng());
        break;
      case 2:
        s.insert(pick(s.size() + 1), kTokens[pick(std::size(kTokens))]);
        break;
      case 3:
        if (!s.empty()) s.erase(pick(s.size()), 1 + pick(8));
        break;
      case 4:
        s.resize(pick(s.size() + 1));
        break;
      case 5: {
        const std::string& other = all[pick(all.size())];
        size_t from = pick(other.size() + 1);
        s.insert(pick(s.size() + 1), other.substr(from, pick(64)));
        break;
      }
    }
  }
  return s;
}

}  // namespace

int main(int argc, char** argv) {
  long mutations = 200;
  std::vector<std::string> inputs;
  for (int i = 1; i < argc; ++i) {
    if (std::strncmp(argv[i], "--mutations=", 12) == 0) {
      mutations = std::strtol(argv[i] + 12, nullptr, 10);
      continue;
    }
    std::filesystem::path path(argv[i]);
    std::vector<std::filesystem::path> files;
    if (std::filesystem::is_directory(path)) {
      for (const auto& e : std::filesystem::directory_iterator(path))
        if (e.is_regular_file()) files.push_back(e.path());
      std::sort(files.begin(), files.end());
    } else {
      files.push_back(path);
    }
    for (const auto& f : files) {
      std::ifstream in(f, std::ios::binary);
      if (!in) {
        std::fprintf(stderr, "cannot read %s\n", f.c_str());
        return 2;
      }
      inputs.emplace_back(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    }
  }
  if (inputs.empty()) {
    std::fprintf(stderr, "usage: %s [--mutations=N] DIR|FILE...\n", argv[0]);
    return 2;
  }
  std::mt19937_64 rng(0x5eed);
  long runs = 0;
  for (const auto& input : inputs) {
    Run(input);
    ++runs;
    for (long m = 0; m < mutations; ++m, ++runs) Run(Mutate(input, inputs, rng));
  }
  std::printf("%ld inputs run (%zu corpus files)\n", runs, inputs.size());
  return 0;
}
