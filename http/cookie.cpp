#include "http/cookie.hpp"

namespace skyhaul::http {

std::string cookie_value(const request& req, std::string_view name) {
  auto& cookies = req.header("cookie");
  std::string want{name};
  want += '=';
  size_t pos = 0;
  while (pos < cookies.size()) {
    auto semi = cookies.find(';', pos);
    auto item = cookies.substr(pos, semi == std::string::npos
                                        ? std::string::npos
                                        : semi - pos);
    pos = semi == std::string::npos ? cookies.size() : semi + 1;
    auto first = item.find_first_not_of(' ');
    if (first == std::string::npos)
      continue;
    item = item.substr(first);
    if (item.rfind(want, 0) == 0) {
      auto v = item.substr(want.size());
      if (v.size() >= 2 && v.front() == '"' && v.back() == '"')
        v = v.substr(1, v.size() - 2);
      return v;
    }
  }
  return {};
}

} // namespace skyhaul::http
