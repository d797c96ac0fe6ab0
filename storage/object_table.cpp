#include "storage/object_table.hpp"

#include "storage/rows.hpp"

namespace skyhaul::storage {

namespace {

std::string object_key(std::string_view bucket, std::string_view key) {
  std::string k{bucket};
  k += '\0';
  k += key;
  return k;
}

bool same(std::string_view a, std::string_view b) {
  return !a.empty() && a == b;
}

void add_ref(txn& t, const std::string& blob, uint64_t size) {
  blob_row row;
  if (auto old = t.get_as<blob_row>(table::blobs, blob))
    row.refs = old->refs;
  ++row.refs;
  row.size = size;
  t.put(table::blobs, blob, row);
}

void drop_ref(txn& t, const std::string& blob,
              std::vector<std::string>& orphans) {
  auto row = t.get_as<blob_row>(table::blobs, blob);
  if (!row)
    return;
  if (row->refs <= 1) {
    t.del(table::blobs, blob);
    orphans.push_back(blob);
  } else {
    --row->refs;
    t.put(table::blobs, blob, *row);
  }
}

} // namespace

bool rule_keeps_existing(on_key_exist rule, const file_record& e,
                         std::string_view md5, std::string_view sha1,
                         std::string_view crc32, int64_t size) {
  switch (rule) {
    case on_key_exist::override_:
      return false;
    case on_key_exist::ignore:
      return true;
    case on_key_exist::ignore_same_md5:
      return same(md5, e.md5);
    case on_key_exist::ignore_same_sha1:
      return same(sha1, e.sha1);
    case on_key_exist::ignore_same_crc32:
      return same(crc32, e.crc32);
    case on_key_exist::ignore_same_checksum:
      return same(md5, e.md5) || same(sha1, e.sha1) || same(crc32, e.crc32);
    case on_key_exist::ignore_same_size:
      return size >= 0 && static_cast<uint64_t>(size) == e.size;
  }
  return false;
}

std::optional<object_entry> get_object(const txn& t, std::string_view bucket,
                                       std::string_view key) {
  return t.get_as<object_entry>(table::objects, object_key(bucket, key));
}

object_commit_result commit_object(txn& t, const object_commit& c,
                                   std::vector<std::string>& orphans) {
  auto& f = c.file;
  auto old = get_object(t, c.bucket, f.key);
  if (old
      && rule_keeps_existing(c.rule, old->file, f.md5, f.sha1, f.crc32,
                             static_cast<int64_t>(f.size))) {
    object_commit_result res;
    res.file = old->file;
    res.file.concrete = false;
    // The new blob is not referenced by anything: it may go.
    if (f.blob != old->file.blob && blob_refs(t, f.blob) == 0)
      orphans.push_back(f.blob);
    return res;
  }
  ensure_bucket(t, c.bucket, c.owner);
  add_ref(t, f.blob, f.size);
  if (old)
    drop_ref(t, old->file.blob, orphans);
  object_entry e;
  e.owner = c.owner;
  e.acl = c.acl;
  e.file = f;
  e.file.concrete = true;
  // Two writes of one key never share a commit time, so that a task's
  // record tells its object from a later task's of the same key and bytes
  // (a delete with data removes only its own): the later one is at least a
  // millisecond later.
  if (old && old->file.last_modified_ms >= e.file.last_modified_ms)
    e.file.last_modified_ms = old->file.last_modified_ms + 1;
  t.put(table::objects, object_key(c.bucket, f.key), e);
  return object_commit_result{e.file};
}

bool erase_object(txn& t, std::string_view bucket, std::string_view key,
                  std::vector<std::string>& orphans) {
  auto old = get_object(t, bucket, key);
  if (!old)
    return false;
  t.del(table::objects, object_key(bucket, key));
  drop_ref(t, old->file.blob, orphans);
  return true;
}

uint64_t blob_refs(const txn& t, std::string_view blob) {
  if (auto row = t.get_as<blob_row>(table::blobs, blob))
    return row->refs;
  return 0;
}

std::optional<user_id> bucket_owner(const txn& t, std::string_view bucket) {
  if (auto row = t.get_as<bucket_row>(table::buckets, bucket))
    return row->owner;
  return std::nullopt;
}

void ensure_bucket(txn& t, std::string_view bucket, user_id owner) {
  if (!t.get(table::buckets, bucket))
    t.put(table::buckets, bucket, bucket_row{owner, 0});
}

} // namespace skyhaul::storage
