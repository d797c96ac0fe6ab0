#include "storage/remote_account_table.hpp"

#include "storage/rows.hpp"

namespace skyhaul::storage {

namespace {

constexpr const char* last_id_key = "last_remote_account";

std::string key_of(user_id owner, uint64_t id) {
  return be64(owner) + be64(id);
}

} // namespace

uint64_t add_remote_account(txn& t, remote_account acc) {
  count_row last;
  if (auto row = t.get_as<count_row>(table::meta, last_id_key))
    last = *row;
  acc.id = ++last.count;
  t.put(table::meta, last_id_key, last);
  t.put(table::remote_ids, be64(acc.id), user_key_row{acc.owner});
  t.put(table::remote_accounts, key_of(acc.owner, acc.id), acc);
  return acc.id;
}

std::optional<remote_account> get_remote_account(const txn& t, uint64_t id) {
  auto owner = t.get_as<user_key_row>(table::remote_ids, be64(id));
  if (!owner)
    return std::nullopt;
  return t.get_as<remote_account>(table::remote_accounts,
                                  key_of(owner->id, id));
}

void put_remote_account(txn& t, const remote_account& acc) {
  t.put(table::remote_accounts, key_of(acc.owner, acc.id), acc);
}

bool erase_remote_account(txn& t, uint64_t id) {
  auto owner = t.get_as<user_key_row>(table::remote_ids, be64(id));
  if (!owner)
    return false;
  t.del(table::remote_ids, be64(id));
  t.del(table::remote_accounts, key_of(owner->id, id));
  return true;
}

std::vector<remote_account> list_remote_accounts(const txn& t,
                                                 user_id owner) {
  std::vector<remote_account> out;
  auto prefix = be64(owner);
  t.scan_prefix(table::remote_accounts, prefix, prefix,
                [&](std::string_view k, std::string_view v) {
                  out.push_back(decode_value<remote_account>(
                      table::remote_accounts, k, v));
                  return true;
                });
  return out;
}

} // namespace skyhaul::storage
