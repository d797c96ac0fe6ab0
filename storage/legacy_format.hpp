#pragma once

// Format 0: the unversioned values written before records had a format
// (CAF 0.17's binary serialization of the same `inspect` fields: integers
// big-endian in their own width, bools and enums as their bytes, strings
// and sequences after a varbyte length). Read once, when a database of
// that layout is upgraded (storage/format_upgrade.cpp); never written.

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <type_traits>

#include "protocol/acl.hpp"
#include "protocol/callback.hpp"
#include "protocol/codec.hpp"
#include "protocol/replica.hpp"
#include "protocol/task_record.hpp"
#include "protocol/user_record.hpp"
#include "storage/object_table.hpp"
#include "storage/torrent_table.hpp"

namespace skyhaul::storage {

/// How many fields of its `inspect` a struct had in format 0. The legacy
/// reader stops there, so fields appended since never shift the old bytes.
/// The fields of format 0 must keep their C++ types; the upgrade fixture
/// (tests/fixtures/) fails when they do not.
template <class T>
constexpr size_t v0_fields = 0;

template <>
constexpr size_t v0_fields<task_record> = 17;
template <>
constexpr size_t v0_fields<task_spec> = 16;
template <>
constexpr size_t v0_fields<acl_spec> = 2;
template <>
constexpr size_t v0_fields<acl_grant> = 2;
template <>
constexpr size_t v0_fields<file_record> = 12;
template <>
constexpr size_t v0_fields<user_record> = 10;
template <>
constexpr size_t v0_fields<callback_event> = 12;
template <>
constexpr size_t v0_fields<delivery_attempt> = 7;
template <>
constexpr size_t v0_fields<replica_job> = 14;
template <>
constexpr size_t v0_fields<object_entry> = 3;
template <>
constexpr size_t v0_fields<cached_torrent> = 3;

/// Reads one format 0 value; `ok()` is false unless every byte was used.
class legacy_reader {
public:
  using result_type = bool;

  explicit legacy_reader(std::string_view bytes)
    : p_(bytes.data()), end_(bytes.data() + bytes.size()) {
  }

  template <class... Ts>
  bool operator()(Ts&... xs) {
    auto left = limit_;
    ((ok_ = ok_ && (left == 0 || (--left, read(xs)))), ...);
    return ok_;
  }

  /// Reads `x`, a struct, then checks that nothing is left.
  template <class T>
  bool read_all(T& x) {
    return read(x) && ok_ && p_ == end_;
  }

private:
  bool bytes(void* out, size_t n) {
    if (static_cast<size_t>(end_ - p_) < n)
      return false;
    std::memcpy(out, p_, n);
    p_ += n;
    return true;
  }

  bool varbyte(uint64_t& n) {
    n = 0;
    for (int shift = 0; shift < 35; shift += 7) {
      if (p_ == end_)
        return false;
      auto byte = static_cast<unsigned char>(*p_++);
      n |= static_cast<uint64_t>(byte & 0x7f) << shift;
      if ((byte & 0x80) == 0)
        return true;
    }
    return false;
  }

  template <class T>
  bool read(T& x) {
    if constexpr (std::is_same_v<T, bool>) {
      uint8_t b = 0;
      if (!bytes(&b, 1))
        return false;
      x = b != 0;
      return true;
    } else if constexpr (std::is_enum_v<T>) {
      std::underlying_type_t<T> y{};
      if (!read(y) || !in_enum_range<T>(y))
        return false;
      x = static_cast<T>(y);
      return true;
    } else if constexpr (std::is_integral_v<T>) {
      unsigned char buf[sizeof(T)];
      if (!bytes(buf, sizeof(T)))
        return false;
      std::make_unsigned_t<T> y = 0;
      for (auto c : buf)
        y = static_cast<std::make_unsigned_t<T>>((uint64_t{y} << 8) | c);
      x = static_cast<T>(y);
      return true;
    } else if constexpr (std::is_same_v<T, std::string>) {
      uint64_t n = 0;
      if (!varbyte(n) || n > static_cast<uint64_t>(end_ - p_))
        return false;
      x.assign(p_, n);
      p_ += n;
      return true;
    } else if constexpr (detail::is_vector<T>::value) {
      uint64_t n = 0;
      if (!varbyte(n) || n > static_cast<uint64_t>(end_ - p_))
        return false;
      x.clear();
      for (uint64_t i = 0; i < n; ++i) {
        x.emplace_back();
        if (!read(x.back()))
          return false;
      }
      return true;
    } else {
      static_assert(v0_fields<T> > 0, "a struct of format 0 needs v0_fields");
      limit_ = v0_fields<T>;
      return inspect(*this, x);
    }
  }

  const char* p_;
  const char* end_;
  size_t limit_ = 0;
  bool ok_ = true;
};

/// Decodes a format 0 value of `T` (a default `T` first, so fields added
/// since format 0 get their defaults).
template <class T>
bool legacy_decode(std::string_view bytes, T& x) {
  x = T{};
  legacy_reader r{bytes};
  return r.read_all(x);
}

} // namespace skyhaul::storage
