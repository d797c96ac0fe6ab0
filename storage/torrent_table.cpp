#include "storage/torrent_table.hpp"

#include "protocol/codec.hpp"
#include "protocol/task_record.hpp"
#include "storage/object_table.hpp"

#include <algorithm>

namespace skyhaul::storage {

void put_resume(txn& t, task_seq seq, const std::string& data, bool clean) {
  resume_entry row;
  row.data = data;
  row.clean = clean;
  t.put(table::resume, be64(seq), row);
}

std::optional<resume_entry> get_resume(const txn& t, task_seq seq) {
  return t.get_as<resume_entry>(table::resume, be64(seq));
}

void erase_resume(txn& t, task_seq seq) {
  t.del(table::resume, be64(seq));
}

void remember_torrent(txn& t, const task_record& rec) {
  if (rec.info_hash.empty())
    return;
  cached_torrent entry;
  if (auto v = t.get(table::torrent_cache, rec.info_hash))
    if (!decode(*v, entry))
      entry = cached_torrent{};
  entry.name = rec.torrent_name;
  entry.file_count = rec.torrent_files;
  bool changed = false;
  for (auto f : rec.files) {
    if (!f.concrete || f.blob.empty())
      continue;
    // The cache describes content, not where one user put it.
    f.key.clear();
    f.idc_ok.clear();
    f.idc_failed.clear();
    auto same = [&](const file_record& x) { return x.name == f.name; };
    auto i = std::find_if(entry.files.begin(), entry.files.end(), same);
    if (i != entry.files.end())
      *i = std::move(f);
    else
      entry.files.push_back(std::move(f));
    changed = true;
  }
  if (changed)
    t.put(table::torrent_cache, rec.info_hash, entry);
}

std::optional<cached_torrent> find_cached_torrent(const txn& t,
                                                  const std::string& info_hash) {
  auto v = t.get(table::torrent_cache, info_hash);
  cached_torrent entry;
  if (!v || !decode(*v, entry))
    return std::nullopt;
  auto gone = [&](const file_record& f) { return blob_refs(t, f.blob) == 0; };
  entry.files.erase(
      std::remove_if(entry.files.begin(), entry.files.end(), gone),
      entry.files.end());
  return entry;
}

} // namespace skyhaul::storage
