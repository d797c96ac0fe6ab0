#pragma once

// URLs as status replies and logs may show them: without the credentials
// of `scheme://user:pass@host/...` (FTP and SFTP sources carry them).

#include <string>

namespace skyhaul {

/// `url` with its `user:pass@` taken out (replaced by `***@`).
inline std::string redact_url(const std::string& url) {
  auto scheme = url.find("://");
  if (scheme == std::string::npos)
    return url;
  auto host_start = scheme + 3;
  auto path = url.find_first_of("/?#", host_start);
  auto at = url.rfind('@', path == std::string::npos ? url.size() : path);
  if (at == std::string::npos || at < host_start)
    return url;
  return url.substr(0, host_start) + "***@" + url.substr(at + 1);
}

/// The `host[:port]` of `url`, without credentials; "" when it has none.
inline std::string url_host(const std::string& url) {
  auto scheme = url.find("://");
  if (scheme == std::string::npos)
    return {};
  auto start = scheme + 3;
  auto end = url.find_first_of("/?#", start);
  auto authority = url.substr(start, end == std::string::npos
                                         ? std::string::npos
                                         : end - start);
  auto at = authority.rfind('@');
  return at == std::string::npos ? authority : authority.substr(at + 1);
}

} // namespace skyhaul
