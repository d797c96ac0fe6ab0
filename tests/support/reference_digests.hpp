#pragma once

// Digests computed the plain way (one OpenSSL or zlib call), for tests to
// check what Skyhaul computed as a stream.

#include <cstdio>
#include <string>

#include <openssl/evp.h>
#include <zlib.h>

namespace skyhaul::test {

inline std::string hex_of(const unsigned char* p, size_t n) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string out;
  for (size_t i = 0; i < n; ++i) {
    out += digits[p[i] >> 4];
    out += digits[p[i] & 0xf];
  }
  return out;
}

/// Lower-case hex digest of `data`, e.g. `digest_of(EVP_md5(), data)`.
inline std::string digest_of(const EVP_MD* md, const std::string& data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned n = 0;
  EVP_Digest(data.data(), data.size(), out, &n, md, nullptr);
  return hex_of(out, n);
}

/// CRC32 as 8 zero-padded lower-case hex digits.
inline std::string crc32_of(const std::string& data) {
  char buf[9];
  std::snprintf(buf, sizeof(buf), "%08lx",
                crc32_z(0, reinterpret_cast<const Bytef*>(data.data()),
                        data.size()));
  return buf;
}

} // namespace skyhaul::test
