#include "storage/prefs_table.hpp"

namespace skyhaul::storage {

user_prefs get_user_prefs(const txn& t, user_id uid) {
  auto p = t.get_as<user_prefs>(table::user_prefs, be64(uid));
  return p ? *p : user_prefs{};
}

void put_user_prefs(txn& t, user_id uid, const user_prefs& p) {
  t.put(table::user_prefs, be64(uid), p);
}

} // namespace skyhaul::storage
