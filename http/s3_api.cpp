#include "http/s3_api.hpp"

#include "base/crypto.hpp"

#include "base/http_date.hpp"
#include "http/bridge.hpp"
#include "http/download.hpp"
#include "protocol/object_key.hpp"
#include "http/s3_auth.hpp"
#include "http/s3_error.hpp"
#include "http/s3_xml.hpp"
#include "http/validate.hpp"
#include "protocol/error.hpp"
#include "storage/blob_store.hpp"
#include "storage/bucket_table.hpp"
#include "storage/object_list.hpp"
#include "storage/object_table.hpp"
#include "storage/user_table.hpp"

#include <caf/all.hpp>
#include <cctype>
#include <ctime>
#include <filesystem>
#include <map>

namespace skyhaul::http {

namespace {

using svc_ptr = std::shared_ptr<const services>;

/// The signer of a request; null for an anonymous one.
using caller_ptr = std::shared_ptr<const user_record>;

using s3_handler
    = std::function<void(const svc_ptr&, caller_ptr, request&, responder)>;

/// Sub-resources (query names) of S3 operations Skyhaul does not do: a
/// request naming one gets NotImplemented rather than a wrong answer
/// (e.g. `GET /b?acl` listing the bucket).
const char* const unsupported_subresources[] = {
    "accelerate",   "acl",
    "analytics",    "attributes",
    "cors",         "delete",
    "encryption",   "intelligent-tiering",
    "inventory",    "legal-hold",
    "lifecycle",    "logging",
    "metrics",      "notification",
    "object-lock",  "ownershipControls",
    "partNumber",   "policy",
    "policyStatus", "publicAccessBlock",
    "replication",  "requestPayment",
    "restore",      "retention",
    "select",       "tagging",
    "torrent",      "uploadId",
    "uploads",      "versionId",
    "versioning",   "versions",
    "website",
};

/// `response-*` query parameters of a signed GET and the headers they set.
const std::pair<const char*, const char*> response_overrides[] = {
    {"response-content-type", "Content-Type"},
    {"response-content-disposition", "Content-Disposition"},
    {"response-content-encoding", "Content-Encoding"},
    {"response-content-language", "Content-Language"},
    {"response-cache-control", "Cache-Control"},
    {"response-expires", "Expires"},
};

std::string new_request_id() {
  auto id = random_hex(8);
  for (auto& c : id)
    c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return id;
}

reply error(const request& req, unsigned status, const char* code,
            const std::string& message) {
  return s3_error(status, code, message, req.path);
}

reply access_denied(const request& req) {
  return error(req, 403, "AccessDenied", "Access Denied");
}

reply no_such_bucket(const request& req) {
  return error(req, 404, "NoSuchBucket", "The specified bucket does not exist");
}

/// The S3 error for a failed store call on `resource`.
reply store_error(const std::string& resource, const caf::error& err) {
  auto c = code_of(err);
  auto msg = message_of(err);
  if (msg.empty())
    msg = default_message(c);
  switch (c) {
  case ec::not_found:
    return s3_error(404, "NoSuchBucket", msg, resource);
  case ec::invalid_state:
    return s3_error(409, "BucketNotEmpty", msg, resource);
  default:
    return s3_error(s3_status(c), s3_code(c), msg, resource);
  }
}

/// An empty success; no Content-Type, as S3 sends none.
reply empty_reply(unsigned status) {
  reply r;
  r.status = status;
  r.content_type.clear();
  return r;
}

reply xml_reply(std::string body) {
  reply r;
  r.content_type = "application/xml";
  r.body = std::move(body);
  return r;
}

/// Every reply carries a request id, as S3's do; errors have theirs.
responder stamped(responder respond) {
  return [respond](reply r) {
    bool has = false;
    for (auto& h : r.headers)
      has = has || h.first == "x-amz-request-id";
    if (!has)
      r.headers.emplace_back("x-amz-request-id", new_request_id());
    respond(std::move(r));
  };
}

/// The path's bucket name and key, checked before anything is read: a
/// bad key never reaches LMDB or the blob store.
std::optional<reply> check_names(const request& req) {
  auto b = req.params.find("bucket");
  if (b != req.params.end() && !valid_bucket_name(b->second))
    return error(req, 400, "InvalidBucketName",
                 "The specified bucket is not valid");
  auto k = req.params.find("key");
  if (k == req.params.end())
    return std::nullopt;
  if (k->second.size() > max_key_length)
    return error(req, 400, "KeyTooLongError", "Your key is too long");
  if (auto why = check_object_key(k->second))
    return error(req, 400, "InvalidArgument", "bad object key: " + *why);
  return std::nullopt;
}

/// Wraps a handler with what every S3 call goes through: request ids,
/// unsupported sub-resources, name checks, then the signature.
router::handler s3_route(svc_ptr svc, s3_handler fn) {
  return [svc, fn](request& req, responder respond) {
    respond = stamped(std::move(respond));
    for (auto* sub : unsupported_subresources)
      if (req.has_arg(sub)) {
        respond(error(req, 501, "NotImplemented",
                      "not implemented: " + req.method + " ?" + sub));
        return;
      }
    if (auto bad = check_names(req)) {
      respond(std::move(*bad));
      return;
    }
    auto res = authenticate_s3(*svc, req, std::time(nullptr));
    if (!res.ok() && !res.anonymous) {
      respond(s3_auth_error(res, req));
      return;
    }
    caller_ptr caller;
    if (res.user)
      caller = std::make_shared<const user_record>(std::move(*res.user));
    fn(svc, std::move(caller), req, std::move(respond));
  };
}

bool allows(const acl_spec& acl, user_id owner, const caller_ptr& caller,
            acl_permission p) {
  return acl_allows(acl, owner, caller.get(), p);
}

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

/// Reads a canned ACL (`x-amz-acl`) or grants (`x-amz-grant-*`) into
/// `acl`; an error message when they are malformed.
std::optional<std::string> acl_from_headers(const request& req, acl_spec& acl) {
  if (auto& canned = req.header("x-amz-acl"); !canned.empty()) {
    if (!valid_canned_acl(canned))
      return "unknown canned ACL: " + canned;
    acl.canned = canned;
  }
  for (auto& [name, value] : req.headers) {
    if (name.rfind("x-amz-grant-", 0) != 0)
      continue;
    auto p = parse_grant_name(name);
    if (!p)
      return "unknown grant header: " + name;
    if (auto err = parse_grantees(*p, value, acl.grants))
      return err;
  }
  if (!acl.canned.empty() && !acl.grants.empty())
    return std::string{"Specifying both Canned ACLs and Header Grants is not "
                       "allowed"};
  return std::nullopt;
}

/// True unless a CreateBucketConfiguration asks for a region other than
/// the one Skyhaul has.
bool location_ok(const std::string& body) {
  const std::string open = "<LocationConstraint>";
  auto a = body.find(open);
  if (a == std::string::npos)
    return true;
  a += open.size();
  auto b = body.find('<', a);
  auto region = body.substr(a, b == std::string::npos ? 0 : b - a);
  return region.empty() || region == "us-east-1";
}

owner_lookup owners(const storage::txn& t) {
  auto cache = std::make_shared<std::map<user_id, s3_owner>>();
  return [&t, cache](user_id id) {
    auto i = cache->find(id);
    if (i != cache->end())
      return i->second;
    s3_owner o{std::to_string(id), {}};
    if (auto u = storage::get_user(t, id))
      o.display_name = u->name;
    return cache->emplace(id, o).first->second;
  };
}

s3_owner owner_of(const user_record& u) {
  return {std::to_string(u.id), u.name};
}

// --- service and buckets -----------------------------------------------------

void list_buckets(const svc_ptr& svc, caller_ptr caller, request& req,
                  responder respond) {
  if (!caller) {
    respond(access_denied(req));
    return;
  }
  auto t = svc->db->read();
  auto buckets = storage::list_buckets(t, caller->id);
  respond(xml_reply(render_list_buckets(owner_of(*caller), buckets)));
}

void list_objects(const svc_ptr& svc, const caller_ptr& caller, request& req,
                  responder respond) {
  list_params p;
  p.bucket = req.params.at("bucket");
  if (req.has_arg("list-type") && req.arg("list-type") != "2"
      && req.arg("list-type") != "1") {
    respond(error(req, 400, "InvalidArgument", "list-type must be 1 or 2"));
    return;
  }
  p.v2 = req.arg("list-type") == "2";
  storage::list_request q;
  if (req.has_arg("max-keys")) {
    auto& v = req.arg("max-keys");
    if (v.empty() || v.size() > 9
        || v.find_first_not_of("0123456789") != std::string::npos) {
      respond(error(req, 400, "InvalidArgument",
                    "max-keys must be a non-negative integer"));
      return;
    }
    q.max_keys = std::min<size_t>(std::stoul(v), storage::max_list_keys);
  }
  if (req.has_arg("encoding-type")) {
    if (req.arg("encoding-type") != "url") {
      respond(error(req, 400, "InvalidArgument",
                    "Invalid Encoding Method specified in Request"));
      return;
    }
    p.url_encoding = true;
  }
  q.prefix = req.arg("prefix");
  q.delimiter = req.arg("delimiter");
  if (p.v2) {
    p.marker = req.arg("start-after");
    p.fetch_owner = req.arg("fetch-owner") == "true";
    q.start_after = p.marker;
    if (req.has_arg("continuation-token")) {
      p.continuation_token = req.arg("continuation-token");
      auto last = storage::decode_continuation_token(p.continuation_token);
      if (!last) {
        respond(error(req, 400, "InvalidArgument",
                      "The continuation token provided is incorrect"));
        return;
      }
      // The token is where the last page ended; start-after was applied
      // to the first page already.
      q.start_after = std::max(*last, q.start_after);
    }
  } else {
    p.marker = req.arg("marker");
    q.start_after = p.marker;
  }
  p.prefix = q.prefix;
  p.delimiter = q.delimiter;
  p.max_keys = q.max_keys;
  auto t = svc->db->read();
  auto b = storage::get_bucket(t, p.bucket);
  if (!b) {
    respond(no_such_bucket(req));
    return;
  }
  if (!allows(b->acl, b->owner, caller, acl_permission::read)) {
    respond(access_denied(req));
    return;
  }
  auto page = storage::list_objects(t, p.bucket, q);
  respond(xml_reply(render_list_objects(p, page, owners(t))));
}

/// `GET` and `HEAD /<bucket>`: ListObjects (V1 or V2), HeadBucket or
/// GetBucketLocation.
void bucket_get(const svc_ptr& svc, caller_ptr caller, request& req,
                responder respond) {
  if (req.method == "GET" && !req.has_arg("location")) {
    list_objects(svc, caller, req, std::move(respond));
    return;
  }
  auto t = svc->db->read();
  auto b = storage::get_bucket(t, req.params.at("bucket"));
  if (!b) {
    respond(no_such_bucket(req));
    return;
  }
  if (!allows(b->acl, b->owner, caller, acl_permission::read)) {
    respond(access_denied(req));
    return;
  }
  if (req.method == "HEAD") {
    auto r = empty_reply(200);
    r.headers.emplace_back("x-amz-bucket-region", "us-east-1");
    respond(std::move(r));
    return;
  }
  respond(xml_reply(render_location()));
}

void create_bucket(const svc_ptr& svc, caller_ptr caller, request& req,
                   responder respond) {
  if (!caller) {
    respond(access_denied(req));
    return;
  }
  acl_spec acl;
  if (auto err = acl_from_headers(req, acl)) {
    respond(error(req, 400, "InvalidArgument", *err));
    return;
  }
  if (!location_ok(req.body)) {
    respond(error(req, 400, "InvalidLocationConstraint",
                  "The specified location-constraint is not valid"));
    return;
  }
  auto name = req.params.at("bucket");
  auto resource = req.path;
  ask(
      *svc->sys, svc->store,
      [respond, name, resource](uint8_t res) {
        switch (static_cast<storage::bucket_created>(res)) {
        case storage::bucket_created::created: {
          auto r = empty_reply(200);
          r.headers.emplace_back("Location", "/" + name);
          respond(std::move(r));
          return;
        }
        case storage::bucket_created::already_yours:
          respond(s3_error(409, "BucketAlreadyOwnedByYou",
                           "Your previous request to create the named bucket "
                           "succeeded and you already own it.",
                           resource));
          return;
        case storage::bucket_created::taken:
          respond(s3_error(409, "BucketAlreadyExists",
                           "The requested bucket name is not available.",
                           resource));
          return;
        }
        respond(
            s3_error(500, "InternalError", "unknown bucket outcome", resource));
      },
      [respond, resource](caf::error& err) {
        respond(store_error(resource, err));
      },
      atom::create_v, name, caller->id, acl);
}

void delete_bucket(const svc_ptr& svc, caller_ptr caller, request& req,
                   responder respond) {
  if (!caller) {
    respond(access_denied(req));
    return;
  }
  auto name = req.params.at("bucket");
  {
    auto t = svc->db->read();
    auto b = storage::get_bucket(t, name);
    if (!b) {
      respond(no_such_bucket(req));
      return;
    }
    // Only the owner may delete a bucket; grants never reach that far.
    if (!caller->admin && caller->id != b->owner) {
      respond(access_denied(req));
      return;
    }
  }
  auto resource = req.path;
  ask(
      *svc->sys, svc->store,
      [respond](caf::ok_atom) { respond(empty_reply(204)); },
      [respond, resource](caf::error& err) {
        respond(store_error(resource, err));
      },
      atom::remove_v, name);
}

// --- objects -----------------------------------------------------------------

/// `GET` and `HEAD /<bucket>/<key>`: the blob file is streamed, never
/// loaded.
void get_object(const svc_ptr& svc, caller_ptr caller, request& req,
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
  if (auto& range = req.header("range"); !range.empty()) {
    bool unsatisfiable = false;
    if (auto rg = parse_range(range, size, unsatisfiable)) {
      r.status = 206;
      r.file_offset = rg->first;
      r.file_length = rg->second - rg->first + 1;
      r.headers.emplace_back("Content-Range",
                             "bytes " + std::to_string(rg->first) + "-"
                                 + std::to_string(rg->second) + "/"
                                 + std::to_string(size));
    } else if (unsatisfiable) {
      auto bad = error(req, 416, "InvalidRange",
                       "The requested range is not satisfiable");
      bad.headers.emplace_back("Content-Range",
                               "bytes */" + std::to_string(size));
      respond(std::move(bad));
      return;
    }
  }
  respond(std::move(r));
}

/// `DELETE /<bucket>/<key>`: for the owners, admins and write grants of the
/// bucket or the object. Deleting a missing key succeeds, as in S3.
void delete_object(const svc_ptr& svc, caller_ptr caller, request& req,
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

} // namespace

void add_s3_api(router& r, std::shared_ptr<const services> svc) {
  r.add("GET", "/", s3_route(svc, list_buckets));
  // s3cmd and others name a bucket with a trailing slash.
  for (auto* pattern : {"/:bucket", "/:bucket/"}) {
    r.add("GET", pattern, s3_route(svc, bucket_get));
    r.add("PUT", pattern, s3_route(svc, create_bucket));
    r.add("DELETE", pattern, s3_route(svc, delete_bucket));
  }
  r.add("GET", "/:bucket/*key", s3_route(svc, get_object));
  r.add("DELETE", "/:bucket/*key", s3_route(svc, delete_object));
  r.error = [](const request& req, unsigned status, const std::string& msg) {
    switch (status) {
    case 400:
      return s3_error(400, "InvalidRequest", msg, req.path);
    case 404:
      return s3_error(404, "NoSuchBucket", msg, req.path);
    case 405:
    case 501:
      // Every other operation (PutObject, multipart, POST ?delete...).
      return s3_error(501, "NotImplemented",
                      "not implemented: " + req.method + " " + req.path,
                      req.path);
    case 413:
      return s3_error(413, "EntityTooLarge", msg, req.path);
    case 431:
      return s3_error(400, "RequestHeaderSectionTooLarge", msg, req.path);
    default:
      return s3_error(status, "InternalError", msg, req.path);
    }
  };
}

} // namespace skyhaul::http
