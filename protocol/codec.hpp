#pragma once

// The bytes of every value stored in LMDB (format 1).
//
// A value is a header, `major minor` (two varints: the format of its
// type, `record_format<T>`), then the record's fields in the order of its
// `inspect`:
//
//  - unsigned integers, bools and enums: LEB128 varints; signed integers:
//    zigzag varints;
//  - strings: a varint length, then the bytes;
//  - vectors: a varint count, then the elements;
//  - a nested struct: a varint length, then its fields (a block).
//
// Every struct's fields are bounded (by the value's end at the top, by the
// block's length below), which makes appending a field compatible at every
// depth: a reader leaves the fields after the end of a struct's bytes at
// their defaults, and skips bytes after the last field it knows.

#include <algorithm>
#include <cstdint>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "protocol/enum_range.hpp"
#include "protocol/record_format.hpp"

namespace skyhaul {

namespace detail {

template <class T>
struct is_vector : std::false_type {};

template <class T, class A>
struct is_vector<std::vector<T, A>> : std::true_type {};

template <class F, class = void>
struct has_upgrade : std::false_type {};

template <class F>
struct has_upgrade<F, std::void_t<decltype(F::upgrade)>> : std::true_type {};

} // namespace detail

/// Writes fields in format 1 (an inspector for the types' `inspect`).
class record_writer {
public:
  using result_type = bool;

  explicit record_writer(std::string& out) : out_(out) {
  }

  template <class... Ts>
  bool operator()(Ts&... xs) {
    (write(xs), ...);
    return true;
  }

  void varint(uint64_t x) {
    while (x > 0x7f) {
      out_ += static_cast<char>((x & 0x7f) | 0x80);
      x >>= 7;
    }
    out_ += static_cast<char>(x);
  }

private:
  template <class T>
  void write(T& x) {
    if constexpr (std::is_same_v<T, bool>) {
      varint(x ? 1 : 0);
    } else if constexpr (std::is_enum_v<T>) {
      auto y = static_cast<std::underlying_type_t<T>>(x);
      write(y);
    } else if constexpr (std::is_integral_v<T> && std::is_signed_v<T>) {
      auto y = static_cast<int64_t>(x);
      varint((static_cast<uint64_t>(y) << 1) ^ static_cast<uint64_t>(y >> 63));
    } else if constexpr (std::is_integral_v<T>) {
      varint(x);
    } else if constexpr (std::is_same_v<T, std::string>) {
      varint(x.size());
      out_ += x;
    } else if constexpr (detail::is_vector<T>::value) {
      varint(x.size());
      for (auto& y : x)
        write(y);
    } else {
      std::string body;
      record_writer sub{body};
      inspect(sub, x);
      varint(body.size());
      out_ += body;
    }
  }

  std::string& out_;
};

/// Reads fields written by `record_writer` from one struct's bytes: fields
/// past their end keep their defaults (an older minor format), bytes past
/// the known fields are skipped (a newer one). `complete` says the bytes
/// are of this format or newer, so every known field must be there: a
/// record cut short is malformed, not taken for an older one. `ok()` is
/// false on malformed bytes.
class record_reader {
public:
  using result_type = bool;

  record_reader(const char* first, const char* last, bool complete = false)
      : p_(first), end_(last), complete_(complete) {
  }

  template <class... Ts>
  bool operator()(Ts&... xs) {
    ((ok_ = ok_ && (p_ == end_ ? !complete_ : read(xs))), ...);
    p_ = end_;
    return ok_;
  }

  bool varint(uint64_t& x) {
    x = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (p_ == end_)
        return false;
      auto byte = static_cast<unsigned char>(*p_++);
      // The tenth byte holds the last bit of 64: anything more is malformed.
      if (shift == 63 && byte > 1)
        return false;
      x |= static_cast<uint64_t>(byte & 0x7f) << shift;
      if ((byte & 0x80) == 0)
        return true;
    }
    return false;
  }

