#include "http/s3_bucket_config.hpp"

namespace skyhaul::http {

bool location_ok(const std::string& body) {
  const std::string open = "<LocationConstraint>";
  auto a = body.find(open);
  if (a == std::string::npos)
    return true;
  a += open.size();
  auto b = body.find('<', a);
  auto region = body.substr(a, b == std::string::npos ? 0 : b - a);
  return region.empty() || region == "us-east-1";
}

} // namespace skyhaul::http
