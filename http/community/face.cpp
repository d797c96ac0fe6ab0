#include "http/community/face.hpp"

#include "http/community/handlers.hpp"
#include "http/json.hpp"
#include "storage/lmdb_env.hpp"
#include "storage/user_table.hpp"

namespace skyhaul::http {

namespace {

using svc_ptr = std::shared_ptr<const services>;

/// The origin's answer to any credential that does not fit.
constexpr const char* unmatched
    = "Unmatched combination of username and credential";

/// `id` + `credential` headers: read from LMDB on every request, so a
/// rotated credential counts at once; compared in constant time.
auth_outcome authenticate_community(const services& svc,
                                    const request& req) {
  auth_outcome out;
  auto& id = req.header("id");
  auto& credential = req.header("credential");
  out.anonymous = id.empty() && credential.empty();
  out.refusal = community_error(403, unmatched);
  auto uid = community::number(id);
  if (!uid || credential.empty() || credential.size() > 256)
    return out;
  auto t = svc.db->read();
  auto user = storage::get_user(t, *uid);
  if (user && storage::credential_matches(*user, credential))
    out.user = std::make_shared<const user_record>(std::move(*user));
  return out;
}

face community_face(svc_ptr svc) {
  face f;
  f.name = "community";
  f.prefixes = {"/user", "/post"};
  f.error = [](const request&, unsigned status, const std::string& msg) {
    return community_error(status, msg);
  };
  f.authenticate = [svc](const request& req) {
    return authenticate_community(*svc, req);
  };
  return f;
}

handler bind(svc_ptr svc, community::call fn) {
  return [svc, fn](const caller_ptr& caller, request& req, responder rsp) {
    fn(*svc, *caller, req, std::move(rsp));
  };
}

} // namespace

void mount_community(router& r, svc_ptr svc) {
  namespace c = community;
  auto m = r.mount(community_face(svc));
  auto req = access::required;
  // Post routes answer under /user (the seed) and /post (the origin).
  for (std::string base : {"/user/post", "/post"}) {
    m.add("POST", base, req, bind(svc, c::create_post));
    m.add("GET", base, req, bind(svc, c::list_posts));
    m.add("GET", base + "/:pid", req, bind(svc, c::get_post));
    m.add("PUT", base + "/:pid", req, bind(svc, c::update_post));
    m.add("DELETE", base + "/:pid", req, bind(svc, c::delete_post));
    m.add("POST", base + "/:pid/thread", req, bind(svc, c::add_thread));
    m.add("GET", base + "/:pid/thread", req, bind(svc, c::thread_page));
    // The upload may be as large as a torrent may be, for its author.
    body_rule upload;
    upload.upload_limit = svc->cfg->bt_max_torrent_size + 64 * 1024;
    m.add("POST", base + "/:pid/metainfo", req, bind(svc, c::upload_metainfo),
          upload);
    m.add("GET", base + "/:pid/metainfo", req,
          bind(svc, c::download_metainfo));
    m.add("POST", base + "/:pid/fetch", req, bind(svc, c::fetch_post));
  }
  m.add("GET", "/user/level", req, bind(svc, c::list_levels));
  m.add("POST", "/user/level", req, bind(svc, c::put_level));
  m.add("PUT", "/user/level/:lid", req, bind(svc, c::put_level));
  m.add("DELETE", "/user/level/:lid", req, bind(svc, c::delete_level));
  m.add("GET", "/user/me", req, bind(svc, c::show_me));
  m.add("GET", "/user/:uid", req, bind(svc, c::show_user));
}

} // namespace skyhaul::http
