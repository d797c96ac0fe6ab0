#include "http/community/render.hpp"

#include "base/hex.hpp"
#include "storage/level_table.hpp"
#include "storage/user_table.hpp"

#include <cctype>
#include <cstdio>

namespace skyhaul::http::community {

namespace {

/// A number with two decimals, as the origin shows rates and ratios.
void two_decimals(json_writer& w, double x) {
  char buf[32];
  auto n = std::snprintf(buf, sizeof buf, "%.2f", x);
  w.RawValue(buf, static_cast<size_t>(n), rapidjson::kNumberType);
}

std::string upper(std::string s) {
  for (auto& c : s)
    c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

} // namespace

renderer::renderer(const storage::txn& t)
    : t_(t), levels_(storage::list_levels(t)) {
}

void renderer::level(json_writer& w, const level_record& l) const {
  w.StartObject();
  w.Key("lid");
  w.Uint(l.lid);
  put(w, "name", l.name);
  w.Key("minimum");
  w.Uint64(l.minimum);
  w.Key("minUploadBytes");
  w.Uint64(l.min_upload_bytes);
  w.Key("minDownloadBytes");
  w.Uint64(l.min_download_bytes);
  w.EndObject();
}

void renderer::level(json_writer& w, uint32_t lid) const {
  for (auto& l : levels_)
    if (l.lid == lid)
      return level(w, l);
  w.StartObject();
  w.Key("lid");
  w.Uint(lid);
  w.EndObject();
}

void renderer::person(json_writer& w, user_id uid, bool with_level) {
  auto i = users_.find(uid);
  if (i == users_.end())
    i = users_.emplace(uid, storage::get_user(t_, uid)).first;
  if (!i->second) {
    w.Null();
    return;
  }
  auto& u = *i->second;
  w.StartObject();
  w.Key("uid");
  w.Uint64(u.id);
  put(w, "username", u.name);
  if (with_level) {
    w.Key("level");
    level(w, storage::level_for(levels_, storage::get_figures(t_, u.id),
                                u.level));
  }
  w.EndObject();
}

void renderer::post(json_writer& w, const post_record& p) {
  w.StartObject();
  w.Key("pid");
  w.Uint64(p.pid);
  put(w, "title", p.title);
  put(w, "content", p.content);
  w.Key("enabled");
  w.Bool(p.enabled);
  w.Key("minLevel");
  level(w, p.min_level);
  w.Key("postTime");
  w.Int64(p.post_time_ms);
  w.Key("infoHash");
  if (p.info_hash.empty()) {
    w.Null();
  } else {
    auto hex = upper(p.info_hash);
    w.String(hex.c_str(), static_cast<rapidjson::SizeType>(hex.size()));
  }
  w.Key("size");
  w.Uint64(p.size);
  w.Key("rate");
  two_decimals(w, p.rate_count == 0
                      ? 0.0
                      : static_cast<double>(p.rate_sum) / p.rate_count);
  w.Key("author");
  person(w, p.author, true);
  w.EndObject();
}

void renderer::thread(json_writer& w, const thread_record& th) {
  w.StartObject();
  w.Key("tid");
  w.Uint64(th.tid);
  put(w, "content", th.content);
  w.Key("postTime");
  w.Int64(th.post_time_ms);
  w.Key("rate");
  if (th.rate == 0)
    w.Null();
  else
    w.Uint(th.rate);
  w.Key("pid");
  w.Uint64(th.pid);
  w.Key("replyer");
  person(w, th.replyer, false);
  w.EndObject();
}

void renderer::user(json_writer& w, const user_record& u, bool own) const {
  auto f = storage::get_figures(t_, u.id);
  w.StartObject();
  w.Key("uid");
  w.Uint64(u.id);
  put(w, "username", u.name);
  w.Key("level");
  level(w, storage::level_for(levels_, f, u.level));
  w.Key("uploaded");
  w.Uint64(f.uploaded);
  w.Key("downloaded");
  w.Uint64(f.downloaded);
  w.Key("ratio");
  if (f.downloaded == 0)
    w.Null();
  else
    two_decimals(w, static_cast<double>(f.uploaded) / f.downloaded);
  w.Key("credit");
  w.Uint64(storage::credit_of(f));
  if (own)
    put(w, "passkey", u.passkey);
  w.EndObject();
}

} // namespace skyhaul::http::community
