#include "http/community/bodies.hpp"
#include "http/community/envelope.hpp"
#include "http/community/handlers.hpp"
#include "http/community/render.hpp"

#include "storage/lmdb_env.hpp"
#include "storage/user_table.hpp"

namespace skyhaul::http::community {

void list_levels(const services& svc, const user_record&, request&,
                 responder respond) {
  auto t = svc.db->read();
  renderer r{t};
  respond(success(200, "Get levels", [&](json_writer& w) {
    w.StartArray();
    for (auto& l : r.levels())
      r.level(w, l);
    w.EndArray();
  }));
}

void put_level(const services& svc, const user_record& user, request& req,
               responder respond) {
  if (!user.admin)
    return respond(community_error(403, "Only admins may change levels"));
  auto w = write_of(user, community_op::put_level);
  if (req.params.count("lid")) {
    auto lid = id_param(req, "lid");
    if (!lid || *lid > UINT32_MAX)
      return respond(community_error(404, "No such level"));
    w.level.lid = static_cast<uint32_t>(*lid);
  }
  if (auto bad = read_level(req.body, w.level))
    return respond(community_error(400, *bad));
  bool create = w.level.lid == 0;
  write(svc, std::move(w), respond, create ? 201 : 200,
        create ? "Level persisted" : "Level updated", 'l');
}

void delete_level(const services& svc, const user_record& user,
                  request& req, responder respond) {
  if (!user.admin)
    return respond(community_error(403, "Only admins may change levels"));
  auto lid = id_param(req, "lid");
  if (!lid || *lid > UINT32_MAX)
    return respond(community_error(404, "No such level"));
  auto w = write_of(user, community_op::delete_level, *lid);
  write(svc, std::move(w), respond, 200, "Level deleted", '-');
}

void show_me(const services& svc, const user_record& user, request&,
             responder respond) {
  auto t = svc.db->read();
  renderer r{t};
  respond(success(200, "Get user",
                  [&](json_writer& w) { r.user(w, user, true); }));
}

void show_user(const services& svc, const user_record& user, request& req,
               responder respond) {
  auto uid = id_param(req, "uid");
  auto t = svc.db->read();
  auto other = uid ? storage::get_user(t, *uid) : std::nullopt;
  if (!other)
    return respond(community_error(404, "No such user found"));
  renderer r{t};
  respond(success(200, "Get user", [&](json_writer& w) {
    r.user(w, *other, other->id == user.id);
  }));
}

} // namespace skyhaul::http::community
