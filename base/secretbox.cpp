#include "base/secretbox.hpp"

#include "base/base64.hpp"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sodium.h>
#include <stdexcept>
#include <sys/stat.h>
#include <unistd.h>

namespace skyhaul::base {

namespace {

void init_sodium() {
  if (sodium_init() < 0)
    throw std::runtime_error("libsodium cannot be initialised");
}

std::runtime_error file_error(const std::string& what, const std::string& path) {
  return std::runtime_error(what + " " + path + ": " + std::strerror(errno));
}

/// Writes a fresh key to `path`, which must not exist yet; false when
/// another process created it first.
bool create_key(const std::string& path) {
  auto fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) {
    if (errno == EEXIST)
      return false;
    throw file_error("cannot create the secret key", path);
  }
  unsigned char key[crypto_secretbox_KEYBYTES];
  crypto_secretbox_keygen(key);
  auto ok = ::write(fd, key, sizeof key) == static_cast<ssize_t>(sizeof key)
            && ::fsync(fd) == 0;
  sodium_memzero(key, sizeof key);
  ::close(fd);
  if (!ok) {
    ::unlink(path.c_str());
    throw file_error("cannot write the secret key", path);
  }
  return true;
}

} // namespace

secretbox secretbox::from_key_file(const std::string& path) {
  init_sodium();
  auto fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0 && errno == ENOENT) {
    create_key(path);
    fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  }
  if (fd < 0)
    throw file_error("cannot read the secret key", path);
  std::string key(crypto_secretbox_KEYBYTES + 1, '\0');
  auto n = ::read(fd, key.data(), key.size());
  ::close(fd);
  if (n != static_cast<ssize_t>(crypto_secretbox_KEYBYTES))
    throw std::runtime_error("the secret key " + path + " is not "
                             + std::to_string(crypto_secretbox_KEYBYTES)
                             + " bytes long");
  key.resize(crypto_secretbox_KEYBYTES);
  return secretbox{std::move(key)};
}

secretbox::secretbox(std::string key) : key_(std::move(key)) {
  init_sodium();
  if (key_.size() != crypto_secretbox_KEYBYTES)
    throw std::invalid_argument("a secretbox key has 32 bytes");
}

std::string secretbox::seal(std::string_view plain) const {
  std::string out(crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES
                      + plain.size(),
                  '\0');
  auto* nonce = reinterpret_cast<unsigned char*>(out.data());
  randombytes_buf(nonce, crypto_secretbox_NONCEBYTES);
  crypto_secretbox_easy(nonce + crypto_secretbox_NONCEBYTES,
                        reinterpret_cast<const unsigned char*>(plain.data()),
                        plain.size(), nonce,
                        reinterpret_cast<const unsigned char*>(key_.data()));
  return base64_encode(out);
}

std::optional<std::string> secretbox::open(std::string_view sealed) const {
  auto bytes = base64_decode(sealed);
  if (!bytes
      || bytes->size() < crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES)
    return std::nullopt;
  auto* nonce = reinterpret_cast<const unsigned char*>(bytes->data());
  auto box_len = bytes->size() - crypto_secretbox_NONCEBYTES;
  std::string plain(box_len - crypto_secretbox_MACBYTES, '\0');
  if (crypto_secretbox_open_easy(
          reinterpret_cast<unsigned char*>(plain.data()),
          nonce + crypto_secretbox_NONCEBYTES, box_len, nonce,
          reinterpret_cast<const unsigned char*>(key_.data()))
      != 0)
    return std::nullopt;
  return plain;
}

} // namespace skyhaul::base
