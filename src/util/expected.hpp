// A small must-check result type (C++20 has no std::expected).
//
// Library code returns Expected<T, E>; tools convert errors to messages at the edge
// (style-examples.md §10). The error type is usually a layer's typed status.
#pragma once

#include <cassert>
#include <type_traits>
#include <utility>
#include <variant>

namespace nv2 {

template <typename E>
struct Unexpected {
  E error;
};
template <typename E>
Unexpected(E) -> Unexpected<E>;

template <typename T, typename E>
class [[nodiscard]] Expected {
 public:
  Expected(T value) : v_(std::in_place_index<0>, std::move(value)) {}  // NOLINT(implicit)
  template <typename U>
  Expected(Unexpected<U> e) : v_(std::in_place_index<1>, E(std::move(e.error))) {}  // NOLINT

  bool has_value() const { return v_.index() == 0; }
  explicit operator bool() const { return has_value(); }

  T& value() & { assert(has_value() && "value() of an error"); return std::get<0>(v_); }
  const T& value() const& { assert(has_value() && "value() of an error"); return std::get<0>(v_); }
  T&& value() && { assert(has_value() && "value() of an error"); return std::get<0>(std::move(v_)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

  const E& error() const { assert(!has_value() && "error() of a value"); return std::get<1>(v_); }

 private:
  std::variant<T, E> v_;
};

// Expected<void, E>: success or an error.
template <typename E>
class [[nodiscard]] Expected<void, E> {
 public:
  Expected() = default;
  template <typename U>
  Expected(Unexpected<U> e) : err_(E(std::move(e.error))), ok_(false) {}  // NOLINT

  bool has_value() const { return ok_; }
  explicit operator bool() const { return ok_; }
  const E& error() const { assert(!ok_ && "error() of a value"); return err_; }

 private:
  E err_{};
  bool ok_ = true;
};

}  // namespace nv2

// Propagate an error: NV2_TRY(expr) evaluates expr and returns its error from the caller.
#define NV2_TRY(expr)                                   \
  do {                                                  \
    auto&& nv2_try_result_ = (expr);                    \
    if (!nv2_try_result_) return ::nv2::Unexpected{nv2_try_result_.error()}; \
  } while (false)
