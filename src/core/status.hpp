// The result of an operation that can fail: success, or why it failed.
// [[nodiscard]] on the type: a fallible call whose result is dropped does
// not compile (with warnings as errors).
#pragma once

#include <optional>
#include <string>
#include <utility>

namespace borealis::core {

class [[nodiscard]] Status {
 public:
  Status() = default;  // success
  static Status failure(std::string why) {
    Status status;
    status.error_ = why.empty() ? std::string("failed (no reason given)") : std::move(why);
    return status;
  }

  bool ok() const { return !error_.has_value(); }
  explicit operator bool() const { return ok(); }
  // Why it failed; empty on success.
  const std::string& error() const { return error_ ? *error_ : empty(); }

 private:
  static const std::string& empty() {
    static const std::string nothing;
    return nothing;
  }
  std::optional<std::string> error_;
};

inline Status fail(std::string why) { return Status::failure(std::move(why)); }

}  // namespace borealis::core
