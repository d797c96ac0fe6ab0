#include "storage/post_table.hpp"

#include "storage/rows.hpp"

namespace skyhaul::storage {

namespace {

std::string post_key(uint64_t pid) {
  return be64(UINT64_MAX - pid);
}

std::string thread_key(uint64_t pid, uint64_t tid) {
  return be64(pid) + be64(tid);
}

} // namespace

std::optional<post_record> get_post(const txn& t, uint64_t pid) {
  return t.get_as<post_record>(table::posts, post_key(pid));
}

void put_post(txn& t, const post_record& rec) {
  t.put(table::posts, post_key(rec.pid), rec);
  if (!rec.info_hash.empty())
    t.put(table::post_hashes, rec.info_hash, count_row{rec.pid});
}

void erase_post(txn& t, const post_record& rec) {
  std::vector<std::string> keys;
  t.scan_prefix(table::threads, be64(rec.pid), {},
                [&](std::string_view k, std::string_view) {
                  keys.emplace_back(k);
                  return true;
                });
  for (auto& k : keys)
    t.del(table::threads, k);
  t.del(table::metainfo, be64(rec.pid));
  if (!rec.info_hash.empty())
    t.del(table::post_hashes, rec.info_hash);
  t.del(table::posts, post_key(rec.pid));
}

std::optional<uint64_t> find_post_by_hash(const txn& t,
                                          const std::string& info_hash) {
  if (auto row = t.get_as<count_row>(table::post_hashes, info_hash))
    return row->count;
  return std::nullopt;
}

void scan_posts(const txn& t,
                const std::function<bool(const post_record&)>& fn) {
  t.scan(table::posts, {}, [&](std::string_view k, std::string_view v) {
    return fn(decode_value<post_record>(table::posts, k, v));
  });
}

void put_thread(txn& t, const thread_record& rec) {
  t.put(table::threads, thread_key(rec.pid, rec.tid), rec);
}

std::vector<thread_record> thread_page(const txn& t, uint64_t pid,
                                       uint64_t offset, uint32_t limit) {
  std::vector<thread_record> out;
  uint64_t skipped = 0;
  t.scan_prefix(table::threads, be64(pid), {},
                [&](std::string_view k, std::string_view v) {
                  if (skipped < offset) {
                    ++skipped;
                    return true;
                  }
                  out.push_back(
                      decode_value<thread_record>(table::threads, k, v));
                  return out.size() < limit;
                });
  return out;
}

std::optional<metainfo_record> get_metainfo(const txn& t, uint64_t pid) {
  return t.get_as<metainfo_record>(table::metainfo, be64(pid));
}

void put_metainfo(txn& t, const metainfo_record& rec) {
  t.put(table::metainfo, be64(rec.pid), rec);
}

uint64_t next_community_id(txn& t, const std::string& sequence) {
  auto key = "last_" + sequence + "_id";
  count_row last;
  if (auto row = t.get_as<count_row>(table::meta, key))
    last = *row;
  ++last.count;
  t.put(table::meta, key, last);
  return last.count;
}

} // namespace skyhaul::storage
