#include "http/tracker_error.hpp"

namespace skyhaul::http {

reply tracker_failure(const std::string& reason) {
  reply r;
  r.status = 200;
  r.content_type = "text/plain";
  r.body = "d14:failure reason" + std::to_string(reason.size()) + ":" + reason
           + "e";
  return r;
}

} // namespace skyhaul::http
