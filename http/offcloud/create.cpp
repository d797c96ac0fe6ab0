#include "http/offcloud/create.hpp"

#include "base/crypto.hpp"
#include "http/bridge.hpp"
#include "http/offcloud/proxies.hpp"
#include "http/offcloud/uploads.hpp"
#include "http/offcloud/video_sites.hpp"
#include "http/validate.hpp"
#include "protocol/source.hpp"
#include "storage/lmdb_env.hpp"
#include "storage/prefs_table.hpp"
#include "storage/rules/quota.hpp"
#include "storage/task_table.hpp"
#include "storage/torrent_table.hpp"

#include <caf/all.hpp>
#include <ctime>

namespace skyhaul::http::offcloud {

namespace {

/// Requests `uid` made since the start of the current UTC day, counting
/// back from the newest; stops at `limit`.
uint32_t made_today(const services& svc, user_id uid, uint32_t limit) {
  auto now = now_ms();
  auto midnight = now - now % 86400000;
  uint32_t n = 0;
  for (auto& rec : newest_tasks(svc, uid, 0, limit))
    if (rec.created_ms >= midnight)
      ++n;
  return n;
}

bool cached_whole(const services& svc, const task_record& rec) {
  auto hash = magnet_info_hash(rec.spec.url);
  if (!hash)
    return false;
  auto t = svc.db->read();
  auto entry = storage::find_cached_torrent(t, *hash);
  return entry && entry->file_count > 0
         && entry->files.size() >= entry->file_count;
}

} // namespace

std::optional<task_spec> make_spec(const services& svc, const user_record& u,
                                   const fields& f, kind k,
                                   responder& respond) {
  auto& plan = plan_of(*svc.cfg, u);
  auto refuse = [&](const std::string& what) {
    respond(not_available(what));
    return std::nullopt;
  };
  if (k == kind::cloud && !plan.cloud)
    return refuse("cloud");
  if (k == kind::remote && !plan.remote)
    return refuse("remote");
  // The seed's instant refusals have no word of their own: a plan without
  // streaming lacks the premium addon.
  if (k == kind::instant && !plan.instant)
    return refuse("premium");
  auto& url = f.get("url");
  if (url.empty()) {
    respond(offcloud_error(400, "Please enter a valid URL."));
    return std::nullopt;
  }
  task_spec spec;
  spec.origin = skyhaul::face::offcloud_api;
  if (auto upload = uploaded_torrent(svc, url))
    spec.torrent = std::move(*upload);
  else
    spec.url = url;
  if (spec.torrent.empty()) {
    if (auto why = check_source_url(spec)) {
      respond(offcloud_error(400, "Bad URL: " + *why));
      return std::nullopt;
    }
  }
  if (is_torrent(source_of(spec)) && (!plan.torrent || !plan.premium))
    return refuse("premium");
  if (!plan.video && !spec.url.empty()
      && is_video_site(site_of(spec), svc.cfg->video_sites))
    return refuse("video");
  auto t = svc.db->read();
  auto proxy = f.get("proxyId");
  if (!proxy.empty()) {
    if (!plan.proxy)
      return refuse("proxy");
    if (!proxy_known(*svc.cfg, proxy)) {
      respond(offcloud_error(400, "Unknown proxyId: " + proxy));
      return std::nullopt;
    }
    spec.proxy_id = proxy;
  } else if (plan.proxy) {
    // The seed: "If proxyId is not specified, the default user proxy
    // server will be used". One the configuration dropped since counts as
    // none (the service's default).
    auto mine = storage::get_user_prefs(t, u.id).default_proxy;
    if (!mine.empty() && proxy_known(*svc.cfg, mine))
      spec.proxy_id = mine;
  }
  if (plan.links_per_day > 0
      && made_today(svc, u.id, plan.links_per_day) >= plan.links_per_day)
    return refuse("links");
  // A full cloud: the seed's word for the missing upgrade is "cloud".
  if (storage::rules::refuse_new(t, plan, u.id))
    return refuse("cloud");
  spec.bucket = "user-" + std::to_string(u.id);
  // A key prefix of its own: two requests of the same file name must not
  // replace each other's object.
  spec.target = "offcloud/" + random_hex(8);
  return spec;
}

void start_request(const svc_ptr& svc, const user_record& u, task_spec spec,
                   const std::string& base, bool with_url, responder respond) {
  auto uid = u.id;
  ask(
      *svc->sys, svc->scheduler,
      [svc, uid, base, with_url, respond](task_seq seq) {
        std::optional<task_record> rec;
        {
          auto t = svc->db->read();
          rec = storage::get_task(t, seq);
        }
        if (!rec || rec->owner != uid)
          return respond(offcloud_error(500, "the request vanished"));
        auto status = cached_whole(*svc, *rec) || rec->state == task_state::finished
                          ? "downloaded"
                          : "created";
        respond(json_reply([&](json_writer& w) {
          w.StartObject();
          put(w, "requestId", request_id(seq));
          put(w, "fileName", display_name(*rec));
          if (with_url)
            put(w, "url", request_link(*svc, base, *rec));
          put(w, "site", site_of(rec->spec));
          put(w, "status", status);
          put(w, "originalLink", original_link(*rec));
          put(w, "createdOn", iso_time(rec->created_ms));
          w.EndObject();
        }));
      },
      [respond](caf::error& err) { respond(actor_error(err)); },
      atom::create_v, uid, std::move(spec));
}

} // namespace skyhaul::http::offcloud
