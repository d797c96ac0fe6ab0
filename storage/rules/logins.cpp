#include "storage/rules/logins.hpp"

#include "storage/login_table.hpp"
#include "storage/prefs_table.hpp"

namespace skyhaul::storage::rules {

void count_login(txn& t, const login_failure& f) {
  sweep_login_failures(t, f.at_ms, login_sweep);
  for (auto& key : f.keys) {
    if (f.clear) {
      erase_login_failures(t, key);
      continue;
    }
    auto row = get_login_failures(t, key).value_or(login_failure_row{});
    std::vector<int64_t> kept;
    for (auto at : row.times_ms)
      if (at + f.window_ms > f.at_ms)
        kept.push_back(at);
    kept.push_back(f.at_ms);
    // Only the newest `max_failures` matter for the decision.
    auto max = f.max_failures == 0 ? 1u : f.max_failures;
    if (kept.size() > max)
      kept.erase(kept.begin(), kept.end() - max);
    row.times_ms = std::move(kept);
    row.expires_ms = f.at_ms + f.window_ms;
    put_login_failures(t, key, row);
  }
}

void set_prefs(txn& t, user_id uid, const user_prefs& p) {
  put_user_prefs(t, uid, p);
}

} // namespace skyhaul::storage::rules
