#include "storage/lmdb_env.hpp"

#include <filesystem>
#include <stdexcept>

#include <lmdb.h>

#include "storage/format_upgrade.hpp"
#include "storage/usage_table.hpp"

namespace skyhaul::storage {

namespace {

void check(int rc, const char* what) {
  if (rc == MDB_MAP_FULL)
    throw lmdb_error(std::string{what} + ": the database is full ("
                     + mdb_strerror(rc) + "; a larger --map-size makes room)");
  if (rc != MDB_SUCCESS)
    throw lmdb_error(std::string{what} + ": " + mdb_strerror(rc));
}

MDB_val to_val(std::string_view x) {
  return MDB_val{x.size(), const_cast<char*>(x.data())};
}

std::string_view to_view(const MDB_val& x) {
  return {static_cast<const char*>(x.mv_data), x.mv_size};
}

constexpr const char* table_names[num_tables] = {
  "tasks",   "tasks_owner", "tasks_state", "tasks_global",
  "counters", "users",      "user_keys",   "objects",
  "blobs",    "buckets",    "meta",        "outbox",
  "deliveries", "replicas", "bucket_acls", "resume",
  "torrent_cache",
  "sessions",
  "posts", "threads", "post_hashes", "metainfo", "levels", "figures",
  "torrent_counters",
  "remote_accounts", "remote_ids", "push_jobs", "push_outcomes",
  "events", "event_ids",
  "post_seeds", "torrent_metadata",
  "login_failures", "user_prefs",
  "usage",
  "doomed_blobs",
};

} // namespace

const char* table_name(table t) {
  return table_names[static_cast<size_t>(t)];
}

// -- txn ----------------------------------------------------------------------

txn::txn(lmdb_env& env, bool write) : env_(&env), write_(write) {
  check(mdb_txn_begin(env.native(), nullptr, write ? 0 : MDB_RDONLY, &txn_),
        "mdb_txn_begin");
}

txn::txn(lmdb_env& env, MDB_txn* parent) : env_(&env), write_(true) {
  check(mdb_txn_begin(env.native(), parent, 0, &txn_), "mdb_txn_begin");
}

txn::txn(txn&& other) noexcept
  : env_(other.env_), txn_(other.txn_), write_(other.write_) {
  other.txn_ = nullptr;
}

txn::~txn() {
  if (txn_ != nullptr)
    mdb_txn_abort(txn_);
}

std::optional<std::string_view> txn::get(table t,
                                         std::string_view key) const {
  auto k = to_val(key);
  MDB_val v;
  auto rc = mdb_get(txn_, env_->dbi(t), &k, &v);
  if (rc == MDB_NOTFOUND)
    return std::nullopt;
  check(rc, "mdb_get");
  return to_view(v);
}

void txn::put_bytes(table t, std::string_view key,
                    std::string_view value) {
  auto k = to_val(key);
  auto v = to_val(value);
  check(mdb_put(txn_, env_->dbi(t), &k, &v, 0), "mdb_put");
}

bool txn::del(table t, std::string_view key) {
  auto k = to_val(key);
  auto rc = mdb_del(txn_, env_->dbi(t), &k, nullptr);
  if (rc == MDB_NOTFOUND)
    return false;
  check(rc, "mdb_del");
  return true;
}

void txn::scan(table t, std::string_view from,
               const std::function<bool(std::string_view, std::string_view)>&
                 fn) const {
  scan_prefix(t, {}, from, fn);
}

void txn::scan_prefix(
  table t, std::string_view prefix, std::string_view from,
  const std::function<bool(std::string_view, std::string_view)>& fn) const {
  MDB_cursor* cur;
  check(mdb_cursor_open(txn_, env_->dbi(t), &cur), "mdb_cursor_open");
  std::unique_ptr<MDB_cursor, void (*)(MDB_cursor*)> guard{cur,
                                                           mdb_cursor_close};
  auto start = from.size() >= prefix.size() ? from : prefix;
  MDB_val k = to_val(start);
  MDB_val v;
  auto rc = start.empty() ? mdb_cursor_get(cur, &k, &v, MDB_FIRST)
                          : mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);
  while (rc == MDB_SUCCESS) {
    auto key = to_view(k);
    if (key.substr(0, prefix.size()) != prefix)
      return;
    if (!fn(key, to_view(v)))
      return;
    rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT);
  }
  if (rc != MDB_NOTFOUND)
    check(rc, "mdb_cursor_get");
}

std::optional<std::string> txn::last_key(table t) const {
  MDB_cursor* cur;
  check(mdb_cursor_open(txn_, env_->dbi(t), &cur), "mdb_cursor_open");
  MDB_val k;
  MDB_val v;
  auto rc = mdb_cursor_get(cur, &k, &v, MDB_LAST);
  mdb_cursor_close(cur);
  if (rc == MDB_NOTFOUND)
    return std::nullopt;
  check(rc, "mdb_cursor_get");
  return std::string{to_view(k)};
}

txn txn::nested() {
  return txn{*env_, txn_};
}

void txn::commit() {
  auto* t = txn_;
  txn_ = nullptr;
  check(mdb_txn_commit(t), "mdb_txn_commit");
}

// -- lmdb_env -----------------------------------------------------------------

lmdb_env::lmdb_env(const std::string& dir, uint64_t map_size) {
  std::filesystem::create_directories(dir);
  check(mdb_env_create(&env_), "mdb_env_create");
  try {
    check(mdb_env_set_maxdbs(env_, num_tables + 4), "mdb_env_set_maxdbs");
    check(mdb_env_set_mapsize(env_, map_size), "mdb_env_set_mapsize");
    check(mdb_env_set_maxreaders(env_, 256), "mdb_env_set_maxreaders");
    // MDB_NOTLS: read transactions are used from asio and CAF worker threads
    // that do not own them for life. No MDB_NOSYNC: commits are durable.
    check(mdb_env_open(env_, dir.c_str(), MDB_NOTLS, 0600), "mdb_env_open");
    // A stale reader slot from a killed process would pin old pages.
    int dead = 0;
    mdb_reader_check(env_, &dead);
    MDB_txn* t;
    check(mdb_txn_begin(env_, nullptr, 0, &t), "mdb_txn_begin");
    for (size_t i = 0; i < num_tables; ++i) {
      auto rc = mdb_dbi_open(t, table_names[i], MDB_CREATE, &dbis_[i]);
      if (rc != MDB_SUCCESS) {
        mdb_txn_abort(t);
        check(rc, "mdb_dbi_open");
      }
    }
    check(mdb_txn_commit(t), "mdb_txn_commit");
    check_database_format(*this, dir);
    count_usage_once(*this);
  } catch (...) {
    mdb_env_close(env_);
    throw;
  }
}

lmdb_env::~lmdb_env() {
  mdb_env_close(env_);
}

std::string be64(uint64_t x) {
  std::string out(8, '\0');
  for (int i = 7; i >= 0; --i) {
    out[i] = static_cast<char>(x & 0xff);
    x >>= 8;
  }
  return out;
}

uint64_t from_be64(std::string_view bytes) {
  uint64_t x = 0;
  for (size_t i = 0; i < 8 && i < bytes.size(); ++i)
    x = (x << 8) | static_cast<unsigned char>(bytes[i]);
  return x;
}

} // namespace skyhaul::storage
