// Result<T> and Error: how everything that can fail through input or environment
// reports failure (DESIGN §8). No exceptions on the data path.
// Each protocol maps ErrorCode to its replies in exactly one function.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <variant>

namespace postamt {

// One protocol-neutral taxonomy (DESIGN §8).
enum class ErrorCode {
  temp,        // transient: retry later (disk busy, database locked, timeout)
  not_found,   // the thing asked for does not exist
  exists,      // the thing to create exists already
  no_quota,    // over quota
  too_big,     // over a size limit
  in_use,      // locked by someone else (POP3 maildrop, ...)
  permission,  // not allowed for this principal
  params,      // bad arguments / malformed input
  internal,    // a bug or an unexpected environment failure
};

const char* to_string(ErrorCode code);

struct Error {
  ErrorCode code = ErrorCode::internal;
  std::string message;  // safe to show to a client
  std::string detail;   // for the log only

  static Error make(ErrorCode c, std::string msg, std::string det = {}) {
    return Error{c, std::move(msg), std::move(det)};
  }
  // "code: message (detail)" for logs.
  std::string describe() const;
};

template <class T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::in_place_index<0>, std::move(value)) {}
  Result(Error error) : v_(std::in_place_index<1>, std::move(error)) {}

  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }

  T& value() & { return std::get<0>(v_); }
  const T& value() const& { return std::get<0>(v_); }
  T&& value() && { return std::get<0>(std::move(v_)); }
  T* operator->() { return &std::get<0>(v_); }
  const T* operator->() const { return &std::get<0>(v_); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  // By value on temporaries, so `for (auto& x : *store.list())` does not dangle.
  T operator*() && { return std::move(std::get<0>(v_)); }

  const Error& error() const { return std::get<1>(v_); }
  Error& error() { return std::get<1>(v_); }

 private:
  std::variant<T, Error> v_;
};

template <>
class [[nodiscard]] Result<void> {
 public:
  Result() = default;
  Result(Error error) : e_(std::move(error)) {}

  bool ok() const { return !e_.has_value(); }
  explicit operator bool() const { return ok(); }
  const Error& error() const { return *e_; }
  Error& error() { return *e_; }

 private:
  std::optional<Error> e_;
};

inline Result<void> ok_result() { return {}; }

}  // namespace postamt
