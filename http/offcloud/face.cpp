#include "http/offcloud/offcloud.hpp"

#include "http/json.hpp"
#include "http/offcloud/auth_chain.hpp"
#include "http/offcloud/cors.hpp"
#include "http/offcloud/login_limiter.hpp"
#include "http/offcloud/proxies.hpp"
#include "http/offcloud/routes.hpp"

#include <chrono>
#include <set>
#include <stdexcept>

// Remote accounts are mounted on this face by their own file once it is
// there (the accounts' routes are its own, the pushes' routes are here).
#include "http/offcloud/remote_accounts.hpp"

namespace skyhaul::http {

namespace {

using namespace offcloud;

/// Every unauthenticated call answers this, as Offcloud does.
constexpr const char* noauth = "NOAUTH";

/// The face's shape: `{"error":…}`, CORS for allowed origins, and the
/// whole authentication chain. `with_body_key` says whether a `key` in the
/// body counts, which the upload face cannot allow (its limit is decided
/// from the header).
face offcloud_face(svc_ptr svc, std::string name,
                   std::vector<std::string> prefixes, bool with_body_key) {
  face f;
  f.name = std::move(name);
  f.prefixes = std::move(prefixes);
  f.error = [svc](const request& req, unsigned status, const std::string& msg) {
    auto r = offcloud_error(status, status == 401 ? noauth : msg);
    add_cors(*svc->cfg, req, r);
    return r;
  };
  f.authenticate = [svc, with_body_key](const request& req) {
    auth_outcome out;
    bool offered = false;
    auto user = caller_of(*svc, req, offered, with_body_key);
    if (user) {
      out.user = std::make_shared<const user_record>(std::move(*user));
      return out;
    }
    out.anonymous = !offered;
    out.refusal = offcloud_error(401, noauth);
    return out;
  };
  f.auth_reads_body = with_body_key;
  f.stamp_for = [svc](const request& req, responder respond) -> responder {
    // Only what the headers need is kept: the request may be large.
    request head;
    head.headers["origin"] = req.header("origin");
    return [svc, head = std::move(head), respond](reply r) {
      add_cors(*svc->cfg, head, r);
      respond(std::move(r));
    };
  };
  return f;
}

void check_plans(const settings& cfg) {
  if (cfg.default_plan.empty())
    return;
  for (auto& p : cfg.plans)
    if (p.name == cfg.default_plan)
      return;
  throw std::invalid_argument("default_plan names no configured plan: "
                              + cfg.default_plan);
}

} // namespace

void mount_offcloud(router& r, std::shared_ptr<const services> svc) {
  auto& cfg = *svc->cfg;
  check_plans(cfg);
  auto m = r.mount(offcloud_face(svc, "offcloud", {"/api", "/cloud"}, true));
  auto limiter = std::make_shared<login_limiter>(cfg.login_max_failures,
                                                 cfg.login_window_s);
  mount_account(m, svc, limiter);
  mount_cloud(m, svc);
  mount_files(m, svc);
  mount_cache(m, svc);
  mount_remote(m, svc);
  mount_proxies(m, svc);
  mount_remote_accounts(m, svc);
  auto up = r.mount(offcloud_face(svc, "offcloud-upload", {"/torrent"}, false));
  mount_upload(up, svc);
  // Browsers ask before a call with credentials: every path of the two
  // faces answers OPTIONS (after every route is in, the remote accounts'
  // included), and a path of neither stays unknown.
  auto answer_preflight = [svc](const caller_ptr&, request& req,
                                responder respond) {
    respond(preflight(*svc->cfg, req));
  };
  std::set<std::string> seen;
  for (auto& route : r.table()) {
    if (route.method == "OPTIONS" || !seen.insert(route.pattern).second)
      continue;
    if (route.face == "offcloud")
      m.add("OPTIONS", route.pattern, access::open, answer_preflight);
    else if (route.face == "offcloud-upload")
      up.add("OPTIONS", route.pattern, access::open, answer_preflight);
  }
}

} // namespace skyhaul::http
