#pragma once

// A plain RAII wrapper around LMDB. No CAF in here: the store actor owns the
// write side, and anyone may read through `read_txn`.

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

struct MDB_env;
struct MDB_txn;

namespace skyhaul::storage {

/// The named tables of the database.
enum class table : uint8_t {
  tasks,          // seq(8) -> task_record
  tasks_owner,    // owner(8) seq(8) -> state(1)
  tasks_state,    // owner(8) state(1) seq(8) -> ""
  tasks_global,   // state(1) seq(8) -> ""   (recovery after restart)
  counters,       // owner(8) state(1) -> u64
  users,          // id(8) -> user_record
  user_keys,      // kind(1) ':' value -> id(8)
  objects,        // bucket '\0' key -> object_entry
  blobs,          // blob hex -> refcount(8) size(8)
  buckets,        // name -> owner(8)
  meta,           // name -> value
  outbox,         // event seq(8) -> callback event owed (storage/outbox_table)
  deliveries,     // task seq(8) event seq(8) attempt(4) -> delivery log entry
  replicas,       // replica seq(8) -> IDC upload owed (storage/replica_table)
  bucket_acls,    // bucket -> bucket ACL (canned ACL and grants)
  resume,         // task seq(8) -> clean(1) libtorrent resume data
  torrent_cache,  // info-hash hex -> cached_torrent (storage/torrent_table)
};

constexpr size_t num_tables = 17;

class lmdb_env;

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

  void put(table t, std::string_view key, std::string_view value);

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

  lmdb_env* env_;
  MDB_txn* txn_ = nullptr;
  bool write_;
};

/// Thrown by the storage layer on LMDB failures (disk full, map full...).
struct lmdb_error : std::runtime_error {
  using std::runtime_error::runtime_error;
};

/// An open LMDB environment with its tables. Durable mode: every commit is
/// synced before it returns.
class lmdb_env {
public:
  /// Opens (creating if needed) the database in `dir`.
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
