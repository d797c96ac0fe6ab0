#include "storage/format_upgrade.hpp"

#include <algorithm>
#include <filesystem>
#include <iostream>
#include <optional>
#include <utility>

#include <lmdb.h>

#include "protocol/codec.hpp"
#include "storage/fsync_file.hpp"
#include "protocol/event.hpp"
#include "protocol/push.hpp"
#include "protocol/remote_account.hpp"
#include "storage/legacy_format.hpp"
#include "storage/lmdb_env.hpp"
#include "storage/rows.hpp"
#include "storage/level_table.hpp"
#include "storage/post_table.hpp"
#include "storage/seed_table.hpp"
#include "storage/session_table.hpp"
#include "storage/login_table.hpp"
#include "storage/prefs_table.hpp"

namespace skyhaul::storage {

namespace {

constexpr const char* format_key = "format";

template <class T>
stored_format format_of() {
  using f = record_format<T>;
  return {f::table, f::major, f::minor};
}

bool database_empty(const txn& t) {
  for (size_t i = 0; i < num_tables; ++i) {
    bool empty = true;
    t.scan(static_cast<table>(i), {}, [&](std::string_view, std::string_view) {
      empty = false;
      return false;
    });
    if (!empty)
      return false;
  }
  return true;
}

/// Refuses a database holding a record type newer than this binary reads;
/// record types it does not know belong to tables it never opens.
void refuse_newer(const database_format& stored) {
  auto ours = current_formats();
  for (auto& s : stored.records)
    for (auto& o : ours)
      if (s.table == o.table && s.major > o.major)
        throw record_format_error(
          newer_format_message(s.table, s.major, s.minor, o.major));
}

/// Raises the stored formats to this binary's; true when any changed.
bool raise_to_current(database_format& stored) {
  bool changed = false;
  for (auto& o : current_formats()) {
    auto same = [&](const stored_format& s) { return s.table == o.table; };
    auto i = std::find_if(stored.records.begin(), stored.records.end(), same);
    if (i == stored.records.end()) {
      stored.records.push_back(o);
      changed = true;
    } else if (std::make_pair(o.major, o.minor)
               > std::make_pair(i->major, i->minor)) {
      *i = o;
      changed = true;
    }
  }
  return changed;
}

// -- format 0 -----------------------------------------------------------------

std::string where(table tbl, std::string_view key) {
  std::string hex;
  static constexpr char digits[] = "0123456789abcdef";
  for (auto c : key.substr(0, 32)) {
    hex += digits[static_cast<unsigned char>(c) >> 4];
    hex += digits[static_cast<unsigned char>(c) & 0xf];
  }
  return std::string{"table "} + table_name(tbl) + " at key " + hex;
}

[[noreturn]] void bad_legacy(table tbl, std::string_view key) {
  throw lmdb_error("cannot upgrade the database: malformed format 0 value in "
                   + where(tbl, key));
}

template <class T>
T legacy_record(table tbl, std::string_view key, std::string_view value) {
  T x;
  if (!legacy_decode(value, x))
    bad_legacy(tbl, key);
  return x;
}

uint64_t legacy_u64(table tbl, std::string_view key, std::string_view value,
                    size_t at = 0) {
  if (value.size() < at + 8)
    bad_legacy(tbl, key);
  return from_be64(value.substr(at, 8));
}

task_state legacy_state(table tbl, std::string_view key, char byte) {
  auto b = static_cast<uint8_t>(byte);
  if (!in_enum_range<task_state>(b))
    bad_legacy(tbl, key);
  return static_cast<task_state>(b);
}

task_index_row index_row(table tbl, std::string_view key, size_t state_at) {
  if (key.size() <= state_at)
    bad_legacy(tbl, key);
  return task_index_row{legacy_state(tbl, key, key[state_at])};
}

/// Rewrites the value at `key` of `tbl`, a format 0 value, in format 1.
void upgrade_value(txn& t, table tbl, const std::string& key,
                   std::string_view v) {
  switch (tbl) {
    case table::tasks:
      return t.put(tbl, key, legacy_record<task_record>(tbl, key, v));
    case table::tasks_owner:
      if (v.size() != 1)
        bad_legacy(tbl, key);
      return t.put(tbl, key, task_index_row{legacy_state(tbl, key, v[0])});
    case table::tasks_state: // owner(8) state(1) seq(8) -> ""
      return t.put(tbl, key, index_row(tbl, key, 8));
    case table::tasks_global: // state(1) seq(8) -> ""
      return t.put(tbl, key, index_row(tbl, key, 0));
    case table::counters:
      return t.put(tbl, key, count_row{legacy_u64(tbl, key, v)});
    case table::users:
      return t.put(tbl, key, legacy_record<user_record>(tbl, key, v));
    case table::user_keys:
      return t.put(tbl, key, user_key_row{legacy_u64(tbl, key, v)});
    case table::objects:
      return t.put(tbl, key, legacy_record<object_entry>(tbl, key, v));
    case table::blobs:
      return t.put(tbl, key,
                   blob_row{legacy_u64(tbl, key, v),
                            legacy_u64(tbl, key, v, 8)});
    case table::buckets: {
      bucket_row row;
      row.owner = legacy_u64(tbl, key, v);
      if (v.size() >= 16)
        row.created_ms = static_cast<int64_t>(legacy_u64(tbl, key, v, 8));
      return t.put(tbl, key, row);
    }
    case table::meta:
      if (key == "link_secret")
        return t.put(tbl, key, text_row{std::string{v}});
      if (key == "last_task_seq" || key == "last_user_id"
          || key == "last_event_id")
        return t.put(tbl, key, count_row{legacy_u64(tbl, key, v)});
      throw lmdb_error("cannot upgrade the database: unknown meta key '" + key
                       + "'");
    case table::outbox:
      return t.put(tbl, key, legacy_record<callback_event>(tbl, key, v));
    case table::deliveries: // task(8) event(8) attempt(4): 0 is the head
      if (key.size() != 20)
        bad_legacy(tbl, key);
      if (key.compare(16, 4, std::string(4, '\0')) == 0)
        return t.put(tbl, key, legacy_record<callback_event>(tbl, key, v));
      return t.put(tbl, key, legacy_record<delivery_attempt>(tbl, key, v));
    case table::replicas:
      return t.put(tbl, key, legacy_record<replica_job>(tbl, key, v));
    case table::bucket_acls:
      return t.put(tbl, key, legacy_record<acl_spec>(tbl, key, v));
    case table::resume: {
      // The old reader took an empty row for "no resume data": so does
      // this, and the torrent is checked from its files at start.
      if (v.empty()) {
        t.del(tbl, key);
        return;
      }
      resume_entry row;
      row.clean = v[0] == '\1';
      row.data.assign(v.substr(1));
      return t.put(tbl, key, row);
    }
    case table::torrent_cache:
      return t.put(tbl, key, legacy_record<cached_torrent>(tbl, key, v));
    // Format 1 made these: a format 0 database has no rows in them.
    case table::posts:
    case table::threads:
    case table::post_hashes:
    case table::metainfo:
    case table::levels:
    case table::figures:
    case table::torrent_counters:
    case table::sessions: // newer than format 0: never in such a database
    // Tables younger than format 0: a database of that age has no rows.
    case table::remote_accounts:
    case table::remote_ids:
    case table::push_jobs:
    case table::push_outcomes:
    case table::events:
    case table::event_ids:
    case table::post_seeds:
    case table::torrent_metadata:
    case table::login_failures:
    case table::user_prefs:
    case table::usage: // counted after the upgrade (storage/usage_table)
    case table::doomed_blobs:
      break;
  }
  bad_legacy(tbl, key);
}

/// A fresh folder beside `dir` for its copy.
void copy_aside(lmdb_env& env, const std::string& to) {
  auto tmp = to + ".tmp";
  std::filesystem::remove_all(tmp);
  std::filesystem::create_directories(tmp);
  auto rc = mdb_env_copy2(env.native(), tmp.c_str(), MDB_CP_COMPACT);
  if (rc != MDB_SUCCESS)
    throw lmdb_error("cannot copy the database aside to " + tmp + ": "
                     + mdb_strerror(rc));
  // The copy is the way back: durable before the upgrade commits, and
  // complete wherever it has its final name.
  auto parent = std::filesystem::path{to}.parent_path().string();
  for (auto& path : {tmp + "/data.mdb", tmp})
    if (auto err = fsync_file(path); !err.empty())
      throw lmdb_error("cannot keep the copy aside: " + err);
  std::filesystem::rename(tmp, to);
  if (auto err = fsync_file(parent.empty() ? "." : parent); !err.empty())
    throw lmdb_error("cannot keep the copy aside: " + err);
}

void upgrade_format_0(lmdb_env& env, const std::string& dir) {
  // A copy under the final name is complete (see copy_aside): an upgrade
  // that did not commit left the database as it was, so it is reused
  // rather than joined by another full copy on every retry.
  auto backup = legacy_backup_dir(dir);
  if (!std::filesystem::exists(backup))
    copy_aside(env, backup);
  auto t = env.write();
  // Another process may have upgraded it since it was found to be format 0.
  if (t.get(table::meta, format_key))
    return;
  for (size_t i = 0; i < num_tables; ++i) {
    auto tbl = static_cast<table>(i);
    // Gathered first: rewriting values under a live cursor is not worth
    // reasoning about; a database of this age is small.
    std::vector<std::pair<std::string, std::string>> rows;
    t.scan(tbl, {}, [&](std::string_view k, std::string_view v) {
      rows.emplace_back(std::string{k}, std::string{v});
      return true;
    });
    for (auto& [k, v] : rows)
      upgrade_value(t, tbl, k, v);
  }
  database_format f;
  raise_to_current(f);
  t.put(table::meta, format_key, f);
  t.commit();
  std::cerr << "skyhauld: upgraded the database in " << dir
            << " to record format 1; the old one is kept in " << backup
            << "\n";
}

} // namespace

std::vector<stored_format> current_formats() {
  return {
    format_of<task_record>(),    format_of<task_index_row>(),
    format_of<count_row>(),      format_of<user_record>(),
    format_of<user_key_row>(),   format_of<object_entry>(),
    format_of<blob_row>(),       format_of<bucket_row>(),
    format_of<text_row>(),       format_of<callback_event>(),
    format_of<delivery_attempt>(), format_of<replica_job>(),
    format_of<acl_spec>(),       format_of<resume_entry>(),
    format_of<cached_torrent>(),
    format_of<post_record>(),    format_of<thread_record>(),
    format_of<metainfo_record>(), format_of<level_record>(),
    format_of<user_figures>(),   format_of<torrent_counter>(),
    format_of<session_record>(),
    format_of<remote_account>(), format_of<push_job>(),
    format_of<push_outcome>(),
    format_of<task_event>(),
    format_of<post_seed>(),      format_of<torrent_metadata>(),
    format_of<login_failure_row>(), format_of<user_prefs>(),
  };
}

std::string legacy_backup_dir(const std::string& dir) {
  auto path = dir;
  while (path.size() > 1 && path.back() == '/')
    path.pop_back();
  return path + ".format-0";
}

void check_database_format(lmdb_env& env, const std::string& dir) {
  std::optional<database_format> stored;
  bool empty = false;
  {
    auto t = env.read();
    if (auto v = t.get(table::meta, format_key)) {
      database_format f;
      if (!decode(*v, f))
        throw lmdb_error("corrupt format record in table meta");
      stored = std::move(f);
    } else {
      empty = database_empty(t);
    }
  }
  if (!stored && !empty)
    return upgrade_format_0(env, dir);
  if (stored)
    refuse_newer(*stored);
  auto f = stored ? *stored : database_format{};
  if (!raise_to_current(f))
    return;
  auto t = env.write();
  if (auto v = t.get(table::meta, format_key)) {
    // Re-read under the write lock: another binary may have raised it.
    if (!decode(*v, f))
      throw lmdb_error("corrupt format record in table meta");
    refuse_newer(f);
    raise_to_current(f);
  }
  t.put(table::meta, format_key, f);
  t.commit();
}

} // namespace skyhaul::storage
