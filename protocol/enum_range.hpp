#pragma once

#include <type_traits>

namespace skyhaul {

/// The last value of a stored enum, whose values run from 0 to it without
/// gaps. The decoders refuse a byte beyond it: a record naming a value this
/// binary does not know is malformed, never misread as some other value.
/// Left undefined, so decoding an enum that does not declare it does not
/// compile; a new value appended at the end moves `last` and bumps the
/// minor format of every record that holds the enum.
template <class E>
struct enum_range;

/// True when `x` is a value of the stored enum `E`.
template <class E>
constexpr bool in_enum_range(std::underlying_type_t<E> x) {
  using under = std::underlying_type_t<E>;
  return x >= under{0} && x <= static_cast<under>(enum_range<E>::last);
}

} // namespace skyhaul
