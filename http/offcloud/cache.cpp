// The info-hash cache: which torrents are stored whole, so that clients
// can pick what downloads at once.

#include "http/offcloud/routes.hpp"

#include "http/bridge.hpp"
#include "http/offcloud/create.hpp"
#include "http/offcloud/fields.hpp"
#include "protocol/source.hpp"
#include "storage/lmdb_env.hpp"
#include "storage/task_table.hpp"
#include "storage/torrent_table.hpp"

#include <caf/all.hpp>
#include <rapidjson/document.h>

namespace skyhaul::http::offcloud {

namespace {

/// Most hashes or magnets one call may name (clients send 100).
constexpr size_t max_hashes = 1000;

/// A 40-hex (either case) or 32-base32 info-hash as 40 lower-case hex;
/// nullopt for anything else. The magnet parser knows both spellings.
std::optional<std::string> normal_hash(const std::string& h) {
  if (h.size() != 40 && h.size() != 32)
    return std::nullopt;
  auto hex = magnet_info_hash("magnet:?xt=urn:btih:" + h);
  if (!hex || hex->size() != 40)
    return std::nullopt;
  return hex;
}

/// The cache entry of `hash` when it holds every file of the torrent.
std::optional<storage::cached_torrent> whole(const storage::txn& t,
                                             const std::string& hash) {
  auto entry = storage::find_cached_torrent(t, hash);
  if (!entry || entry->file_count == 0
      || entry->files.size() < entry->file_count)
    return std::nullopt;
  return entry;
}

void cache(const services& svc, request& req, responder respond) {
  std::string why;
  auto f = read_fields(req, why);
  if (!f)
    return respond(offcloud_error(400, why));
  auto& hashes = f->all("hashes");
  if (hashes.size() > max_hashes)
    return respond(offcloud_error(413, "at most 1000 hashes per call"));
  std::vector<std::string> cached;
  {
    auto t = svc.db->read();
    for (auto& h : hashes) {
      // A malformed hash is simply not cached: clients send batches as
      // they come and read back the ones that are.
      auto hex = normal_hash(h);
      if (hex && whole(t, *hex))
        cached.push_back(*hex);
    }
  }
  respond(json_reply([&](json_writer& w) {
    w.StartObject();
    w.Key("cachedItems");
    w.StartArray();
    for (auto& h : cached)
      w.String(h.c_str(), static_cast<rapidjson::SizeType>(h.size()));
    w.EndArray();
    w.EndObject();
  }));
}

/// `folder` (the path's directories) and `filename` of a torrent path.
void write_cached_file(json_writer& w, const std::string& path) {
  w.StartObject();
  w.Key("folder");
  w.StartArray();
  size_t pos = 0;
  for (;;) {
    auto slash = path.find('/', pos);
    if (slash == std::string::npos)
      break;
    auto dir = path.substr(pos, slash - pos);
    w.String(dir.c_str(), static_cast<rapidjson::SizeType>(dir.size()));
    pos = slash + 1;
  }
  w.EndArray();
  put(w, "filename", path.substr(pos));
  w.EndObject();
}

void cache_info(const services& svc, request& req, responder respond) {
  std::string why;
  auto f = read_fields(req, why);
  if (!f)
    return respond(offcloud_error(400, why));
  auto& urls = f->all("urls");
  if (urls.size() > max_hashes)
    return respond(offcloud_error(413, "at most 1000 urls per call"));
  auto& inc = f->get("includeFiles");
  bool include = inc == "true" || inc == "1";
  auto t = svc.db->read();
  respond(json_reply([&](json_writer& w) {
    w.StartArray();
    for (auto& url : urls) {
      auto hash = magnet_info_hash(url);
      if (!hash)
        hash = normal_hash(url);
      auto entry = hash ? whole(t, *hash) : std::nullopt;
      w.StartObject();
      w.Key("cached");
      w.Bool(entry.has_value());
      w.Key("files");
      w.StartArray();
      if (entry && include)
        for (auto& file : entry->files)
          write_cached_file(w, file.name);
      w.EndArray();
      w.EndObject();
    }
    w.EndArray();
  }));
}

/// How long `cache/download` waits for the cached request to be stored.
constexpr auto cache_wait = std::chrono::seconds(8);

/// The files' links of request `seq` once it ended, or why there are none.
reply links_reply(const services& svc, const std::string& base, user_id uid,
                  task_seq seq, const std::optional<task_record>& rec) {
  if (!rec || rec->owner != uid)
    return offcloud_error(500, "the request vanished");
  if (rec->state != task_state::finished)
    return offcloud_error(504, "the cached torrent is not stored yet; see "
                               "requestId "
                                   + request_id(seq));
  auto rid = request_id(seq);
  return json_reply([&](json_writer& w) {
    w.StartArray();
    for (size_t i = 0; i < rec->files.size(); ++i) {
      auto& file = rec->files[i];
      auto name = rec->files.size() == 1
                      ? file.name
                      : std::to_string(i + 1) + "/" + file.name;
      w.StartObject();
      put(w, "filename", file.name);
      put(w, "url", file_link(svc, base, rid, name));
      w.Key("size");
      w.Uint64(file.size);
      w.EndObject();
    }
    w.EndArray();
  });
}

/// Polls task `seq` until it ended, then answers its files' links.
void answer_when_stored(svc_ptr svc, user_id uid, task_seq seq,
                        std::string base, responder respond) {
  auto deadline = std::chrono::steady_clock::now() + cache_wait;
  svc->sys->spawn([=](caf::event_based_actor* self) -> caf::behavior {
    self->send(self, caf::tick_atom_v);
    return {
        [=](caf::tick_atom) {
          std::optional<task_record> rec;
          {
            auto t = svc->db->read();
            rec = storage::get_task(t, seq);
          }
          bool ended = rec && is_terminal(rec->state);
          if (!ended && std::chrono::steady_clock::now() < deadline) {
            self->delayed_send(self, std::chrono::milliseconds(20),
                               caf::tick_atom_v);
            return;
          }
          // Answered first: quitting ends the closure holding `respond`.
          respond(links_reply(*svc, base, uid, seq, rec));
          self->quit();
        },
    };
  });
}

void cache_download(const svc_ptr& svc, const user_record& u, request& req,
                    responder respond) {
  std::string why;
  auto f = read_fields(req, why);
  if (!f)
    return respond(offcloud_error(400, why));
  auto hash = magnet_info_hash(f->get("url"));
  if (!hash)
    return respond(offcloud_error(400, "url must be a magnet link"));
  {
    auto t = svc->db->read();
    if (!whole(t, *hash))
      return respond(offcloud_error(404, "the torrent is not cached"));
  }
  auto spec = make_spec(*svc, u, *f, kind::cloud, respond);
  if (!spec)
    return;
  auto base = base_url(*svc, req);
  auto uid = u.id;
  ask(
      *svc->sys, svc->scheduler,
      [svc, uid, base, respond](task_seq seq) {
        answer_when_stored(svc, uid, seq, base, respond);
      },
      [respond](caf::error& err) { respond(actor_error(err)); },
      atom::create_v, uid, std::move(*spec));
}

} // namespace

void mount_cache(router::mounted& m, svc_ptr svc) {
  m.add("POST", "/api/cache", access::required,
        authed([svc](const user_record&, request& req, responder rsp) {
          cache(*svc, req, std::move(rsp));
        }));
  m.add("POST", "/api/cache/info", access::required,
        authed([svc](const user_record&, request& req, responder rsp) {
          cache_info(*svc, req, std::move(rsp));
        }));
  m.add("POST", "/api/cache/download", access::required,
        authed([svc](const user_record& u, request& req, responder rsp) {
          cache_download(svc, u, req, std::move(rsp));
        }));
}

} // namespace skyhaul::http::offcloud
