// The result of decoding bytes that came from the network: a value or a
// description of what was wrong with them. Bad input is ordinary, so it is a
// value to check, never an exception (g++ 12 has no std::expected).
#pragma once

#include <string>
#include <utility>
#include <variant>

namespace borealis::mysql {

struct DecodeError {
  std::string message;
};

template <class T>
class Decoded {
 public:
  Decoded(T value) : state_(std::in_place_index<0>, std::move(value)) {}
  Decoded(DecodeError error) : state_(std::in_place_index<1>, std::move(error)) {}

  bool has_value() const { return state_.index() == 0; }
  explicit operator bool() const { return has_value(); }

  // Precondition: has_value(). Misuse is a programming error and throws
  // std::bad_variant_access rather than reading garbage.
  T& value() & { return std::get<0>(state_); }
  const T& value() const& { return std::get<0>(state_); }
  T&& value() && { return std::get<0>(std::move(state_)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

  // Precondition: !has_value().
  const DecodeError& error() const { return std::get<1>(state_); }

 private:
  std::variant<T, DecodeError> state_;
};

}  // namespace borealis::mysql
