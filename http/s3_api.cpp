#include "http/s3_api.hpp"

#include "http/not_implemented.hpp"

namespace skyhaul::http {

void add_s3_api(router& r, std::shared_ptr<const services>) {
  add_not_implemented(r);
}

} // namespace skyhaul::http
