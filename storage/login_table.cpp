#include "storage/login_table.hpp"

namespace skyhaul::storage {

std::optional<login_failure_row> get_login_failures(const txn& t,
                                                    const std::string& key) {
  return t.get_as<login_failure_row>(table::login_failures, key);
}

void put_login_failures(txn& t, const std::string& key,
                        const login_failure_row& row) {
  t.put(table::login_failures, key, row);
}

bool erase_login_failures(txn& t, const std::string& key) {
  return t.del(table::login_failures, key);
}

size_t sweep_login_failures(txn& t, int64_t now_ms, size_t limit) {
  std::vector<std::string> dead;
  t.scan(table::login_failures, {},
         [&](std::string_view k, std::string_view v) {
           auto row = decode_value<login_failure_row>(table::login_failures,
                                                      k, v);
           if (row.expires_ms <= now_ms)
             dead.emplace_back(k);
           return dead.size() < limit;
         });
  for (auto& k : dead)
    t.del(table::login_failures, k);
  return dead.size();
}

int64_t login_wait_ms(const txn& t, const std::string& key, int64_t now_ms,
                      uint32_t max, int64_t window_ms) {
  if (max == 0)
    return 0;
  auto row = get_login_failures(t, key);
  if (!row)
    return 0;
  std::vector<int64_t> live;
  for (auto at : row->times_ms)
    if (at + window_ms > now_ms)
      live.push_back(at);
  if (live.size() < max)
    return 0;
  // The oldest failure that still counts leaves the window first.
  return live[live.size() - max] + window_ms - now_ms;
}

} // namespace skyhaul::storage
