#include "storage/session_table.hpp"

#include "base/crypto.hpp"

#include <vector>

namespace skyhaul::storage {

std::string session_key(std::string_view token) {
  return sha256_hex(token);
}

void put_session(txn& t, const std::string& key, const session_record& rec) {
  t.put(table::sessions, key, rec);
}

std::optional<session_record> get_session(const txn& t,
                                          const std::string& key) {
  return t.get_as<session_record>(table::sessions, key);
}

std::optional<user_id> live_session(const txn& t, std::string_view token,
                                    int64_t now_ms) {
  // Tokens are 64 hex digits; anything else cannot be one of ours.
  if (token.size() != 64)
    return std::nullopt;
  auto rec = get_session(t, session_key(token));
  if (!rec || rec->expires_ms <= now_ms)
    return std::nullopt;
  return rec->user;
}

bool erase_session(txn& t, const std::string& key) {
  return t.del(table::sessions, key);
}

size_t sweep_sessions(txn& t, int64_t now_ms, size_t limit) {
  std::vector<std::string> dead;
  // Keys are hashes, so this visits sessions in no useful order; a sweep
  // per login still keeps the table near the number of live sessions.
  t.scan(table::sessions, {}, [&](std::string_view k, std::string_view v) {
    auto rec = decode_value<session_record>(table::sessions, k, v);
    if (rec.expires_ms <= now_ms)
      dead.emplace_back(k);
    return dead.size() < limit;
  });
  for (auto& k : dead)
    t.del(table::sessions, k);
  return dead.size();
}

} // namespace skyhaul::storage
