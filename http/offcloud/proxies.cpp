#include "http/offcloud/proxies.hpp"

#include "http/bridge.hpp"
#include "http/offcloud/fields.hpp"
#include "http/offcloud/routes.hpp"
#include "storage/lmdb_env.hpp"
#include "storage/prefs_table.hpp"

#include <caf/all.hpp>

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
  // The user's default proxy, which requests naming no `proxyId` use (the
  // seed's "default user proxy server"); Offcloud keeps it in the account
  // settings, so it is set here on the same face. `proxyId` empty: none.
  auto current = [svc](const user_record& u) {
    auto t = svc->db->read();
    return storage::get_user_prefs(t, u.id).default_proxy;
  };
  auto answer = [](const std::string& id) {
    return json_reply([&](json_writer& w) {
      w.StartObject();
      w.Key("success");
      w.Bool(true);
      put(w, "proxyId", id);
      w.EndObject();
    });
  };
  m.add("GET", "/api/proxy/default", access::required,
        authed([current, answer](const user_record& u, request&,
                                 responder rsp) { rsp(answer(current(u))); }));
  m.add("POST", "/api/proxy/default", access::required,
        authed([svc, answer](const user_record& u, request& req,
                             responder rsp) {
          std::string why;
          auto f = read_fields(req, why);
          if (!f)
            return rsp(offcloud_error(400, why));
          auto id = f->get("proxyId");
          if (!id.empty()) {
            if (!plan_of(*svc->cfg, u).proxy)
              return rsp(not_available("proxy"));
            if (!proxy_known(*svc->cfg, id))
              return rsp(offcloud_error(400, "Unknown proxyId: " + id));
          }
          ask(
              *svc->sys, svc->store,
              [rsp, id, answer](caf::ok_atom) { rsp(answer(id)); },
              [rsp](caf::error& err) { rsp(actor_error(err)); },
              caf::put_atom_v, u.id, user_prefs{id});
        }));
}

} // namespace skyhaul::http::offcloud
