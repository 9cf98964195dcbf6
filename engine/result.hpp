// Result<T>: the cold-path error type across module boundaries (std::expected-shaped).
//
//   Result<InstrumentId> r = registry.add(...);
//   if (!r) { std::cerr << r.error().message; return 2; }
//   InstrumentId id = *r;
#pragma once

#include <string>
#include <utility>
#include <variant>

namespace sequent {

enum class ErrorCode : int {
  kOk = 0,
  kInvalidArgument,  // bad usage, config or input: exit code 2
  kParse,            // malformed input bytes: exit code 2
  kIo,               // file or system failure: exit code 1
  kCorrupt,          // journal or data integrity: exit code 2
  kDivergence,       // verification mismatch: exit code 3
  kInternal,         // a bug: exit code 1
};

struct Error {
  ErrorCode code = ErrorCode::kInternal;
  std::string message;  // what, which value, where, what to do
};

template <class T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}      // NOLINT: implicit by design
  Result(Error error) : v_(std::move(error)) {}  // NOLINT: implicit by design

  bool ok() const noexcept { return v_.index() == 0; }
  explicit operator bool() const noexcept { return ok(); }
  T& value() & { return std::get<0>(v_); }
  const T& value() const& { return std::get<0>(v_); }
  T&& value() && { return std::get<0>(std::move(v_)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  const Error& error() const { return std::get<1>(v_); }

 private:
  std::variant<T, Error> v_;
};

// Result<void> equivalent.
class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(Error error) : error_(std::move(error)), ok_(false) {}  // NOLINT: implicit by design
  bool ok() const noexcept { return ok_; }
  explicit operator bool() const noexcept { return ok_; }
  const Error& error() const { return error_; }

 private:
  Error error_;
  bool ok_ = true;
};

// Exit code for a failed result, as INTERFACE.md lists them.
constexpr int exit_code_for(ErrorCode c) noexcept {
  switch (c) {
    case ErrorCode::kOk: return 0;
    case ErrorCode::kInvalidArgument:
    case ErrorCode::kParse:
    case ErrorCode::kCorrupt: return 2;
    case ErrorCode::kDivergence: return 3;
    case ErrorCode::kIo:
    case ErrorCode::kInternal: return 1;
  }
  return 1;
}

}  // namespace sequent
