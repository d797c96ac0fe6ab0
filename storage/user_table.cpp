#include "storage/user_table.hpp"

#include <cctype>
#include <memory>
#include <stdexcept>

#include "base/crypto.hpp"
#include "storage/rows.hpp"

namespace skyhaul::storage {

namespace {

std::string index_key(char kind, std::string_view value) {
  std::string k(1, kind);
  k += ':';
  k += value;
  return k;
}

std::optional<user_record> by_index(const txn& t, char kind,
                                    std::string_view value) {
  auto row = t.get_as<user_key_row>(table::user_keys, index_key(kind, value));
  if (!row)
    return std::nullopt;
  return get_user(t, row->id);
}

} // namespace

std::string rotate_credential(user_record& rec) {
  auto credential = random_hex(20);
  rec.credential_hash = sha256_hex(credential);
  rec.passkey = random_hex(16);
  return credential;
}

std::string normalize_email(std::string_view email) {
  while (!email.empty() && (email.front() == ' ' || email.front() == '\t'))
    email.remove_prefix(1);
  while (!email.empty() && (email.back() == ' ' || email.back() == '\t'))
    email.remove_suffix(1);
  auto at = email.find('@');
  if (email.size() > 254 || at == std::string_view::npos || at == 0
      || at + 1 == email.size() || email.find('@', at + 1) != email.npos)
    return {};
  std::string out;
  out.reserve(email.size());
  for (auto c : email) {
    auto u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u == 0x7f)
      return {};
    out += static_cast<char>(std::tolower(u));
  }
  return out;
}

new_user make_user(user_id id, std::string name, bool admin, uint32_t level) {
  new_user out;
  out.api_key = "sk_" + random_hex(24);
  auto& r = out.rec;
  r.id = id;
  r.name = std::move(name);
  r.admin = admin;
  r.level = level;
  r.api_key_hash = sha256_hex(out.api_key);
  // AWS-shaped keys: 20 upper-case characters and a 40 character secret.
  r.access_key = "SKY" + random_hex(9);
  for (auto& c : r.access_key)
    c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  r.secret_key = random_hex(20);
  r.callback_secret = random_hex(32);
  r.created_ms = now_ms();
  out.credential = rotate_credential(r);
  return out;
}

std::optional<user_record> get_user(const txn& t, user_id id) {
  auto v = t.get(table::users, be64(id));
  if (!v)
    return std::nullopt;
  user_record rec;
  if (!decode(*v, rec))
    throw lmdb_error("corrupt user record");
  return rec;
}

std::optional<user_record> find_user_by_api_key(const txn& t,
                                                std::string_view api_key) {
  auto hash = sha256_hex(api_key);
  auto rec = by_index(t, 'a', hash);
  if (!rec || !constant_time_equal(rec->api_key_hash, hash))
    return std::nullopt;
  return rec;
}

std::optional<user_record> find_user_by_access_key(const txn& t,
                                                   std::string_view key) {
  return by_index(t, 's', key);
}

std::optional<user_record> find_user_by_email(const txn& t,
                                              std::string_view email) {
  auto norm = normalize_email(email);
  if (norm.empty())
    return std::nullopt;
  return by_index(t, 'e', norm);
}

std::optional<user_record> find_user_by_passkey(const txn& t,
                                                std::string_view passkey) {
  if (passkey.empty())
    return std::nullopt;
  auto rec = by_index(t, 'p', passkey);
  if (!rec || !constant_time_equal(rec->passkey, passkey))
    return std::nullopt;
  return rec;
}

bool credential_matches(const user_record& rec, std::string_view credential) {
  if (rec.credential_hash.empty() || credential.empty())
    return false;
  return constant_time_equal(rec.credential_hash, sha256_hex(credential));
}

std::optional<user_record> find_user_by_name(const txn& t,
                                             std::string_view name) {
  return by_index(t, 'n', name);
}

void put_user(txn& t, const user_record& rec) {
  if (!rec.email.empty()) {
    auto holder = t.get_as<user_key_row>(table::user_keys,
                                         index_key('e', rec.email));
    if (holder && holder->id != rec.id)
      throw std::invalid_argument("e-mail address in use: " + rec.email);
  }
  if (auto old = get_user(t, rec.id)) {
    t.del(table::user_keys, index_key('a', old->api_key_hash));
    t.del(table::user_keys, index_key('s', old->access_key));
    t.del(table::user_keys, index_key('n', old->name));
    if (!old->email.empty())
      t.del(table::user_keys, index_key('e', old->email));
    if (!old->passkey.empty())
      t.del(table::user_keys, index_key('p', old->passkey));
  }
  user_key_row row{rec.id};
  t.put(table::user_keys, index_key('a', rec.api_key_hash), row);
  t.put(table::user_keys, index_key('s', rec.access_key), row);
  t.put(table::user_keys, index_key('n', rec.name), row);
  if (!rec.email.empty())
    t.put(table::user_keys, index_key('e', rec.email), row);
  if (!rec.passkey.empty())
    t.put(table::user_keys, index_key('p', rec.passkey), row);
  t.put(table::users, be64(rec.id), rec);
}

user_id next_user_id(txn& t) {
  count_row last;
  if (auto row = t.get_as<count_row>(table::meta, "last_user_id"))
    last = *row;
  ++last.count;
  t.put(table::meta, "last_user_id", last);
  return last.count;
}

} // namespace skyhaul::storage
