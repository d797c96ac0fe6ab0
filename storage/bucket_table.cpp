#include "storage/bucket_table.hpp"

#include "protocol/codec.hpp"

namespace skyhaul::storage {

namespace {

bucket_info read_bucket(const txn& t, std::string_view name,
                        std::string_view value) {
  bucket_info b;
  b.name = std::string{name};
  b.owner = from_be64(value);
  if (value.size() >= 16)
    b.created_ms = static_cast<int64_t>(from_be64(value.substr(8)));
  if (auto acl = t.get(table::bucket_acls, name))
    decode(*acl, b.acl);
  return b;
}

} // namespace

bucket_created create_bucket(txn& t, std::string_view name, user_id owner,
                             const acl_spec& acl, int64_t now_ms) {
  if (auto v = t.get(table::buckets, name))
    return from_be64(*v) == owner ? bucket_created::already_yours
                                  : bucket_created::taken;
  t.put(table::buckets, name,
        be64(owner) + be64(static_cast<uint64_t>(now_ms)));
  if (!acl.empty())
    t.put(table::bucket_acls, name, encode(acl));
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
    t.put(table::bucket_acls, name, encode(acl));
}

std::vector<bucket_info> list_buckets(const txn& t, user_id owner) {
  std::vector<bucket_info> out;
  t.scan(table::buckets, "", [&](std::string_view k, std::string_view v) {
    if (owner == 0 || from_be64(v) == owner)
      out.push_back(read_bucket(t, k, v));
    return true;
  });
  return out;
}

} // namespace skyhaul::storage
