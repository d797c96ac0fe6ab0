#include "http/listeners.hpp"

#include "http/community/face.hpp"
#include "http/events_face.hpp"
#include "http/tracker_face.hpp"

#include "http/offcloud/offcloud.hpp"
#include "http/offline_api.hpp"
#include "http/router.hpp"
#include "http/s3_api.hpp"
#include "http/task_api.hpp"
#include "http/ui_api.hpp"
#include "http/ui_face.hpp"

namespace skyhaul::http {

std::vector<listener_spec>
standard_listeners(std::shared_ptr<const services> svc) {
  auto& cfg = *svc->cfg;
  auto api = std::make_shared<router>(cfg.max_body_bytes);
  mount_task_api(*api, svc);
  mount_community(*api, svc);
  mount_tracker(*api, svc);
  mount_offcloud(*api, svc);
  mount_events(*api, svc);
  // The web UI: its pages at / (and every path no face claims), its JSON.
  mount_ui(*api, svc);
  mount_ui_api(*api, svc);
  auto offline = std::make_shared<router>(cfg.max_body_bytes);
  mount_offline_api(*offline, svc);
  auto s3 = std::make_shared<router>(cfg.max_body_bytes);
  mount_s3_api(*s3, svc);
  return {{"api", cfg.api, std::move(api)},
          {"offline", cfg.offline, std::move(offline)},
          {"s3", cfg.s3, std::move(s3)}};
}

} // namespace skyhaul::http
