// JsonOut: a small append-only JSON writer for the venue's responses, with the field order the
// caller writes (Binance's documented order). Cold path: builds one std::string per message.
//
//   JsonOut j;  j.begin_object().kv_str("symbol", "BTCUSDT").kv_int("orderId", 28).end_object();
//   std::string body = j.take();
#pragma once

#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>
#include <vector>

namespace sequent::binance_venue {

// Fixed-point raw (1e-8 units) as Binance prints it: always 8 decimals ("0.00100000").
inline std::string fmt8(std::int64_t raw) {
  const bool negative = raw < 0;
  const std::uint64_t magnitude =
      negative ? static_cast<std::uint64_t>(-(raw + 1)) + 1 : static_cast<std::uint64_t>(raw);
  char buf[32];
  const int n = std::snprintf(buf, sizeof buf, "%s%llu.%08llu", negative ? "-" : "",
                              static_cast<unsigned long long>(magnitude / 100'000'000ULL),
                              static_cast<unsigned long long>(magnitude % 100'000'000ULL));
  return std::string(buf, static_cast<std::size_t>(n));
}

class JsonOut {
 public:
  JsonOut& begin_object() { value_prefix(); out_.push_back('{'); first_.push_back(true); return *this; }
  JsonOut& end_object() { out_.push_back('}'); first_.pop_back(); return *this; }
  JsonOut& begin_array() { value_prefix(); out_.push_back('['); first_.push_back(true); return *this; }
  JsonOut& end_array() { out_.push_back(']'); first_.pop_back(); return *this; }
  JsonOut& key(std::string_view k) {
    value_prefix();
    write_string(k);
    out_.push_back(':');
    after_key_ = true;
    return *this;
  }
  JsonOut& str(std::string_view v) { value_prefix(); write_string(v); return *this; }
  JsonOut& integer(std::int64_t v) { value_prefix(); out_ += std::to_string(v); return *this; }
  JsonOut& uinteger(std::uint64_t v) { value_prefix(); out_ += std::to_string(v); return *this; }
  JsonOut& boolean(bool v) { value_prefix(); out_ += v ? "true" : "false"; return *this; }
  JsonOut& null() { value_prefix(); out_ += "null"; return *this; }
  JsonOut& raw(std::string_view json) { value_prefix(); out_ += json; return *this; }
  JsonOut& dec8(std::int64_t raw) { return str(fmt8(raw)); }

  JsonOut& kv_str(std::string_view k, std::string_view v) { return key(k).str(v); }
  JsonOut& kv_int(std::string_view k, std::int64_t v) { return key(k).integer(v); }
  JsonOut& kv_uint(std::string_view k, std::uint64_t v) { return key(k).uinteger(v); }
  JsonOut& kv_bool(std::string_view k, bool v) { return key(k).boolean(v); }
  JsonOut& kv_null(std::string_view k) { return key(k).null(); }
  JsonOut& kv_raw(std::string_view k, std::string_view json) { return key(k).raw(json); }
  JsonOut& kv_dec8(std::string_view k, std::int64_t raw) { return key(k).dec8(raw); }

  [[nodiscard]] const std::string& view() const noexcept { return out_; }
  [[nodiscard]] std::string take() { return std::move(out_); }

 private:
  void value_prefix() {
    if (after_key_) {
      after_key_ = false;
      return;
    }
    if (!first_.empty()) {
      if (!first_.back()) out_.push_back(',');
      first_.back() = false;
    }
  }
  void write_string(std::string_view s) {
    out_.push_back('"');
    for (char ch : s) {
      const auto c = static_cast<unsigned char>(ch);
      if (c == '"' || c == '\\') {
        out_.push_back('\\');
        out_.push_back(ch);
      } else if (c < 0x20) {
        char buf[8];
        std::snprintf(buf, sizeof buf, "\\u%04x", c);
        out_ += buf;
      } else {
        out_.push_back(ch);
      }
    }
    out_.push_back('"');
  }

  std::string out_;
  std::vector<bool> first_;
  bool after_key_ = false;
};

}  // namespace sequent::binance_venue
