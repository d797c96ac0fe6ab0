#include "base/password.hpp"

#include <sodium.h>
#include <stdexcept>

namespace skyhaul {

namespace {

void init_sodium() {
  // sodium_init is thread-safe and idempotent; it returns 1 when it ran
  // before, -1 only when the library cannot work at all.
  if (sodium_init() < 0)
    throw std::runtime_error("libsodium cannot initialize");
}

} // namespace

std::string hash_password(std::string_view password) {
  init_sodium();
  if (password.size() > max_password_length)
    throw std::invalid_argument("password too long");
  char out[crypto_pwhash_STRBYTES];
  // The interactive limits (64 MiB, 2 passes): a login stays well under a
  // tenth of a second while a guess still costs 64 MiB.
  if (crypto_pwhash_str_alg(out, password.data(), password.size(),
                            crypto_pwhash_OPSLIMIT_INTERACTIVE,
                            crypto_pwhash_MEMLIMIT_INTERACTIVE,
                            crypto_pwhash_ALG_ARGON2ID13)
      != 0)
    throw std::runtime_error("out of memory hashing a password");
  return out;
}

bool verify_password(std::string_view stored, std::string_view password) {
  init_sodium();
  if (stored.empty() || stored.size() >= crypto_pwhash_STRBYTES
      || password.size() > max_password_length)
    return false;
  std::string str{stored}; // crypto_pwhash_str_verify wants it terminated
  return crypto_pwhash_str_verify(str.c_str(), password.data(),
                                  password.size())
         == 0;
}

} // namespace skyhaul
