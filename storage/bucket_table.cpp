#include "storage/bucket_table.hpp"

#include "storage/rows.hpp"

namespace skyhaul::storage {

namespace {

bucket_info read_bucket(const txn& t, std::string_view name,
                        std::string_view value) {
  auto row = decode_value<bucket_row>(table::buckets, name, value);
  bucket_info b;
  b.name = std::string{name};
  b.owner = row.owner;
  b.created_ms = row.created_ms;
  if (auto acl = t.get_as<acl_spec>(table::bucket_acls, name))
    b.acl = std::move(*acl);
  return b;
}

} // namespace

bucket_created create_bucket(txn& t, std::string_view name, user_id owner,
                             const acl_spec& acl, int64_t now_ms) {
  if (auto row = t.get_as<bucket_row>(table::buckets, name))
    return row->owner == owner ? bucket_created::already_yours
                               : bucket_created::taken;
  t.put(table::buckets, name, bucket_row{owner, now_ms});
  if (!acl.empty())
    t.put(table::bucket_acls, name, acl);
  return bucket_created::created;
}

std::optional<bucket_info> get_bucket(const txn& t, std::string_view name) {
  if (auto v = t.get(table::buckets, name))
    return read_bucket(t, name, *v);
  return std::nullopt;
}

bool bucket_empty(const txn& t, std::string_view name) {
  std::string prefix{name};
  prefix += '\0';
  bool empty = true;
  t.scan_prefix(table::objects, prefix, prefix,
                [&](std::string_view, std::string_view) {
                  empty = false;
                  return false;
                });
  return empty;
}

bool delete_bucket(txn& t, std::string_view name) {
  if (!t.get(table::buckets, name) || !bucket_empty(t, name))
    return false;
  t.del(table::buckets, name);
  t.del(table::bucket_acls, name);
  return true;
}

void put_bucket_acl(txn& t, std::string_view name, const acl_spec& acl) {
  if (acl.empty())
    t.del(table::bucket_acls, name);
  else
    t.put(table::bucket_acls, name, acl);
}

std::vector<bucket_info> list_buckets(const txn& t, user_id owner) {
  std::vector<bucket_info> out;
  t.scan(table::buckets, "", [&](std::string_view k, std::string_view v) {
    if (owner == 0
        || decode_value<bucket_row>(table::buckets, k, v).owner == owner)
      out.push_back(read_bucket(t, k, v));
    return true;
  });
  return out;
}

} // namespace skyhaul::storage
