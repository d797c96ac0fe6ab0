#pragma once
// What every fuzz target shares: a check that stops the run with a
// message (libFuzzer records the input as a crash), and the input as text.

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

/// Aborts when `cond` is false: a broken property is a finding, like a
/// crash.
#define FUZZ_CHECK(cond)                                                     \
  do {                                                                       \
    if (!(cond)) {                                                           \
      std::fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__,  \
                   #cond);                                                   \
      std::abort();                                                          \
    }                                                                        \
  } while (false)

namespace skyhaul::fuzz {

inline std::string text(const uint8_t* data, size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

/// Splits the input at its first NUL byte into two fields (the second
/// empty without one), so one input can drive a parser with two arguments.
inline std::pair<std::string, std::string> split2(const std::string& in) {
  auto nul = in.find('\0');
  if (nul == std::string::npos)
    return {in, {}};
  return {in.substr(0, nul), in.substr(nul + 1)};
}

} // namespace skyhaul::fuzz
