#include "http/body_rule.hpp"

#include "http/multipart.hpp"
#include "protocol/text.hpp"

namespace skyhaul::http {

bool upload_type(const std::string& content_type) {
  if (is_form_data(content_type))
    return true;
  auto type = ascii_lower(content_type.substr(0, content_type.find(';')));
  while (!type.empty() && (type.back() == ' ' || type.back() == '\t'))
    type.pop_back();
  auto start = type.find_first_not_of(" \t");
  type = start == std::string::npos ? std::string{} : type.substr(start);
  auto json_suffix = [&] {
    return type.size() > 5 && type.compare(type.size() - 5, 5, "+json") == 0;
  };
  return type.empty() || type == "application/json" || json_suffix();
}

uint64_t body_limit(const body_rule& rule, uint64_t listener_limit,
                    bool authenticated, bool upload) {
  if (authenticated && upload && rule.upload_limit > listener_limit)
    return rule.upload_limit;
  return listener_limit;
}

} // namespace skyhaul::http
