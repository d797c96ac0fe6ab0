#include "storage/rules/sessions.hpp"

namespace skyhaul::storage::rules {

void open_session(txn& t, const std::string& key, const session_record& rec,
                  int64_t now_ms) {
  sweep_sessions(t, now_ms, session_sweep);
  put_session(t, key, rec);
}

void close_session(txn& t, const std::string& key) {
  erase_session(t, key);
}

} // namespace skyhaul::storage::rules
