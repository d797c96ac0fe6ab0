#include "http/ui_api.hpp"

#include "http/auth.hpp"
#include "http/bridge.hpp"
#include "http/community/handlers.hpp"
#include "http/download.hpp"
#include "http/json.hpp"
#include "http/validate.hpp"
#include "protocol/object_key.hpp"
#include "storage/blob_store.hpp"
#include "storage/bucket_table.hpp"
#include "storage/lmdb_env.hpp"
#include "storage/object_list.hpp"
#include "storage/object_table.hpp"

#include <caf/all.hpp>
#include <filesystem>

namespace skyhaul::http {

namespace {

using svc_ptr = std::shared_ptr<const services>;

/// Most objects one listing page may hold.
constexpr size_t max_page = 1000;

face ui_api_face(svc_ptr svc) {
  face f;
  f.name = "ui_api";
  f.prefixes = {"/ui/api"};
  f.error = [](const request&, unsigned status, const std::string& msg) {
    return json_error(status, msg);
  };
  f.authenticate = [svc](const request& req) {
    auth_outcome out;
    std::string why;
    if (auto user = authenticate(*svc, req, why)) {
      out.user = std::make_shared<const user_record>(std::move(*user));
      return out;
    }
    out.anonymous = api_key_of(req).empty() && req.header("cookie").empty();
    out.refusal = json_error(401, why);
    return out;
  };
  return f;
}

/// The caller's bucket named by `?bucket=`; answers itself when it is
/// malformed, unknown or someone else's (all alike: 404).
bool own_bucket(const storage::txn& t, const user_record& u,
                const std::string& name, responder& respond) {
  if (!valid_bucket_name(name)) {
    respond(json_error(400, "bucket must be a valid bucket name"));
    return false;
  }
  auto b = storage::get_bucket(t, name);
  if (!b || b->owner != u.id) {
    respond(json_error(404, "no such bucket: " + name));
    return false;
  }
  return true;
}

/// The object key (`?name=`: `?key=` is the api key's place), checked as
/// S3 checks object keys; answers itself when bad.
bool good_key(const std::string& key, responder& respond) {
  if (auto bad = check_object_key(key)) {
    respond(json_error(400, "key: " + *bad));
    return false;
  }
  return true;
}

/// The signed-in user as the pages show it; no secrets.
void write_user(json_writer& w, const user_record& u) {
  w.StartObject();
  w.Key("id");
  w.Uint64(u.id);
  put(w, "name", u.name);
  put(w, "email", u.email);
  w.Key("admin");
  w.Bool(u.admin);
  w.Key("level");
  w.Uint(u.level);
  put(w, "plan", u.plan);
  w.EndObject();
}

void me(const user_record& u, responder respond) {
  respond(json_success([&](json_writer& w) {
    w.Key("detail");
    write_user(w, u);
  }));
}

/// Who the request's credentials name, if anyone: the page's first call,
/// which must not fail (and fill the console) for a visitor who has not
/// signed in yet, or whose session ended.
void session(const services& svc, const request& req, responder respond) {
  std::string why;
  auto user = authenticate(svc, req, why);
  respond(json_success([&](json_writer& w) {
    w.Key("detail");
    if (user) {
      write_user(w, *user);
    } else {
      w.Null();
      put(w, "reason", why);
    }
  }));
}

void buckets(const services& svc, const user_record& u, responder respond) {
  std::vector<storage::bucket_info> list;
  {
    auto t = svc.db->read();
    list = storage::list_buckets(t, u.id);
  }
  respond(json_success([&](json_writer& w) {
    w.Key("detail");
    w.StartArray();
    for (auto& b : list) {
      w.StartObject();
      put(w, "name", b.name);
      w.Key("created");
      w.Int64(b.created_ms);
      put(w, "acl", b.acl.canned.empty() ? "private" : b.acl.canned);
      w.EndObject();
    }
    w.EndArray();
  }));
}

void objects(const services& svc, const user_record& u, request& req,
             responder respond) {
  auto& bucket = req.arg("bucket");
  storage::list_request q;
  q.prefix = req.arg("prefix");
  q.start_after = req.arg("marker");
  q.delimiter = req.has_arg("delimiter") ? req.arg("delimiter") : "/";
  if (q.prefix.size() > 1024 || q.start_after.size() > 1024
      || q.delimiter.size() > 8) {
    respond(json_error(400, "prefix and marker may have at most 1024 bytes, "
                            "delimiter 8"));
    return;
  }
  q.max_keys = 200;
  if (req.has_arg("limit")) {
    auto& v = req.arg("limit");
    if (v.empty() || v.size() > 4
        || v.find_first_not_of("0123456789") != std::string::npos
        || std::stoul(v) == 0 || std::stoul(v) > max_page) {
      respond(json_error(400, "limit must be 1-1000"));
      return;
    }
    q.max_keys = std::stoul(v);
  }
  auto t = svc.db->read();
  if (!own_bucket(t, u, bucket, respond))
    return;
  auto page = storage::list_objects(t, bucket, q);
  respond(json_success([&](json_writer& w) {
    w.Key("detail");
    w.StartObject();
    put(w, "bucket", bucket);
    put(w, "prefix", q.prefix);
    w.Key("objects");
    w.StartArray();
    for (auto& o : page.objects) {
      auto& f = o.entry.file;
      w.StartObject();
      put(w, "key", o.key);
      w.Key("size");
      w.Uint64(f.size);
      put(w, "md5", f.md5);
      put(w, "sha1", f.sha1);
      put(w, "crc32", f.crc32);
      put(w, "content_type", f.content_type);
      w.Key("last_modified");
      w.Int64(f.last_modified_ms);
      w.EndObject();
    }
    w.EndArray();
    w.Key("prefixes");
    w.StartArray();
    for (auto& p : page.common_prefixes)
      w.String(p.c_str(), static_cast<rapidjson::SizeType>(p.size()));
    w.EndArray();
    put(w, "next", page.truncated ? page.last : std::string{});
    w.EndObject();
  }));
}

/// The object's bytes, as an attachment named after the key's last part.
void object(const services& svc, const user_record& u, request& req,
            responder respond) {
  auto& bucket = req.arg("bucket");
  auto& key = req.arg("name");
  std::optional<storage::object_entry> obj;
  {
    auto t = svc.db->read();
    if (!own_bucket(t, u, bucket, respond) || !good_key(key, respond))
      return;
    obj = storage::get_object(t, bucket, key);
  }
  if (!obj) {
    respond(json_error(404, "no such object: " + key));
    return;
  }
  auto& f = obj->file;
  auto path = svc.blobs->blob_path(f.blob);
  std::error_code err;
  auto size = std::filesystem::file_size(path, err);
  if (err) {
    respond(json_error(500, "the object's data is missing"));
    return;
  }
  reply r;
  r.content_type
      = f.content_type.empty() ? "application/octet-stream" : f.content_type;
  auto slash = key.rfind('/');
  auto name = slash == std::string::npos ? key : key.substr(slash + 1);
  r.headers.emplace_back("Content-Disposition",
                         "attachment; filename*=UTF-8''" + url_encode(name));
  r.headers.emplace_back("Accept-Ranges", "bytes");
  // Never a page of the UI's origin, whatever the object holds.
  r.headers.emplace_back("X-Content-Type-Options", "nosniff");
  r.headers.emplace_back("Content-Security-Policy", "sandbox");
  r.file_path = path;
  r.file_length = size;
  if (!apply_range(r, req.header("range"), size)) {
    respond(json_error(416, "the requested range is not satisfiable"));
    return;
  }
  respond(std::move(r));
}

void delete_object(const services& svc, const user_record& u, request& req,
                   responder respond) {
  auto bucket = req.arg("bucket");
  auto key = req.arg("name");
  {
    auto t = svc.db->read();
    if (!own_bucket(t, u, bucket, respond) || !good_key(key, respond))
      return;
    if (!storage::get_object(t, bucket, key)) {
      respond(json_error(404, "no such object: " + key));
      return;
    }
  }
  ask(
      *svc.sys, svc.store,
      [respond](caf::ok_atom) { respond(json_success([](json_writer&) {})); },
      [respond](caf::error& e) { respond(json_error(e)); }, atom::erase_v,
      bucket, key);
}

using authed_fn = void (*)(const services&, const user_record&, request&,
                           responder);

handler bind(svc_ptr svc, authed_fn fn) {
  return [svc, fn](const caller_ptr& caller, request& req, responder rsp) {
    fn(*svc, *caller, req, std::move(rsp));
  };
}

} // namespace

void mount_ui_api(router& r, svc_ptr svc) {
  auto m = r.mount(ui_api_face(svc));
  auto req = access::required;
  m.add("GET", "/ui/api/me", req,
        [](const caller_ptr& caller, request&, responder rsp) {
          me(*caller, std::move(rsp));
        });
  // Open: it answers for anyone, and names the caller when there is one.
  m.add("GET", "/ui/api/session", access::open,
        [svc](const caller_ptr&, request& req, responder rsp) {
          session(*svc, req, std::move(rsp));
        });
  m.add("GET", "/ui/api/buckets", req,
        [svc](const caller_ptr& caller, request&, responder rsp) {
          buckets(*svc, *caller, std::move(rsp));
        });
  m.add("GET", "/ui/api/objects", req, bind(svc, objects));
  m.add("GET", "/ui/api/object", req, bind(svc, object));
  m.add("DELETE", "/ui/api/object", req, bind(svc, delete_object));
  // The community face's handlers for the caller signed in here; their
  // replies keep the community envelope.
  namespace c = community;
  std::string base = "/ui/api/community/post";
  m.add("GET", base, req, bind(svc, c::list_posts));
  m.add("POST", base, req, bind(svc, c::create_post));
  m.add("GET", base + "/:pid", req, bind(svc, c::get_post));
  m.add("POST", base + "/:pid/thread", req, bind(svc, c::add_thread));
  m.add("GET", base + "/:pid/thread", req, bind(svc, c::thread_page));
  body_rule upload;
  upload.upload_limit = svc->cfg->bt_max_torrent_size + 64 * 1024;
  m.add("POST", base + "/:pid/metainfo", req, bind(svc, c::upload_metainfo),
        upload);
  m.add("GET", base + "/:pid/metainfo", req, bind(svc, c::download_metainfo));
  m.add("POST", base + "/:pid/fetch", req, bind(svc, c::fetch_post));
  m.add("GET", "/ui/api/community/me", req, bind(svc, c::show_me));
  m.add("GET", "/ui/api/community/level", req, bind(svc, c::list_levels));
}

} // namespace skyhaul::http
