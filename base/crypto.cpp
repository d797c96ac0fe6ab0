#include "base/crypto.hpp"

#include "base/hex.hpp"

#include <memory>
#include <stdexcept>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

namespace skyhaul {

namespace {

std::string hmac(const EVP_MD* md_type, std::string_view key,
                 std::string_view data) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned len = 0;
  if (HMAC(md_type, key.data(), static_cast<int>(key.size()),
           reinterpret_cast<const unsigned char*>(data.data()), data.size(),
           md, &len)
      == nullptr)
    throw std::runtime_error("HMAC failed");
  return std::string(reinterpret_cast<char*>(md), len);
}

} // namespace

std::string sha256(std::string_view data) {
  // Every authenticated request hashes its key: the algorithm is fetched
  // once and each thread keeps its context, instead of OpenSSL 3 looking
  // both up again per call.
  static EVP_MD* md_type = EVP_MD_fetch(nullptr, "SHA256", nullptr);
  thread_local std::unique_ptr<EVP_MD_CTX, void (*)(EVP_MD_CTX*)> ctx{
    EVP_MD_CTX_new(), EVP_MD_CTX_free};
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned len = 0;
  if (md_type == nullptr || !ctx
      || EVP_DigestInit_ex(ctx.get(), md_type, nullptr) != 1
      || EVP_DigestUpdate(ctx.get(), data.data(), data.size()) != 1
      || EVP_DigestFinal_ex(ctx.get(), md, &len) != 1)
    throw std::runtime_error("SHA-256 failed");
  return std::string(reinterpret_cast<char*>(md), len);
}

std::string sha256_hex(std::string_view data) {
  return to_hex(sha256(data));
}

std::string md5_hex(std::string_view data) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned len = 0;
  if (EVP_Digest(data.data(), data.size(), md, &len, EVP_md5(), nullptr) != 1)
    throw std::runtime_error("MD5 failed");
  return to_hex(md, len);
}

std::string hmac_sha256(std::string_view key, std::string_view data) {
  return hmac(EVP_sha256(), key, data);
}

std::string hmac_sha256_hex(std::string_view key, std::string_view data) {
  return to_hex(hmac_sha256(key, data));
}

std::string hmac_sha1(std::string_view key, std::string_view data) {
  return hmac(EVP_sha1(), key, data);
}

std::string random_hex(size_t n) {
  std::string buf(n, '\0');
  if (RAND_bytes(reinterpret_cast<unsigned char*>(buf.data()),
                 static_cast<int>(n))
      != 1)
    throw std::runtime_error("RAND_bytes failed");
  return to_hex(buf);
}

bool constant_time_equal(std::string_view a, std::string_view b) {
  if (a.size() != b.size())
    return false;
  return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

} // namespace skyhaul
