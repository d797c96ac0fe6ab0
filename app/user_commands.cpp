#include "app/user_commands.hpp"

#include "base/password.hpp"
#include "storage/lmdb_env.hpp"
#include "storage/user_table.hpp"

#include <cstdio>
#include <iostream>
#include <string>

namespace skyhaul {

namespace {

/// Passwords shorter than this are refused: the KDF slows guessing, but
/// not enough to save a four-letter word.
constexpr size_t min_password_length = 8;

std::string json_escape(const std::string& s) {
  std::string out;
  for (auto c : s) {
    switch (c) {
    case '"':
      out += "\\\"";
      break;
    case '\\':
      out += "\\\\";
      break;
    default:
      if (static_cast<unsigned char>(c) < 0x20) {
        char buf[8];
        std::snprintf(buf, sizeof(buf), "\\u%04x", c);
        out += buf;
      } else {
        out += c;
      }
    }
  }
  return out;
}

/// The first line of stdin, without its line end; throws for a password
/// the service would refuse.
std::string read_password() {
  std::string pw;
  std::getline(std::cin, pw);
  if (!pw.empty() && pw.back() == '\r')
    pw.pop_back();
  if (pw.size() < min_password_length)
    throw std::invalid_argument("password needs at least "
                                + std::to_string(min_password_length)
                                + " characters");
  if (pw.size() > max_password_length)
    throw std::invalid_argument("password too long");
  return pw;
}

int user_add(storage::lmdb_env& db, const command& cmd) {
  std::string email;
  if (!cmd.email.empty()) {
    email = storage::normalize_email(cmd.email);
    if (email.empty())
      throw std::invalid_argument("not an e-mail address: " + cmd.email);
  }
  // Hash before the write transaction: the KDF takes its time and memory,
  // and the one LMDB writer should not wait for it.
  std::string password_hash;
  if (cmd.password_stdin)
    password_hash = hash_password(read_password());
  auto t = db.write();
  if (storage::find_user_by_name(t, cmd.name)) {
    std::cerr << "skyhauld: user exists: " << cmd.name << "\n";
    return 1;
  }
  if (!email.empty() && storage::find_user_by_email(t, email)) {
    std::cerr << "skyhauld: e-mail address in use: " << email << "\n";
    return 1;
  }
  auto u = storage::make_user(storage::next_user_id(t), cmd.name, cmd.admin,
                              cmd.level);
  u.rec.may_cancel_offline = cmd.may_cancel_offline;
  u.rec.email = email;
  u.rec.password_hash = password_hash;
  u.rec.plan = cmd.plan;
  storage::put_user(t, u.rec);
  t.commit();
  std::cout << user_json(u) << std::endl;
  return 0;
}

int user_passwd(storage::lmdb_env& db, const command& cmd) {
  auto hash = hash_password(read_password());
  auto t = db.write();
  auto rec = storage::find_user_by_name(t, cmd.name);
  if (!rec) {
    std::cerr << "skyhauld: no such user: " << cmd.name << "\n";
    return 1;
  }
  rec->password_hash = hash;
  storage::put_user(t, *rec);
  t.commit();
  std::cout << "{\"id\":" << rec->id << ",\"name\":\""
            << json_escape(rec->name) << "\"}" << std::endl;
  return 0;
}

int user_credential(storage::lmdb_env& db, const command& cmd) {
  auto t = db.write();
  auto rec = storage::find_user_by_name(t, cmd.name);
  if (!rec) {
    std::cerr << "skyhauld: no such user: " << cmd.name << "\n";
    return 1;
  }
  auto credential = storage::rotate_credential(*rec);
  storage::put_user(t, *rec);
  t.commit();
  std::cout << "{\"id\":" << rec->id << ",\"name\":\""
            << json_escape(rec->name) << "\",\"credential\":\"" << credential
            << "\",\"passkey\":\"" << rec->passkey << "\"}" << std::endl;
  return 0;
}

} // namespace

std::string user_json(const storage::new_user& u) {
  auto& r = u.rec;
  return "{\"id\":" + std::to_string(r.id) + ",\"name\":\""
         + json_escape(r.name) + "\",\"api_key\":\"" + u.api_key
         + "\",\"access_key\":\"" + r.access_key + "\",\"secret_key\":\""
         + r.secret_key + "\",\"callback_secret\":\"" + r.callback_secret
         + "\",\"credential\":\"" + u.credential + "\",\"passkey\":\""
         + r.passkey + "\",\"email\":\"" + json_escape(r.email) + "\"}";
}

int run_user_command(const settings& cfg, const command& cmd) {
  storage::lmdb_env db{cfg.data_dir + "/db", cfg.map_size};
  switch (cmd.what) {
  case command::user_add:
    return user_add(db, cmd);
  case command::user_passwd:
    return user_passwd(db, cmd);
  case command::user_credential:
    return user_credential(db, cmd);
  default:
    return 2;
  }
}

} // namespace skyhaul
