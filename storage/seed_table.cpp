#include "storage/seed_table.hpp"

#include "storage/rows.hpp"

namespace skyhaul::storage {

void put_seed(txn& t, const post_seed& rec) {
  t.put(table::post_seeds, be64(rec.pid), rec);
}

std::optional<post_seed> get_seed(const txn& t, uint64_t pid) {
  return t.get_as<post_seed>(table::post_seeds, be64(pid));
}

void erase_seed(txn& t, uint64_t pid) {
  t.del(table::post_seeds, be64(pid));
}

void scan_seeds(const txn& t,
                const std::function<bool(const post_seed&)>& fn) {
  t.scan(table::post_seeds, {}, [&](std::string_view k, std::string_view v) {
    return fn(decode_value<post_seed>(table::post_seeds, k, v));
  });
}

void put_torrent_metadata(txn& t, const std::string& info_hash,
                          const std::string& info) {
  if (!t.get(table::torrent_metadata, info_hash))
    t.put(table::torrent_metadata, info_hash, torrent_metadata{info});
}

std::optional<torrent_metadata> get_torrent_metadata(
    const txn& t, const std::string& info_hash) {
  return t.get_as<torrent_metadata>(table::torrent_metadata, info_hash);
}

} // namespace skyhaul::storage
