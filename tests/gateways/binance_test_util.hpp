// Shared helpers of the Binance protocol tests: the symbol table and the sample files in
// ../shared/data/protocol-samples/binance (resolved from the repository root, the tests'
// working directory; the tests skip when the folder is absent).
#pragma once

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "gateways/binance/parser.hpp"

namespace sequent::binance::test {

inline const std::string kSamples = "../shared/data/protocol-samples/binance/";

inline constexpr InstrumentId kBtcUsdt = 0, kEthUsdt = 1, kBnbBtc = 2, kEthBtc = 3, kBnbUsdt = 4, kLtcBtc = 5;

inline std::vector<SymbolBinding> bindings() {
  return {{"BTCUSDT", kBtcUsdt, "BTC", "USDT"}, {"ETHUSDT", kEthUsdt, "ETH", "USDT"},
          {"BNBBTC", kBnbBtc, "BNB", "BTC"},    {"ETHBTC", kEthBtc, "ETH", "BTC"},
          {"BNBUSDT", kBnbUsdt, "BNB", "USDT"}, {"LTCBTC", kLtcBtc, "LTC", "BTC"}};
}

inline std::optional<std::string> read_file(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) return std::nullopt;
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

// Replaces the first occurrence of `from` (which must exist) with `to`.
inline std::string replace_once(std::string s, const std::string& from, const std::string& to) {
  const auto pos = s.find(from);
  EXPECT_NE(pos, std::string::npos) << "fixture text not found: " << from;
  if (pos != std::string::npos) s.replace(pos, from.size(), to);
  return s;
}

inline Price px(const char* s) {
  Price p;
  EXPECT_EQ(parse_decimal(s, p), ParseStatus::kOk) << s;
  return p;
}
inline Qty qty(const char* s) {
  Qty q;
  EXPECT_EQ(parse_decimal(s, q), ParseStatus::kOk) << s;
  return q;
}
inline Money money(const char* s) {
  Money m;
  EXPECT_EQ(parse_decimal(s, m), ParseStatus::kOk) << s;
  return m;
}

}  // namespace sequent::binance::test

#define SEQUENT_LOAD_SAMPLE(var, name)                                                        \
  std::string var;                                                                           \
  {                                                                                          \
    auto loaded_ = ::sequent::binance::test::read_file(::sequent::binance::test::kSamples + (name)); \
    if (!loaded_) GTEST_SKIP() << "sample " << (name) << " absent: ../shared/data/protocol-samples/binance not found from " \
                               << std::filesystem::current_path();                           \
    var = std::move(*loaded_);                                                               \
  }