  bool ok() const {
    return ok_;
  }

  const char* pos() const {
    return p_;
  }

private:
  template <class T>
  bool read(T& x) {
    uint64_t n = 0;
    if constexpr (std::is_same_v<T, bool>) {
      if (!varint(n) || n > 1)
        return false;
      x = n != 0;
      return true;
    } else if constexpr (std::is_enum_v<T>) {
      std::underlying_type_t<T> y{};
      if (!read(y) || !in_enum_range<T>(y))
        return false;
      x = static_cast<T>(y);
      return true;
    } else if constexpr (std::is_integral_v<T> && std::is_signed_v<T>) {
      if (!varint(n))
        return false;
      auto y = static_cast<int64_t>((n >> 1) ^ (~(n & 1) + 1));
      x = static_cast<T>(y);
      return static_cast<int64_t>(x) == y;
    } else if constexpr (std::is_integral_v<T>) {
      if (!varint(n))
        return false;
      x = static_cast<T>(n);
      return static_cast<uint64_t>(x) == n;
    } else if constexpr (std::is_same_v<T, std::string>) {
      if (!varint(n) || n > static_cast<uint64_t>(end_ - p_))
        return false;
      x.assign(p_, n);
      p_ += n;
      return true;
    } else if constexpr (detail::is_vector<T>::value) {
      // Every element takes a byte at least: a count past the bytes left
      // is malformed, and never allocates.
      if (!varint(n) || n > static_cast<uint64_t>(end_ - p_))
        return false;
      x.clear();
      // Bounded: a count of empty blocks is cheap to write, elements are not.
      x.reserve(std::min<uint64_t>(n, 1024));
      for (uint64_t i = 0; i < n; ++i) {
        x.emplace_back();
        if (!read(x.back()))
          return false;
      }
      return true;
    } else {
      if (!varint(n) || n > static_cast<uint64_t>(end_ - p_))
        return false;
      record_reader sub{p_, p_ + n, complete_};
      p_ += n;
      return inspect(sub, x) && sub.ok();
    }
  }

  const char* p_;
  const char* end_;
  bool complete_;
  bool ok_ = true;
};

/// Encodes a record into its stored bytes: the header of
/// `record_format<T>`, then the fields.
template <class T>
std::string encode(const T& x) {
  using format = record_format<T>;
  std::string out;
  record_writer w{out};
  w.varint(format::major);
  w.varint(format::minor);
  inspect(w, const_cast<T&>(x));
  return out;
}

/// The header of stored bytes; false when there is none.
inline bool read_header(std::string_view bytes, uint32_t& major,
                        uint32_t& minor, std::string_view& body) {
  record_reader r{bytes.data(), bytes.data() + bytes.size()};
  uint64_t a = 0;
  uint64_t b = 0;
  if (!r.varint(a) || !r.varint(b) || a > UINT32_MAX || b > UINT32_MAX)
    return false;
  major = static_cast<uint32_t>(a);
  minor = static_cast<uint32_t>(b);
  body = bytes.substr(static_cast<size_t>(r.pos() - bytes.data()));
  return true;
}

/// Decodes bytes made by `encode` of this or any older format of `T` into
/// `x` (reset first). False when they are malformed; throws
/// `record_format_error` when their major format is newer than `T`'s.
template <class T>
bool decode(std::string_view bytes, T& x) {
  using format = record_format<T>;
  x = T{};
  uint32_t major = 0;
  uint32_t minor = 0;
  std::string_view body;
  if (!read_header(bytes, major, minor, body))
    return false;
  if (major > format::major)
    throw record_format_error(
      newer_format_message(format::table, major, minor, format::major));
  if (major < format::major) {
    if constexpr (detail::has_upgrade<format>::value)
      return format::upgrade(major, body, x);
    else
      return false;
  }
  record_reader r{body.data(), body.data() + body.size(),
                  minor >= format::minor};
  return inspect(r, x) && r.ok();
}

} // namespace skyhaul
