#pragma once

// A plain RAII wrapper around LMDB. No CAF in here: the store actor owns the
// write side, and anyone may read through `read_txn`. Every value it stores
// is a record in its format (protocol/codec.hpp): `put` takes nothing else.

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

#include "protocol/codec.hpp"

struct MDB_env;
struct MDB_txn;

namespace skyhaul::storage {

/// The named tables of the database.
/// The named tables of the database: key -> value record (the small rows
/// are in storage/rows.hpp).
enum class table : uint8_t {
  tasks,          // seq(8) -> task_record
  tasks_owner,    // owner(8) seq(8) -> task_index_row
  tasks_state,    // owner(8) state(1) seq(8) -> task_index_row
  tasks_global,   // state(1) seq(8) -> task_index_row (recovery at restart)
  counters,       // owner(8) state(1) -> count_row
  users,          // id(8) -> user_record
  user_keys,      // kind(1) ':' value -> user_key_row
  objects,        // bucket '\0' key -> object_entry
  blobs,          // blob hex -> blob_row
  buckets,        // name -> bucket_row
  meta,           // name -> count_row, text_row, database_format ("format")
  outbox,         // event seq(8) -> callback_event owed (storage/outbox_table)
  deliveries,     // task seq(8) event seq(8) attempt(4) -> callback_event
                  // (attempt 0, the head) or delivery_attempt
  replicas,       // replica seq(8) -> replica_job (storage/replica_table)
  bucket_acls,    // bucket -> acl_spec
  resume,         // task seq(8) -> resume_entry (storage/torrent_table)
  torrent_cache,  // info-hash hex -> cached_torrent (storage/torrent_table)
  sessions,       // sha256(token) hex -> session_record (storage/session_table)
  // The community face and its tracker (storage/post_table,
  // storage/level_table).
  posts,            // ~pid(8), newest first -> post_record
  threads,          // pid(8) tid(8) -> thread_record
  post_hashes,      // info-hash hex -> count_row (the pid)
  metainfo,         // pid(8) -> metainfo_record
  levels,           // lid(8) -> level_record
  figures,          // uid(8) -> user_figures
  torrent_counters, // uid(8) info-hash(20) -> torrent_counter
  // Remote accounts and pushes (storage/remote_account_table,
  // storage/push_table).
  remote_accounts, // owner(8) id(8) -> remote_account
  remote_ids,      // id(8) -> user_key_row (the owner)
  push_jobs,       // push seq(8) -> push_job owed
  push_outcomes,   // task seq(8) file(4) -> push_outcome
  // The event log (storage/event_table).
  events,    // owner(8) event id(8) -> task_event
  event_ids, // event id(8) -> user_key_row (the owner), in log order
  // What Skyhaul seeds itself (storage/seed_table).
  post_seeds,       // pid(8) -> post_seed
  torrent_metadata, // info-hash hex -> torrent_metadata
  // The Offcloud face's own rows (storage/login_table, storage/prefs_table).
  login_failures, // "u:"email | "a:"address -> login_failure_row
  user_prefs,     // uid(8) -> user_prefs
  usage,          // uid(8) -> count_row: the bytes its finished downloads
                  // hold (storage/usage_table)
  // blob hex -> count_row (0): a blob a commit left without a reference,
  // from that commit until its file is gone (storage/rules/group_commit).
  doomed_blobs,
};

constexpr size_t num_tables = 37;

/// The LMDB name of `t`, for messages.
const char* table_name(table t);

class lmdb_env;

/// Thrown by the storage layer on LMDB failures (disk full, map full...).
struct lmdb_error : std::runtime_error {
  using std::runtime_error::runtime_error;
};

/// Decodes the value at `key` of `t`; throws `lmdb_error` naming them when
/// it is malformed.
template <class T>
T decode_value(table t, std::string_view key, std::string_view value) {
  T x;
  if (!decode(value, x))
    throw lmdb_error(std::string{"malformed record in table "}
                     + table_name(t) + " (key of " + std::to_string(key.size())
                     + " bytes)");
  return x;
}

/// A transaction; read-only or read-write. Aborted on destruction unless
/// committed.
class txn {
public:
  txn(lmdb_env& env, bool write);
  txn(txn&&) noexcept;
  txn& operator=(txn&&) = delete;
  ~txn();

  /// Returns the value at `key`; the view lives as long as the transaction.
  std::optional<std::string_view> get(table t, std::string_view key) const;

  /// Stores `record` at `key`, encoded in its format.
  template <class T>
  void put(table t, std::string_view key, const T& record) {
    put_bytes(t, key, encode(record));
  }

  /// The record at `key`. Throws `lmdb_error` when its bytes are malformed
  /// and `record_format_error` when its format is newer than `T`'s.
  template <class T>
  std::optional<T> get_as(table t, std::string_view key) const {
    auto v = get(t, key);
    if (!v)
      return std::nullopt;
    return decode_value<T>(t, key, *v);
  }

  /// Returns false when `key` was not there.
  bool del(table t, std::string_view key);

  /// Visits the keys >= `from` in order while `fn` returns true.
  void scan(table t, std::string_view from,
            const std::function<bool(std::string_view key,
                                     std::string_view value)>& fn) const;

  /// Visits the keys with `prefix`, starting at `from` (>= prefix), in
  /// order, while `fn` returns true.
  void scan_prefix(table t, std::string_view prefix, std::string_view from,
                   const std::function<bool(std::string_view key,
                                            std::string_view value)>& fn)
    const;

  /// Returns the last key of `t`, if any.
  std::optional<std::string> last_key(table t) const;

  /// Starts a nested write transaction; its changes join this one on
  /// `commit`, or vanish on destruction.
  txn nested();

  /// Makes the changes durable. Throws `lmdb_error` on failure.
  void commit();

  bool writable() const {
    return write_;
  }

private:
  txn(lmdb_env& env, MDB_txn* parent);

  void put_bytes(table t, std::string_view key, std::string_view value);

  lmdb_env* env_;
  MDB_txn* txn_ = nullptr;
  bool write_;
};


/// An open LMDB environment with its tables. Durable mode: every commit is
/// synced before it returns.
class lmdb_env {
public:
  /// Opens (creating if needed) the database in `dir`, upgrading a database
  /// of an older format first (storage/format_upgrade.hpp). Throws
  /// `record_format_error` when it holds records newer than this binary.
  lmdb_env(const std::string& dir, uint64_t map_size);
  ~lmdb_env();
  lmdb_env(const lmdb_env&) = delete;
  lmdb_env& operator=(const lmdb_env&) = delete;

  txn read() {
    return txn{*this, false};
  }

  txn write() {
    return txn{*this, true};
  }

  MDB_env* native() {
    return env_;
  }

  unsigned dbi(table t) const {
    return dbis_[static_cast<size_t>(t)];
  }

private:
  MDB_env* env_ = nullptr;
  unsigned dbis_[num_tables] = {};
};

/// Big-endian encoding, so keys sort numerically.
std::string be64(uint64_t x);
uint64_t from_be64(std::string_view bytes);

} // namespace skyhaul::storage
