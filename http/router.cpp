#include "http/router.hpp"

#include <algorithm>

#include <exception>

namespace skyhaul::http {

std::vector<std::string> split_path(const std::string& path) {
  std::vector<std::string> out;
  size_t pos = path.empty() || path[0] != '/' ? 0 : 1;
  while (pos <= path.size()) {
    auto slash = path.find('/', pos);
    out.push_back(path.substr(pos, slash == std::string::npos
                                     ? std::string::npos
                                     : slash - pos));
    if (slash == std::string::npos)
      break;
    pos = slash + 1;
  }
  return out;
}

void router::allow_body(std::string method, std::string path,
                        uint64_t limit) {
  body_limits_[{std::move(method), std::move(path)}] = limit;
}

uint64_t router::body_limit(const std::string& method, const std::string& path,
                            uint64_t fallback) const {
  auto i = body_limits_.find({method, path});
  return i == body_limits_.end() ? fallback : i->second;
}

uint64_t router::largest_body_limit(uint64_t fallback) const {
  for (auto& kvp : body_limits_)
    fallback = std::max(fallback, kvp.second);
  return fallback;
}

void router::add(std::string method, std::string pattern, handler fn) {
  routes_.push_back({std::move(method), split_path(pattern), std::move(fn)});
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

void router::dispatch(request& req, responder respond) const {
  auto parts = split_path(req.path);
  bool path_known = false;
  for (auto& r : routes_) {
    std::map<std::string, std::string> params;
    if (!match(r, parts, params))
      continue;
    path_known = true;
    if (r.method != req.method
        && !(r.method == "GET" && req.method == "HEAD"))
      continue;
    req.params = std::move(params);
    try {
      r.fn(req, respond);
    } catch (const std::exception& e) {
      // Handlers answer last, so a throw means nothing was sent yet.
      respond(error(req, 500, std::string{"internal error: "} + e.what()));
    }
    return;
  }
  if (path_known)
    respond(error(req, 405, "method " + req.method + " not allowed here"));
  else
    respond(error(req, 404, "no such path: " + req.path));
}

} // namespace skyhaul::http
