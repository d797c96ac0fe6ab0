#include "http/router.hpp"

#include "http/metrics_face.hpp"

#include <algorithm>
#include <exception>
#include <stdexcept>

namespace skyhaul::http {

namespace {

/// The segments of a prefix: "/" is none (every path), "/api/" is "api".
std::vector<std::string> prefix_segments(const std::string& p) {
  auto segs = split_path(p);
  while (!segs.empty() && segs.back().empty())
    segs.pop_back();
  return segs;
}

bool is_capture(const std::string& segment) {
  return !segment.empty() && (segment[0] == ':' || segment[0] == '*');
}

} // namespace

std::vector<std::string> split_path(const std::string& path) {
  std::vector<std::string> out;
  size_t pos = path.empty() || path[0] != '/' ? 0 : 1;
  while (pos <= path.size()) {
    auto slash = path.find('/', pos);
    out.push_back(path.substr(
        pos, slash == std::string::npos ? std::string::npos : slash - pos));
    if (slash == std::string::npos)
      break;
    pos = slash + 1;
  }
  return out;
}

const char* to_string(access a) {
  switch (a) {
  case access::open:
    return "open";
  case access::optional:
    return "optional";
  case access::required:
    return "required";
  }
  return "required";
}

router::router(uint64_t body_limit)
    : body_limit_(body_limit), largest_limit_(body_limit) {}

router::mounted router::mount(face f, bool make_default) {
  if (!f.error)
    throw std::logic_error("face " + f.name + " has no error renderer");
  auto index = faces_.size();
  for (auto& p : f.prefixes) {
    auto segs = prefix_segments(p);
    for (auto& other : prefixes_)
      if (other.segments == segs)
        throw std::logic_error("face " + f.name + ": prefix " + p
                               + " is claimed by face "
                               + faces_[other.face].name);
    prefixes_.push_back({std::move(segs), index});
  }
  faces_.push_back(std::move(f));
  if (make_default)
    default_face_ = index;
  return mounted{*this, index};
}

router::mounted& router::mounted::add(std::string method, std::string pattern,
                                      access auth, handler fn, body_rule body) {
  auto& r = *router_;
  auto& f = r.faces_[face_];
  auto segments = split_path(pattern);
  // The literal head of the pattern decides which face claims its paths.
  std::vector<std::string> literal;
  for (auto& s : segments) {
    if (is_capture(s))
      break;
    literal.push_back(s);
  }
  while (!literal.empty() && literal.back().empty())
    literal.pop_back();
  if (r.face_of(literal) != face_)
    throw std::logic_error(method + " " + pattern + " is not under a prefix of"
                           + " face " + f.name);
  bool claimed = false;
  for (auto& p : r.prefixes_)
    claimed = claimed || (p.face == face_ && under(p.segments, literal));
  if (!claimed)
    throw std::logic_error(method + " " + pattern + " is not under a prefix of"
                           + " face " + f.name);
  if (auth != access::open && !f.authenticate)
    throw std::logic_error(method + " " + pattern + " needs authentication, "
                           + "which face " + f.name + " does not have");
  if (body.upload_limit > r.body_limit_
      && (auth == access::open || f.auth_reads_body))
    throw std::logic_error(method + " " + pattern
                           + ": the upload limit needs a caller known from "
                             "the header");
  r.largest_limit_ = std::max(r.largest_limit_, body.upload_limit);
  r.routes_.push_back({std::move(method), std::move(pattern),
                       std::move(segments), face_, auth, body, std::move(fn)});
  return *this;
}

bool router::under(const std::vector<std::string>& prefix,
                   const std::vector<std::string>& parts) {
  return prefix.size() <= parts.size()
         && std::equal(prefix.begin(), prefix.end(), parts.begin());
}

size_t router::face_of(const std::vector<std::string>& parts) const {
  size_t best = default_face_;
  size_t best_len = 0;
  bool found = false;
  for (auto& p : prefixes_)
    if (under(p.segments, parts) && (!found || p.segments.size() > best_len)) {
      best = p.face;
      best_len = p.segments.size();
      found = true;
    }
  return best;
}

bool router::match(const route& r, const std::vector<std::string>& parts,
                   std::map<std::string, std::string>& params) {
  auto& segs = r.segments;
  for (size_t i = 0; i < segs.size(); ++i) {
    auto& s = segs[i];
    if (!s.empty() && s[0] == '*') {
      if (i >= parts.size())
        return false;
      std::string rest;
      for (size_t j = i; j < parts.size(); ++j)
        rest += (j > i ? "/" : "") + parts[j];
      if (rest.empty())
        return false;
      params[s.substr(1)] = rest;
      return true;
    }
    if (i >= parts.size())
      return false;
    if (!s.empty() && s[0] == ':') {
      if (parts[i].empty())
        return false;
      params[s.substr(1)] = parts[i];
    } else if (s != parts[i]) {
      return false;
    }
  }
  return segs.size() == parts.size();
}

admission router::admit(const request& head) const {
  admission adm;
  adm.body_limit = body_limit_;
  if (faces_.empty())
    return adm;
  auto parts = split_path(head.path);
  adm.face = head.path.empty() ? default_face_ : face_of(parts);
  for (size_t i = 0; i < routes_.size(); ++i) {
    auto& r = routes_[i];
    if (r.face != adm.face)
      continue;
    std::map<std::string, std::string> params;
    if (!match(r, parts, params))
      continue;
    adm.path_known = true;
    if (r.method != head.method
        && !(r.method == "GET" && head.method == "HEAD"))
      continue;
    adm.route = static_cast<int>(i);
    adm.params = std::move(params);
    break;
  }
  if (adm.route < 0)
    return adm;
  auto& r = routes_[static_cast<size_t>(adm.route)];
  // Only a larger limit for an authenticated upload needs the caller now.
  if (r.body.upload_limit <= body_limit_
      || !upload_type(head.header("content-type")))
    return adm;
  try {
    adm.auth = faces_[adm.face].authenticate(head);
  } catch (const std::exception&) {
    // The dispatch authenticates again and answers the failure.
    adm.auth.reset();
  }
  adm.body_limit = body_limit(r.body, body_limit_,
                              adm.auth && adm.auth->user != nullptr, true);
  return adm;
}

void router::dispatch(request& req, responder respond, admission adm) const {
  if (faces_.empty()) {
    reply r;
    r.status = 404;
    respond(std::move(r));
    return;
  }
  auto& f = faces_[adm.face];
  respond = counted(f.name, std::move(respond));
  if (adm.route < 0) {
    if (adm.path_known)
      respond(f.error(req, 405, "method " + req.method + " not allowed here"));
    else
      respond(f.error(req, 404, "no such path: " + req.path));
    return;
  }
  auto& r = routes_[static_cast<size_t>(adm.route)];
  req.params = std::move(adm.params);
  if (f.stamp)
    respond = f.stamp(std::move(respond));
  if (f.stamp_for)
    respond = f.stamp_for(req, std::move(respond));
  try {
    if (f.screen)
      if (auto refused = f.screen(req)) {
        respond(std::move(*refused));
        return;
      }
    caller_ptr caller;
    if (r.auth != access::open) {
      auto outcome = adm.auth ? std::move(*adm.auth) : f.authenticate(req);
      if (!outcome.user && (!outcome.anonymous || r.auth == access::required)) {
        respond(std::move(outcome.refusal));
        return;
      }
      caller = std::move(outcome.user);
    }
    r.fn(caller, req, respond);
  } catch (const std::exception& e) {
    // Handlers answer last, so a throw means nothing was sent yet.
    respond(f.error(req, 500, std::string{"internal error: "} + e.what()));
  }
}

void router::dispatch(request& req, responder respond) const {
  dispatch(req, std::move(respond), admit(req));
}

reply router::error(const request& req, unsigned status,
                    const std::string& message) const {
  if (faces_.empty()) {
    reply r;
    r.status = status;
    r.content_type = "text/plain";
    r.body = message;
    return r;
  }
  auto index = req.path.empty() ? default_face_ : face_of(split_path(req.path));
  return faces_[index].error(req, status, message);
}

std::vector<route_info> router::table() const {
  std::vector<route_info> out;
  out.reserve(routes_.size());
  for (auto& r : routes_)
    out.push_back({r.method, r.pattern, faces_[r.face].name, r.auth, r.body});
  return out;
}

} // namespace skyhaul::http
