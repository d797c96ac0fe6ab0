#include "http/offcloud/proxies.hpp"

#include "http/offcloud/routes.hpp"

namespace skyhaul::http::offcloud {

void mount_proxies(router::mounted& m, svc_ptr svc) {
  auto list = authed([svc](const user_record& u, request&, responder rsp) {
    // A plan without proxies sees none it could not use.
    bool allowed = plan_of(*svc->cfg, u).proxy;
    rsp(json_reply([&](json_writer& w) {
      w.StartArray();
      if (allowed)
        each_proxy(*svc->cfg, [&](const std::string& id,
                                  const std::string& name,
                                  const std::string& region) {
          w.StartObject();
          put(w, "id", id);
          put(w, "name", name);
          put(w, "region", region);
          w.EndObject();
        });
      w.EndArray();
    }));
  });
  for (auto path : {"/api/proxy", "/api/proxy/list"}) {
    m.add("POST", path, access::required, list);
    m.add("GET", path, access::required, list);
  }
}

} // namespace skyhaul::http::offcloud
