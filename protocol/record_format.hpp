#pragma once

// The format version every stored record type declares (see codec.hpp for
// the bytes). Kept apart from the codec so a message header can declare its
// format without pulling the codec in.

#include <cstdint>
#include <stdexcept>
#include <string>

namespace skyhaul {

/// The stored format of `T`. Deliberately left undefined: `encode` and
/// `decode` do not compile for a type that has not declared one, so a new
/// table cannot store records without a version. A specialization reads
///
///     template <>
///     struct record_format<task_record> : format_version<1, 0> {
///       static constexpr const char* table = "tasks"; // named in errors
///     };
///
/// Appending a field at the end of `inspect` is compatible: bump `minor`
/// (of every stored type that holds the changed struct, since a record of
/// the current minor must carry every field its reader knows).
/// Older readers skip the field, newer readers give older records the
/// field's default. Anything else (removing, reordering or retyping a
/// field) is incompatible: bump `major` and give the specialization
///
///     static bool upgrade(uint32_t major, std::string_view body, T& x);
///
/// which reads the bodies of the older majors, so that a newer binary still
/// reads every record an older one wrote.
template <class T>
struct record_format;

/// The `major` and `minor` of a `record_format`.
template <uint32_t Major, uint32_t Minor>
struct format_version {
  static constexpr uint32_t major = Major;
  static constexpr uint32_t minor = Minor;
};

/// A stored record of a major format newer than this binary knows. It is
/// never misread: whoever meets one stops (skyhauld refuses to start).
struct record_format_error : std::runtime_error {
  using std::runtime_error::runtime_error;
};

/// The message of a `record_format_error`: names the table and versions.
inline std::string newer_format_message(const std::string& table,
                                        uint32_t found_major,
                                        uint32_t found_minor,
                                        uint32_t known_major) {
  return "table '" + table + "' holds records of format "
         + std::to_string(found_major) + "." + std::to_string(found_minor)
         + ", newer than this binary reads (format "
         + std::to_string(known_major)
         + "); refusing to use the database: run a newer skyhauld";
}

} // namespace skyhaul
