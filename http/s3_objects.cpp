#include "http/s3_face.hpp"

#include "base/http_date.hpp"

#include "http/bridge.hpp"
#include "http/download.hpp"
#include "http/s3_error.hpp"
#include "http/s3_xml.hpp"
#include "storage/blob_store.hpp"
#include "storage/bucket_table.hpp"
#include "storage/lmdb_env.hpp"
#include "storage/object_table.hpp"

#include <caf/all.hpp>
#include <ctime>
#include <filesystem>

namespace skyhaul::http::s3 {

namespace {

/// `response-*` query parameters of a signed GET and the headers they set.
const std::pair<const char*, const char*> response_overrides[] = {
    {"response-content-type", "Content-Type"},
    {"response-content-disposition", "Content-Disposition"},
    {"response-content-encoding", "Content-Encoding"},
    {"response-content-language", "Content-Language"},
    {"response-cache-control", "Cache-Control"},
    {"response-expires", "Expires"},
};

/// If-Match, or else If-Unmodified-Since (RFC 7232, section 6).
bool precondition_holds(const request& req, const std::string& etag,
                        int64_t modified_s) {
  if (auto& im = req.header("if-match"); !im.empty())
    return etag_matches(im, etag);
  auto since = parse_http_date(req.header("if-unmodified-since"));
  return !since || modified_s <= *since;
}

/// If-None-Match, or else If-Modified-Since: the client's copy is current.
bool not_modified(const request& req, const std::string& etag,
                  int64_t modified_s) {
  if (auto& inm = req.header("if-none-match"); !inm.empty())
    return etag_matches(inm, etag);
  auto since = parse_http_date(req.header("if-modified-since"));
  return since && modified_s <= *since;
}

} // namespace

void get_object(const svc_ptr& svc, const caller_ptr& caller, request& req,
                responder respond) {
  auto& bucket = req.params.at("bucket");
  auto& key = req.params.at("key");
  std::optional<storage::object_entry> obj;
  {
    auto t = svc->db->read();
    auto b = storage::get_bucket(t, bucket);
    if (!b) {
      respond(no_such_bucket(req));
      return;
    }
    obj = storage::get_object(t, bucket, key);
    if (!obj) {
      // Whether a key exists is for those who may list the bucket.
      respond(allows(b->acl, b->owner, caller, acl_permission::read)
                  ? error(req, 404, "NoSuchKey",
                          "The specified key does not exist.")
                  : access_denied(req));
      return;
    }
    // The bucket's owner reads every object in it, whoever stored it.
    bool bucket_owner = caller && caller->id == b->owner;
    if (!bucket_owner
        && !allows(obj->acl, obj->owner, caller, acl_permission::read)) {
      respond(access_denied(req));
      return;
    }
  }
  std::vector<std::pair<std::string, std::string>> overrides;
  for (auto& [arg, header] : response_overrides) {
    if (!req.has_arg(arg))
      continue;
    if (!caller) {
      respond(error(req, 400, "InvalidRequest",
                    "Request specific response headers cannot be used for "
                    "anonymous GET requests."));
      return;
    }
    auto& value = req.arg(arg);
    for (auto c : value)
      if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
        respond(error(req, 400, "InvalidArgument",
                      std::string{arg} + " holds a control character"));
        return;
      }
    overrides.emplace_back(header, value);
  }
  auto& f = obj->file;
  auto path = svc->blobs->blob_path(f.blob);
  std::error_code err;
  auto size = std::filesystem::file_size(path, err);
  if (err) {
    respond(error(req, 500, "InternalError", "the object's data is missing"));
    return;
  }
  auto etag = s3_etag(f);
  auto modified_s = f.last_modified_ms / 1000;
  if (!precondition_holds(req, etag, modified_s)) {
    respond(error(req, 412, "PreconditionFailed",
                  "At least one of the pre-conditions you specified did not "
                  "hold"));
    return;
  }
  reply r;
  r.headers = {{"ETag", etag},
               {"Last-Modified", format_http_date(f.last_modified_ms / 1000)},
               {"Accept-Ranges", "bytes"}};
  if (not_modified(req, etag, modified_s)) {
    r.status = 304;
    r.content_type.clear();
    respond(std::move(r));
    return;
  }
  r.content_type
      = f.content_type.empty() ? "binary/octet-stream" : f.content_type;
  for (auto& [header, value] : overrides) {
    if (header == "Content-Type")
      r.content_type = value;
    else
      r.headers.emplace_back(header, value);
  }
  r.file_path = path;
  r.file_length = size;
  if (!apply_range(r, req.header("range"), size)) {
    auto bad = error(req, 416, "InvalidRange",
                     "The requested range is not satisfiable");
    unsatisfiable_range(bad, size);
    respond(std::move(bad));
    return;
  }
  respond(std::move(r));
}

void delete_object(const svc_ptr& svc, const caller_ptr& caller, request& req,
                   responder respond) {
  auto bucket = req.params.at("bucket");
  auto key = req.params.at("key");
  bool exists = false;
  {
    auto t = svc->db->read();
    auto b = storage::get_bucket(t, bucket);
    if (!b) {
      respond(no_such_bucket(req));
      return;
    }
    auto obj = storage::get_object(t, bucket, key);
    bool allowed
        = allows(b->acl, b->owner, caller, acl_permission::write)
          || (obj
              && allows(obj->acl, obj->owner, caller, acl_permission::write));
    if (!allowed) {
      respond(access_denied(req));
      return;
    }
    exists = obj.has_value();
  }
  if (!exists) {
    respond(empty_reply(204));
    return;
  }
  auto resource = req.path;
  ask(
      *svc->sys, svc->store,
      [respond](caf::ok_atom) { respond(empty_reply(204)); },
      [respond, resource](caf::error& err) {
        respond(store_error(resource, err));
      },
      atom::erase_v, bucket, key);
}

} // namespace skyhaul::http::s3
