#include "storage/crc32.hpp"

#include <cstring>
#include <zlib.h>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define SKYHAUL_HAVE_CLMUL 1
#endif

namespace skyhaul::storage {

namespace {

#ifdef SKYHAUL_HAVE_CLMUL

#define SKYHAUL_CLMUL __attribute__((target("pclmul,sse4.1")))

SKYHAUL_CLMUL inline __m128i load(const unsigned char* p) {
  return _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
}

/// `load`, and the 16 bytes stored at `to + at` too when copying.
template <bool Copy>
SKYHAUL_CLMUL inline __m128i take(const unsigned char* p, unsigned char* to,
                                  size_t at) {
  auto x = load(p);
  if constexpr (Copy)
    _mm_storeu_si128(reinterpret_cast<__m128i*>(to + at), x);
  return x;
}

/// One fold: `x` times `k` (both 64-bit halves), plus `next`.
SKYHAUL_CLMUL inline __m128i step(__m128i x, __m128i k, __m128i next) {
  auto lo = _mm_clmulepi64_si128(x, k, 0x00);
  auto hi = _mm_clmulepi64_si128(x, k, 0x11);
  return _mm_xor_si128(_mm_xor_si128(hi, lo), next);
}

/// The CRC of `len` bytes (a multiple of 16, at least 64) in the
/// bit-reflected domain, after Intel's "Fast CRC Computation for Generic
/// Polynomials Using PCLMULQDQ" (Gopal et al., 2009), as zlib-ng and
/// Chromium's zlib do it: four 128-bit lanes folded 64 bytes at a time,
/// folded into one, reduced to 64 and then (Barrett) to 32 bits. `crc` and
/// the result are not inverted. With `Copy`, every byte read is also
/// stored at the same place in `to`: one pass for a copy and its CRC.
template <bool Copy>
SKYHAUL_CLMUL uint32_t fold(const unsigned char* buf, size_t len, uint32_t crc,
                            unsigned char* to) {
  const auto* start = buf;
  // x^(4*128+64) mod P, x^(4*128) mod P; x^(128+64), x^128; x^64; and
  // P' with mu for the Barrett step, all bit-reflected (the paper's tables).
  alignas(16) static const uint64_t k1k2[] = {0x0154442bd4, 0x01c6e41596};
  alignas(16) static const uint64_t k3k4[] = {0x01751997d0, 0x00ccaa009e};
  alignas(16) static const uint64_t k5k0[] = {0x0163cd6124, 0x0000000000};
  alignas(16) static const uint64_t poly[] = {0x01db710641, 0x01f7011641};
  auto at = [&](size_t k) { return static_cast<size_t>(buf - start) + k; };
  auto x1 = _mm_xor_si128(take<Copy>(buf, to, at(0)),
                          _mm_cvtsi32_si128(static_cast<int>(crc)));
  auto x2 = take<Copy>(buf + 16, to, at(16));
  auto x3 = take<Copy>(buf + 32, to, at(32));
  auto x4 = take<Copy>(buf + 48, to, at(48));
  buf += 64;
  len -= 64;
  auto k = _mm_load_si128(reinterpret_cast<const __m128i*>(k1k2));
  while (len >= 64) {
    x1 = step(x1, k, take<Copy>(buf, to, at(0)));
    x2 = step(x2, k, take<Copy>(buf + 16, to, at(16)));
    x3 = step(x3, k, take<Copy>(buf + 32, to, at(32)));
    x4 = step(x4, k, take<Copy>(buf + 48, to, at(48)));
    buf += 64;
    len -= 64;
  }
  k = _mm_load_si128(reinterpret_cast<const __m128i*>(k3k4));
  x1 = step(x1, k, x2);
  x1 = step(x1, k, x3);
  x1 = step(x1, k, x4);
  while (len >= 16) {
    x1 = step(x1, k, take<Copy>(buf, to, at(0)));
    buf += 16;
    len -= 16;
  }
  // 128 -> 64 bits.
  auto mask = _mm_setr_epi32(~0, 0, ~0, 0);
  x2 = _mm_clmulepi64_si128(x1, k, 0x10);
  x1 = _mm_xor_si128(_mm_srli_si128(x1, 8), x2);
  k = _mm_loadl_epi64(reinterpret_cast<const __m128i*>(k5k0));
  x2 = _mm_srli_si128(x1, 4);
  x1 = _mm_clmulepi64_si128(_mm_and_si128(x1, mask), k, 0x00);
  x1 = _mm_xor_si128(x1, x2);
  // Barrett reduction to 32 bits.
  k = _mm_load_si128(reinterpret_cast<const __m128i*>(poly));
  x2 = _mm_clmulepi64_si128(_mm_and_si128(x1, mask), k, 0x10);
  x2 = _mm_clmulepi64_si128(_mm_and_si128(x2, mask), k, 0x00);
  x1 = _mm_xor_si128(x1, x2);
  return static_cast<uint32_t>(_mm_extract_epi32(x1, 1));
}

#undef SKYHAUL_CLMUL

bool has_pclmul() {
  static const bool yes = __builtin_cpu_supports("pclmul")
                          && __builtin_cpu_supports("sse4.1");
  return yes;
}

#else

bool has_pclmul() {
  return false;
}

template <bool Copy>
uint32_t fold(const unsigned char*, size_t, uint32_t crc, unsigned char*) {
  return crc;
}

#endif

} // namespace

uint32_t crc32_update(uint32_t crc, const void* p, size_t n) {
  auto bytes = static_cast<const unsigned char*>(p);
  if (n >= 64 && has_pclmul()) {
    auto bulk = n & ~size_t{15};
    crc = ~fold<false>(bytes, bulk, ~crc, nullptr);
    bytes += bulk;
    n -= bulk;
  }
  return n == 0 ? crc
                : static_cast<uint32_t>(crc32_z(crc, bytes, n));
}

uint32_t crc32_copy(uint32_t crc, void* to, const void* from, size_t n) {
  auto src = static_cast<const unsigned char*>(from);
  auto dst = static_cast<unsigned char*>(to);
  if (n >= 64 && has_pclmul()) {
    auto bulk = n & ~size_t{15};
    crc = ~fold<true>(src, bulk, ~crc, dst);
    src += bulk;
    dst += bulk;
    n -= bulk;
  }
  if (n == 0)
    return crc;
  std::memcpy(dst, src, n);
  return static_cast<uint32_t>(crc32_z(crc, src, n));
}

} // namespace skyhaul::storage
