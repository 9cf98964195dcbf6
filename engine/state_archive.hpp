// StateArchive: one description of a component's state, used three ways.
//
//   void Foo::archive(StateArchive& a) { a.i64(count_); a.fixed(price_); a.boolean(open_); }
//
// In kHash mode it feeds the state hash (StateHasher: FNV-1a, little-endian at each field's
// width, doubles as IEEE-754 bits); in kWrite mode it appends the same fields to a snapshot; in
// kRead mode it restores them from one. Because hash and snapshot are the same list, a restored
// core has the same state hash as the one that wrote the snapshot, by construction.
// kHash never allocates (checkpoints run on stage threads); kWrite/kRead are cold.
#pragma once

#include <bit>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <type_traits>

#include "engine/fixed_point.hpp"
#include "engine/state_hash.hpp"

namespace sequent {

class StateArchive {
 public:
  enum class Mode : std::uint8_t { kHash, kWrite, kRead };

  static StateArchive hasher() noexcept { return StateArchive(Mode::kHash); }
  static StateArchive writer() { return StateArchive(Mode::kWrite); }
  static StateArchive reader(std::string_view bytes) noexcept {
    StateArchive a(Mode::kRead);
    a.in_ = bytes;
    return a;
  }

  Mode mode() const noexcept { return mode_; }
  bool reading() const noexcept { return mode_ == Mode::kRead; }

  void u64(std::uint64_t& v) noexcept { raw(v); }
  void i64(std::int64_t& v) noexcept { raw(v); }
  void u32(std::uint32_t& v) noexcept { raw(v); }
  void i32(std::int32_t& v) noexcept { raw(v); }
  void u16(std::uint16_t& v) noexcept { raw(v); }
  void u8(std::uint8_t& v) noexcept { raw(v); }
  void boolean(bool& v) noexcept {
    std::uint8_t b = v ? 1 : 0;
    raw(b);
    v = b != 0;
  }
  void f64(double& v) noexcept {
    std::uint64_t bits = std::bit_cast<std::uint64_t>(v);
    raw(bits);
    v = std::bit_cast<double>(bits);
  }
  template <class Tag>
  void fixed(Fixed<Tag>& v) noexcept {
    std::int64_t r = v.raw();
    raw(r);
    v = Fixed<Tag>::from_raw(r);
  }
  template <class E>
    requires std::is_enum_v<E>
  void enumeration(E& e) noexcept {
    auto u = static_cast<std::underlying_type_t<E>>(e);
    raw(u);
    e = static_cast<E>(u);
  }
  // A section tag: hashed and written, checked on read (catches snapshot/config mismatches).
  void tag(std::string_view name) noexcept {
    for (char c : name) {
      auto b = static_cast<std::uint8_t>(c);
      const std::uint8_t expected = b;
      raw(b);
      if (b != expected) ok_ = false;
    }
  }
  // A count that must equal `expected` on read (fixed-size collections sized by config).
  void expect_count(std::uint64_t expected) noexcept {
    std::uint64_t n = expected;
    raw(n);
    if (n != expected) ok_ = false;
  }

  // false once a read ran past the end or a tag/count did not match.
  bool ok() const noexcept { return ok_; }
  bool at_end() const noexcept { return pos_ == in_.size(); }
  std::uint64_t hash() const noexcept { return hasher_.value(); }
  const std::string& bytes() const noexcept { return out_; }
  void fail() noexcept { ok_ = false; }

 private:
  explicit StateArchive(Mode m) noexcept : mode_(m) {}

  template <class T>
  void raw(T& v) noexcept {
    static_assert(std::is_integral_v<T>);
    using U = std::make_unsigned_t<T>;
    switch (mode_) {
      case Mode::kHash: {
        U u = static_cast<U>(v);
        for (std::size_t i = 0; i < sizeof(T); ++i) hasher_.add_byte(static_cast<std::uint8_t>(u >> (8 * i)));
        return;
      }
      case Mode::kWrite: {
        U u = static_cast<U>(v);
        for (std::size_t i = 0; i < sizeof(T); ++i) out_.push_back(static_cast<char>(static_cast<std::uint8_t>(u >> (8 * i))));
        return;
      }
      case Mode::kRead: {
        if (!ok_ || in_.size() - pos_ < sizeof(T)) {
          ok_ = false;
          return;
        }
        U u = 0;
        for (std::size_t i = 0; i < sizeof(T); ++i)
          u = static_cast<U>(u | static_cast<U>(static_cast<U>(static_cast<std::uint8_t>(in_[pos_ + i])) << (8 * i)));
        pos_ += sizeof(T);
        v = static_cast<T>(u);
        return;
      }
    }
  }

  Mode mode_;
  StateHasher hasher_;
  std::string out_;
  std::string_view in_;
  std::size_t pos_ = 0;
  bool ok_ = true;
};

}  // namespace sequent
