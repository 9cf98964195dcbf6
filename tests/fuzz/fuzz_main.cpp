// Corpus-replay driver for the fuzz targets when libFuzzer is not linked (every non-fuzz build):
// runs LLVMFuzzerTestOneInput on every file of the corpus directories given on the command line,
// then on N mutations of them from a fixed seed (SEQUENT_TEST_SEED overrides; printed on
// failure). Success means no crash, no sanitizer report and no hang: errors are values.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "tests/fuzz/fuzz_target.hpp"

int main(int argc, char** argv) {
  std::vector<std::string> corpus;
  long mutations = 20000;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a.rfind("--mutations=", 0) == 0) {
      mutations = std::strtol(a.c_str() + 12, nullptr, 10);
      continue;
    }
    for (const auto& entry : std::filesystem::directory_iterator(a)) {
      std::ifstream f(entry.path(), std::ios::binary);
      std::stringstream ss;
      ss << f.rdbuf();
      corpus.push_back(ss.str());
    }
  }
  if (corpus.empty()) corpus.push_back("");
  for (const std::string& c : corpus) LLVMFuzzerTestOneInput(reinterpret_cast<const std::uint8_t*>(c.data()), c.size());
  std::uint64_t seed = 20261123;
  if (const char* s = std::getenv("SEQUENT_TEST_SEED")) seed = std::strtoull(s, nullptr, 10);
  std::fprintf(stderr, "fuzz replay: %zu corpus inputs, %ld mutations, seed %llu\n", corpus.size(), mutations,
               static_cast<unsigned long long>(seed));
  std::uint64_t x = seed | 1;
  auto next = [&x] {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    return x;
  };
  static const char kInteresting[] = "0123456789.-+eE \t\n\r\"'=[]{}#,:\\\x00\xff";
  for (long m = 0; m < mutations; ++m) {
    std::string in = corpus[next() % corpus.size()];
    const int edits = 1 + static_cast<int>(next() % 8);
    for (int e = 0; e < edits; ++e) {
      const std::size_t pos = in.empty() ? 0 : next() % (in.size() + 1);
      switch (next() % 5) {
        case 0:  // flip a bit
          if (!in.empty()) in[pos % in.size()] = static_cast<char>(in[pos % in.size()] ^ (1 << (next() % 8)));
          break;
        case 1:  // insert an interesting byte
          in.insert(in.begin() + static_cast<std::ptrdiff_t>(pos), kInteresting[next() % (sizeof(kInteresting) - 1)]);
          break;
        case 2:  // delete a byte
          if (!in.empty()) in.erase(pos % in.size(), 1);
          break;
        case 3:  // duplicate a slice
          if (!in.empty()) in.insert(pos, in.substr(next() % in.size(), 1 + next() % 16));
          break;
        default:  // truncate
          in.resize(pos);
          break;
      }
    }
    LLVMFuzzerTestOneInput(reinterpret_cast<const std::uint8_t*>(in.data()), in.size());
  }
  return 0;
}
