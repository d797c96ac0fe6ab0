#pragma once

// The format of the database as a whole: which record formats it holds,
// checked each time it is opened, and the one-time upgrade of a database
// written before records carried a format (format 0).

#include <cstdint>
#include <string>
#include <vector>

#include "protocol/record_format.hpp"

namespace skyhaul::storage {

class lmdb_env;

/// The newest format of one record type the database may hold.
struct stored_format {
  /// `record_format<T>::table`.
  std::string table;
  uint32_t major = 0;
  uint32_t minor = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, stored_format& x) {
  return f(x.table, x.major, x.minor);
}

/// The meta record "format": every record type's newest format written to
/// this database. Absent in a database of format 0.
struct database_format {
  std::vector<stored_format> records;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, database_format& x) {
  return f(x.records);
}

/// The formats this binary writes, one per stored record type.
std::vector<stored_format> current_formats();

/// Run by `lmdb_env` when it opens `dir`. Throws `record_format_error` when
/// the database holds a record type in a major format newer than this
/// binary's. A database of format 0 is first copied aside to
/// `<dir>.format-0` (compacted), then every value is rewritten in its
/// current format, in one transaction. Then the stored formats are raised
/// to this binary's where they are older.
void check_database_format(lmdb_env& env, const std::string& dir);

/// Where `check_database_format` copies a format 0 database before it
/// upgrades it.
std::string legacy_backup_dir(const std::string& dir);

} // namespace skyhaul::storage

namespace skyhaul {

template <>
struct record_format<storage::database_format> : format_version<1, 0> {
  static constexpr const char* table = "meta (format)";
};

} // namespace skyhaul
