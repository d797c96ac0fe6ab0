#pragma once
// Request pieces from a fuzz input: a target and header lines.

#include <map>
#include <string>

namespace skyhaul::fuzz {

/// `Name: value` lines (LF-separated) as a header map; lines without ':'
/// are skipped.
inline std::map<std::string, std::string> header_lines(const std::string& s) {
  std::map<std::string, std::string> out;
  size_t pos = 0;
  while (pos < s.size()) {
    auto eol = s.find('\n', pos);
    auto line = s.substr(pos, eol == std::string::npos ? std::string::npos
                                                        : eol - pos);
    auto colon = line.find(':');
    if (colon != std::string::npos && colon > 0)
      out[line.substr(0, colon)] = line.substr(colon + 1);
    if (eol == std::string::npos)
      break;
    pos = eol + 1;
  }
  return out;
}

} // namespace skyhaul::fuzz
