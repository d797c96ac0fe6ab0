#include "http/s3_face.hpp"

#include "http/bridge.hpp"
#include "http/s3_bucket_config.hpp"
#include "http/s3_error.hpp"
#include "http/s3_xml.hpp"
#include "http/validate.hpp"
#include "storage/bucket_table.hpp"
#include "storage/lmdb_env.hpp"
#include "storage/object_list.hpp"
#include "storage/user_table.hpp"

#include <caf/all.hpp>
#include <map>

namespace skyhaul::http::s3 {

namespace {

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

/// `GET /<bucket>` without `?location`: ListObjects, V1 or V2.
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

} // namespace

void list_buckets(const svc_ptr& svc, const caller_ptr& caller, request& req,
                  responder respond) {
  auto t = svc->db->read();
  auto buckets = storage::list_buckets(t, caller->id);
  respond(xml_reply(render_list_buckets(owner_of(*caller), buckets)));
}

void bucket_get(const svc_ptr& svc, const caller_ptr& caller, request& req,
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

void create_bucket(const svc_ptr& svc, const caller_ptr& caller, request& req,
                   responder respond) {
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
      [respond, name, resource](bucket_outcome res) {
        switch (res.what) {
        case bucket_created::created: {
          auto r = empty_reply(200);
          r.headers.emplace_back("Location", "/" + name);
          respond(std::move(r));
          return;
        }
        case bucket_created::already_yours:
          respond(s3_error(409, "BucketAlreadyOwnedByYou",
                           "Your previous request to create the named bucket "
                           "succeeded and you already own it.",
                           resource));
          return;
        case bucket_created::taken:
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

void delete_bucket(const svc_ptr& svc, const caller_ptr& caller, request& req,
                   responder respond) {
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

} // namespace skyhaul::http::s3
