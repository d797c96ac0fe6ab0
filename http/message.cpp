#include "http/message.hpp"

namespace skyhaul::http {

namespace {

const std::string empty_string;

} // namespace

const std::string& request::header(const std::string& name) const {
  auto i = headers.find(name);
  return i == headers.end() ? empty_string : i->second;
}

const std::string& request::arg(const std::string& name) const {
  auto i = query.find(name);
  return i == query.end() ? empty_string : i->second;
}

void parse_target(const std::string& target, std::string& path,
                  std::map<std::string, std::string>& query) {
  auto q = target.find('?');
  path = url_decode(target.substr(0, q), false);
  if (q == std::string::npos)
    return;
  auto rest = target.substr(q + 1);
  size_t pos = 0;
  while (pos <= rest.size()) {
    auto amp = rest.find('&', pos);
    auto part = rest.substr(pos, amp == std::string::npos ? std::string::npos
                                                          : amp - pos);
    if (!part.empty()) {
      auto eq = part.find('=');
      auto key = url_decode(part.substr(0, eq), true);
      auto value = eq == std::string::npos
                     ? std::string{}
                     : url_decode(part.substr(eq + 1), true);
      query.emplace(std::move(key), std::move(value));
    }
    if (amp == std::string::npos)
      break;
    pos = amp + 1;
  }
}

} // namespace skyhaul::http
