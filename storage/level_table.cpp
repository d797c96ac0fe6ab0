#include "storage/level_table.hpp"

#include "storage/rows.hpp"

#include <algorithm>

namespace skyhaul::storage {

std::vector<level_record> list_levels(const txn& t) {
  std::vector<level_record> out;
  t.scan(table::levels, {}, [&](std::string_view k, std::string_view v) {
    out.push_back(decode_value<level_record>(table::levels, k, v));
    return true;
  });
  std::sort(out.begin(), out.end(), ranks_below);
  return out;
}

std::optional<level_record> get_level(const txn& t, uint32_t lid) {
  return t.get_as<level_record>(table::levels, be64(lid));
}

void put_level(txn& t, const level_record& rec) {
  t.put(table::levels, be64(rec.lid), rec);
}

bool erase_level(txn& t, uint32_t lid) {
  return t.del(table::levels, be64(lid));
}

void seed_levels(txn& t) {
  if (t.get(table::meta, "last_level_id"))
    return;
  static const std::pair<const char*, uint64_t> origin[] = {
      {"Basic", 0},        {"Rudimentary", 100}, {"Enhanced", 1000},
      {"Advanced", 5000},  {"Master", 8000},     {"Grand Master", 10000},
      {"Super", 100000},   {"Funky", 500000}};
  uint32_t lid = 0;
  for (auto& [name, minimum] : origin) {
    level_record rec;
    rec.lid = ++lid;
    rec.name = name;
    rec.minimum = minimum;
    put_level(t, rec);
  }
  t.put(table::meta, "last_level_id", count_row{lid});
}

bool ranks_below(const level_record& a, const level_record& b) {
  return std::make_pair(a.minimum, a.lid) < std::make_pair(b.minimum, b.lid);
}

uint64_t credit_of(const user_figures& f) {
  return f.uploaded >> 20;
}

level_record level_for(const std::vector<level_record>& levels,
                       const user_figures& f, uint32_t start) {
  level_record best;
  bool found = false;
  auto credit = credit_of(f);
  for (auto& l : levels) {
    bool earned = credit >= l.minimum && f.uploaded >= l.min_upload_bytes
                  && f.downloaded >= l.min_download_bytes;
    if ((earned || l.lid == start) && (!found || ranks_below(best, l))) {
      best = l;
      found = true;
    }
  }
  return best;
}

user_figures get_figures(const txn& t, user_id uid) {
  if (auto f = t.get_as<user_figures>(table::figures, be64(uid)))
    return *f;
  return {};
}

void put_figures(txn& t, user_id uid, const user_figures& f) {
  t.put(table::figures, be64(uid), f);
}

level_record level_of(const txn& t, const user_record& user) {
  return level_for(list_levels(t), get_figures(t, user.id), user.level);
}

torrent_counter get_counter(const txn& t, user_id uid,
                            const std::string& raw_hash) {
  if (auto c = t.get_as<torrent_counter>(table::torrent_counters,
                                         be64(uid) + raw_hash))
    return *c;
  return {};
}

void put_counter(txn& t, user_id uid, const std::string& raw_hash,
                 const torrent_counter& c) {
  t.put(table::torrent_counters, be64(uid) + raw_hash, c);
}

} // namespace skyhaul::storage
