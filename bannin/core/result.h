// Result<T>: a value or an Error, shaped like C++23 std::expected so the move to the standard
// type is a rename (STYLE §3, "Expected operational failures"). [[nodiscard]] so a failure
// cannot be dropped unchecked.
#pragma once

#include <string>
#include <utility>
#include <variant>

#include <bannin/core/assert.h>

namespace bannin::core {

struct Error {
  std::string code;     ///< stable snake_case code, e.g. "file_not_found"
  std::string message;  ///< for people: what failed and where
};

template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}      // NOLINT(google-explicit-constructor)
  Result(Error error) : v_(std::move(error)) {}  // NOLINT(google-explicit-constructor)

  [[nodiscard]] bool has_value() const noexcept { return v_.index() == 0; }
  explicit operator bool() const noexcept { return has_value(); }
  T& value() & {
    BANNIN_ASSERT(has_value());
    return std::get<0>(v_);
  }
  const T& value() const& {
    BANNIN_ASSERT(has_value());
    return std::get<0>(v_);
  }
  T&& value() && {
    BANNIN_ASSERT(has_value());
    return std::get<0>(std::move(v_));
  }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T&& operator*() && { return std::move(*this).value(); }
  const Error& error() const {
    BANNIN_ASSERT(!has_value());
    return std::get<1>(v_);
  }

 private:
  std::variant<T, Error> v_;
};

inline Error make_error(std::string code, std::string message) {
  return Error{std::move(code), std::move(message)};
}

}  // namespace bannin::core
