#include "storage/digest.hpp"

#include <cstdio>
#include <stdexcept>
#include <vector>

#include <fcntl.h>
#include <openssl/evp.h>
#include <unistd.h>
#include <zlib.h>

namespace skyhaul::storage {

namespace {

std::string hex(const unsigned char* p, size_t n) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string out(n * 2, '0');
  for (size_t i = 0; i < n; ++i) {
    out[2 * i] = digits[p[i] >> 4];
    out[2 * i + 1] = digits[p[i] & 0xf];
  }
  return out;
}

struct md_ctx {
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  const EVP_MD* md;
  explicit md_ctx(const EVP_MD* m) : md(m) {
    if (ctx == nullptr || EVP_DigestInit_ex(ctx, md, nullptr) != 1)
      throw std::runtime_error("EVP_DigestInit_ex failed");
  }
  ~md_ctx() {
    EVP_MD_CTX_free(ctx);
  }
  void update(const void* p, size_t n) {
    EVP_DigestUpdate(ctx, p, n);
  }
  std::string finish() {
    unsigned char out[EVP_MAX_MD_SIZE];
    unsigned len = 0;
    EVP_DigestFinal_ex(ctx, out, &len);
    EVP_DigestInit_ex(ctx, md, nullptr);
    return hex(out, len);
  }
  void reset() {
    EVP_DigestInit_ex(ctx, md, nullptr);
  }
};

} // namespace

struct digest_set::impl {
  md_ctx md5{EVP_md5()};
  md_ctx sha1{EVP_sha1()};
  uLong crc = crc32(0L, Z_NULL, 0);
};

digest_set::digest_set() : impl_(std::make_unique<impl>()) {
}

digest_set::~digest_set() = default;
digest_set::digest_set(digest_set&&) noexcept = default;
digest_set& digest_set::operator=(digest_set&&) noexcept = default;

void digest_set::update(const void* data, size_t size) {
  impl_->md5.update(data, size);
  impl_->sha1.update(data, size);
  // zlib takes a 32-bit length.
  auto p = static_cast<const Bytef*>(data);
  auto left = size;
  while (left > 0) {
    auto n = static_cast<uInt>(std::min<size_t>(left, 1u << 30));
    impl_->crc = crc32(impl_->crc, p, n);
    p += n;
    left -= n;
  }
  size_ += size;
}

digest_set::result digest_set::finish() {
  result r;
  r.md5 = impl_->md5.finish();
  r.sha1 = impl_->sha1.finish();
  char buf[9];
  std::snprintf(buf, sizeof(buf), "%08lx",
                static_cast<unsigned long>(impl_->crc));
  r.crc32 = buf;
  impl_->crc = crc32(0L, Z_NULL, 0);
  size_ = 0;
  return r;
}

void digest_set::reset() {
  impl_->md5.reset();
  impl_->sha1.reset();
  impl_->crc = crc32(0L, Z_NULL, 0);
  size_ = 0;
}

uint64_t feed_file(digest_set& ds, const std::string& path, uint64_t limit) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return 0;
  std::vector<char> buf(1 << 20);
  uint64_t total = 0;
  while (total < limit) {
    auto want = static_cast<size_t>(
      std::min<uint64_t>(buf.size(), limit - total));
    auto n = ::read(fd, buf.data(), want);
    if (n <= 0)
      break;
    ds.update(buf.data(), static_cast<size_t>(n));
    total += static_cast<uint64_t>(n);
  }
  ::close(fd);
  return total;
}

} // namespace skyhaul::storage
