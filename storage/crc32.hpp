#pragma once

// CRC32 (the gzip/zlib polynomial) of a byte stream.

#include <cstddef>
#include <cstdint>

namespace skyhaul::storage {

/// Continues `crc` (0 for a fresh stream) over `n` bytes at `p`; the same
/// value as zlib's `crc32`. Folds 64 bytes at a time with carry-less
/// multiplication (PCLMULQDQ) where the CPU has it, about twice zlib's
/// speed; zlib otherwise and for the last bytes.
uint32_t crc32_update(uint32_t crc, const void* p, size_t n);

/// Copies `n` bytes from `from` to `to` (not overlapping) and continues
/// `crc` over them, in one pass over the bytes.
uint32_t crc32_copy(uint32_t crc, void* to, const void* from, size_t n);

} // namespace skyhaul::storage
