#include "protocol/text.hpp"

namespace skyhaul {

std::string ascii_lower(std::string_view s) {
  std::string out{s};
  for (auto& c : out)
    if (c >= 'A' && c <= 'Z')
      c = static_cast<char>(c - 'A' + 'a');
  return out;
}

std::string trim_space(std::string_view s) {
  auto space = [](char c) {
    return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v'
           || c == '\f';
  };
  while (!s.empty() && space(s.back()))
    s.remove_suffix(1);
  while (!s.empty() && space(s.front()))
    s.remove_prefix(1);
  return std::string{s};
}

} // namespace skyhaul
