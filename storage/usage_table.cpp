#include "storage/usage_table.hpp"

#include "storage/lmdb_env.hpp"
#include "storage/rows.hpp"

#include <map>
#include <string>
#include <vector>

namespace skyhaul::storage {

namespace {

/// Set in table meta once every figure is counted.
constexpr const char* counted_key = "usage_counted";

void add(txn& t, user_id owner, uint64_t plus, uint64_t minus) {
  if (plus == minus)
    return;
  auto key = be64(owner);
  count_row row;
  if (auto old = t.get_as<count_row>(table::usage, key))
    row = *old;
  row.count = row.count + plus < minus ? 0 : row.count + plus - minus;
  if (row.count == 0)
    t.del(table::usage, key);
  else
    t.put(table::usage, key, row);
}

} // namespace

uint64_t usage_of(const task_record& rec) {
  if (rec.state != task_state::finished)
    return 0;
  uint64_t n = 0;
  for (auto& f : rec.files)
    if (f.concrete)
      n += f.size;
  return n;
}

uint64_t stored_usage(const txn& t, user_id owner) {
  auto row = t.get_as<count_row>(table::usage, be64(owner));
  return row ? row->count : 0;
}

void move_usage(txn& t, const task_record* old, const task_record* rec) {
  if (!old && !rec)
    return;
  auto before = old ? usage_of(*old) : 0;
  auto after = rec ? usage_of(*rec) : 0;
  if (old && rec && old->owner != rec->owner) {
    add(t, old->owner, 0, before);
    add(t, rec->owner, after, 0);
    return;
  }
  add(t, rec ? rec->owner : old->owner, after, before);
}

void count_usage_once(lmdb_env& env) {
  {
    auto t = env.read();
    if (t.get(table::meta, counted_key))
      return;
  }
  auto t = env.write();
  std::map<user_id, uint64_t> per_user;
  t.scan(table::tasks, {}, [&](std::string_view k, std::string_view v) {
    auto rec = decode_value<task_record>(table::tasks, k, v);
    if (auto n = usage_of(rec))
      per_user[rec.owner] += n;
    return true;
  });
  // Rows a partial count may have left are replaced, not added to.
  std::vector<std::string> stale;
  t.scan(table::usage, {}, [&](std::string_view k, std::string_view) {
    stale.emplace_back(k);
    return true;
  });
  for (auto& k : stale)
    t.del(table::usage, k);
  for (auto& [owner, n] : per_user)
    t.put(table::usage, be64(owner), count_row{n});
  t.put(table::meta, counted_key, count_row{1});
  t.commit();
}

} // namespace skyhaul::storage
