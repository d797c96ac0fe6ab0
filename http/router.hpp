#pragma once

// The faces of one listener. Each face is mounted under its own prefixes
// with its own error shape and its own authentication; every path under a
// prefix is that face's, so no face renders another's errors, and a path
// no face claims is answered by the listener's default face.

#include "http/body_rule.hpp"
#include "http/message.hpp"
#include "protocol/user_record.hpp"

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace skyhaul::http {

/// The authenticated caller of a request; null for an anonymous one.
using caller_ptr = std::shared_ptr<const user_record>;

/// How the caller of a route must prove who it is.
enum class access {
  /// No credentials are looked at: `/healthz`, and routes that check a
  /// credential of their own (signed download links).
  open,
  /// Credentials are checked when given and refused when wrong; an
  /// anonymous caller goes on and the handler decides (S3 public-read).
  optional,
  /// Only an authenticated caller reaches the handler.
  required,
};

/// "open", "optional" or "required".
const char* to_string(access a);

/// What a face's authentication made of a request.
struct auth_outcome {
  /// The caller, when its credentials are valid.
  caller_ptr user;
  /// True when the request carries no credentials at all.
  bool anonymous = false;
  /// The answer, in the face's shape, for a request without a user that
  /// may not go on: wrong credentials, or none on an `access::required`
  /// route.
  reply refusal;
};

/// Renders an error (the router's 404 and 405, the transport's 400, 413,
/// 431 and timeouts, a handler's 500) in a face's shape.
using error_renderer = std::function<reply(const request& req, unsigned status,
                                           const std::string& message)>;

/// A face of a listener: where it is mounted and how it speaks.
struct face {
  /// Names the face in the route table ("task", "s3", "offline", ...).
  std::string name;
  /// The paths it claims, by whole segments: "/" claims every path, "/api"
  /// claims /api and /api/..., not /apis. The longest prefix wins.
  std::vector<std::string> prefixes;
  error_renderer error;
  /// Who the caller is; needed by any route that is not `access::open`.
  std::function<auth_outcome(const request&)> authenticate;
  /// True when `authenticate` reads the body (S3 signatures hash it): it
  /// cannot run before the body is read, so no route of the face may give
  /// authenticated callers a larger limit.
  bool auth_reads_body = false;
  /// Checks every routed request of the face passes before it is
  /// authenticated, e.g. S3's names and unsupported sub-resources; an
  /// answer refuses the request.
  std::function<std::optional<reply>(const request&)> screen;
  /// Wraps the responder of every routed request, e.g. to give each S3
  /// reply a request id.
  std::function<responder(responder)> stamp;
  /// Like `stamp`, for a wrapper that needs the request, e.g. to answer a
  /// browser's `Origin` with CORS headers.
  std::function<responder(const request&, responder)> stamp_for;
};

/// A route's handler; `caller` is set on `access::required` routes, and on
/// `access::optional` ones when the caller authenticated.
using handler
    = std::function<void(const caller_ptr& caller, request&, responder)>;

/// One row of the route table.
struct route_info {
  std::string method;
  /// `:name` captures one segment, a final `*name` the rest of the path.
  std::string pattern;
  std::string face;
  access auth;
  body_rule body;
};

/// What the router decides from a request's header, before its body is
/// read.
struct admission {
  /// The face that answers the request, errors included.
  size_t face = 0;
  /// The matching route, or -1 (then `path_known` tells 405 from 404).
  int route = -1;
  bool path_known = false;
  /// The path's captures, moved into `request::params` by `dispatch`.
  std::map<std::string, std::string> params;
  /// The largest body the request may have.
  uint64_t body_limit = 0;
  /// The authentication that the limit needed, reused by `dispatch`.
  std::optional<auth_outcome> auth;
};

/// The faces of one listener and their routes.
class router {
public:
  /// Adds routes to one mounted face.
  class mounted {
  public:
    /// Adds a route: `method` (GET also answers HEAD) on `pattern`, which
    /// must lie under one of the face's prefixes. Throws
    /// std::logic_error for a pattern outside them, a non-open route of a
    /// face without authentication, or an upload limit the face cannot
    /// decide before the body is read.
    mounted& add(std::string method, std::string pattern, access auth,
                 handler fn, body_rule body = {});

  private:
    friend class router;
    mounted(router& r, size_t face) : router_(&r), face_(face) {}
    router* router_;
    size_t face_;
  };

  /// `body_limit`: the listener's limit, for every route without a larger
  /// one.
  explicit router(uint64_t body_limit);

  /// Mounts `f`. The first face mounted is the listener's default face
  /// unless `make_default` names a later one. Throws std::logic_error for a
  /// prefix that another face claims already, or a face without `error`.
  mounted mount(face f, bool make_default = false);

  /// Decides from the header of `head` (method, path, query, headers; no
  /// body yet): the face, the route and the body limit. Authenticates only
  /// when the limit depends on it.
  admission admit(const request& head) const;

  /// Dispatches `req`, admitted by `adm`. An unknown path answers 404, a
  /// known path with another method 405, both in the face's shape. Runs
  /// the face's screen and authentication as the route's access asks, then
  /// the handler; a handler that throws gets a 500 instead of taking an
  /// asio thread down.
  void dispatch(request& req, responder respond, admission adm) const;

  /// `admit`, then `dispatch`.
  void dispatch(request& req, responder respond) const;

  /// Renders an error for `req` in the shape of the face that claims its
  /// path (the default face for any other path, or no path at all).
  reply error(const request& req, unsigned status,
              const std::string& message) const;

  /// The largest limit of any route: what the parser allows before it
  /// knows the route.
  uint64_t largest_body_limit() const {
    return largest_limit_;
  }

  uint64_t listener_body_limit() const {
    return body_limit_;
  }

  /// Every route, in the order they were added.
  std::vector<route_info> table() const;

  /// The faces, in the order they were mounted.
  const std::vector<face>& faces() const {
    return faces_;
  }

private:
  struct route {
    std::string method;
    std::string pattern;
    std::vector<std::string> segments;
    size_t face;
    access auth;
    body_rule body;
    handler fn;
  };

  struct prefix {
    std::vector<std::string> segments;
    size_t face;
  };

  static bool match(const route& r, const std::vector<std::string>& parts,
                    std::map<std::string, std::string>& params);

  static bool under(const std::vector<std::string>& prefix,
                    const std::vector<std::string>& parts);

  /// The face that claims `parts`.
  size_t face_of(const std::vector<std::string>& parts) const;

  uint64_t body_limit_;
  uint64_t largest_limit_;
  size_t default_face_ = 0;
  std::vector<face> faces_;
  std::vector<prefix> prefixes_;
  std::vector<route> routes_;
};

/// Splits a path on '/', dropping the leading empty segment.
std::vector<std::string> split_path(const std::string& path);

} // namespace skyhaul::http
