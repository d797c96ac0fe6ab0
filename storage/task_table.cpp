#include "storage/task_table.hpp"

#include "storage/rows.hpp"
#include "storage/usage_table.hpp"

namespace skyhaul::storage {

namespace {

std::string owner_key(user_id owner, task_seq seq) {
  return be64(owner) + be64(seq);
}

std::string state_key(user_id owner, task_state s, task_seq seq) {
  auto k = be64(owner);
  k += static_cast<char>(s);
  k += be64(seq);
  return k;
}

std::string global_key(task_state s, task_seq seq) {
  std::string k(1, static_cast<char>(s));
  k += be64(seq);
  return k;
}

std::string counter_key(user_id owner, task_state s) {
  auto k = be64(owner);
  k += static_cast<char>(s);
  return k;
}

void bump(txn& t, user_id owner, task_state s, int64_t delta) {
  auto key = counter_key(owner, s);
  count_row row;
  if (auto old = t.get_as<count_row>(table::counters, key))
    row = *old;
  auto& n = row.count;
  n = delta < 0 && n < uint64_t(-delta) ? 0 : n + delta;
  t.put(table::counters, key, row);
}

void unindex(txn& t, const task_record& rec) {
  t.del(table::tasks_owner, owner_key(rec.owner, rec.seq));
  t.del(table::tasks_state, state_key(rec.owner, rec.state, rec.seq));
  t.del(table::tasks_global, global_key(rec.state, rec.seq));
  bump(t, rec.owner, rec.state, -1);
}

} // namespace

bool has_task(const txn& t, task_seq seq) {
  return t.get(table::tasks, be64(seq)).has_value();
}

std::optional<task_record> get_task(const txn& t, task_seq seq) {
  auto v = t.get(table::tasks, be64(seq));
  if (!v)
    return std::nullopt;
  task_record rec;
  if (!decode(*v, rec))
    throw lmdb_error("corrupt task record " + std::to_string(seq));
  return rec;
}

void put_task(txn& t, const task_record& rec) {
  auto old = get_task(t, rec.seq);
  put_task(t, rec, old ? &*old : nullptr);
}

void put_task(txn& t, const task_record& rec, const task_record* old) {
  if (old && old->state != rec.state)
    unindex(t, *old);
  if (!old || old->state != rec.state) {
    task_index_row row{rec.state};
    t.put(table::tasks_owner, owner_key(rec.owner, rec.seq), row);
    t.put(table::tasks_state, state_key(rec.owner, rec.state, rec.seq), row);
    t.put(table::tasks_global, global_key(rec.state, rec.seq), row);
    bump(t, rec.owner, rec.state, 1);
  }
  move_usage(t, old, &rec);
  t.put(table::tasks, be64(rec.seq), rec);
  if (rec.seq > last_task_seq(t))
    set_last_task_seq(t, rec.seq);
}

bool erase_task(txn& t, task_seq seq) {
  auto old = get_task(t, seq);
  if (!old)
    return false;
  unindex(t, *old);
  move_usage(t, &*old, nullptr);
  t.del(table::tasks, be64(seq));
  return true;
}

task_page list_tasks(const txn& t, user_id owner, const task_query& q) {
  task_page page;
  auto by_state = q.state != task_query::any_state;
  auto prefix = be64(owner);
  if (by_state)
    prefix += static_cast<char>(q.state);
  auto from = prefix + be64(q.after + 1);
  auto skip = q.offset;
  auto tbl = by_state ? table::tasks_state : table::tasks_owner;
  t.scan_prefix(tbl, prefix, from, [&](std::string_view k, std::string_view) {
    auto seq = from_be64(k.substr(prefix.size()));
    if (skip > 0) {
      --skip;
      return true;
    }
    if (page.tasks.size() >= q.limit) {
      page.next = page.tasks.back().rec.seq;
      return false;
    }
    if (auto rec = get_task(t, seq)) {
      task_status st;
      st.rec = std::move(*rec);
      page.tasks.push_back(std::move(st));
    }
    return true;
  });
  return page;
}

state_counters get_counters(const txn& t, user_id owner) {
  state_counters out;
  for (size_t i = 0; i < num_task_states; ++i)
    if (auto row = t.get_as<count_row>(
          table::counters, counter_key(owner, static_cast<task_state>(i))))
      out.counts[i] = row->count;
  return out;
}

void for_each_task_in_state(const txn& t, task_state s,
                            const std::function<bool(task_seq)>& fn) {
  std::string prefix(1, static_cast<char>(s));
  t.scan_prefix(table::tasks_global, prefix, prefix,
                [&](std::string_view k, std::string_view) {
                  return fn(from_be64(k.substr(1)));
                });
}

task_seq last_task_seq(const txn& t) {
  if (auto row = t.get_as<count_row>(table::meta, "last_task_seq"))
    return row->count;
  return 0;
}

void set_last_task_seq(txn& t, task_seq seq) {
  t.put(table::meta, "last_task_seq", count_row{seq});
}

} // namespace skyhaul::storage
