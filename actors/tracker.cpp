#include "actors/tracker.hpp"

#include "actors/tracker_ledger.hpp"
#include "actors/timeouts.hpp"
#include "actors/tracker_swarm.hpp"
#include "base/hex.hpp"
#include "base/net_policy.hpp"
#include "storage/level_table.hpp"
#include "storage/lmdb_env.hpp"
#include "storage/post_table.hpp"
#include "storage/user_table.hpp"

#include <algorithm>
#include <caf/all.hpp>
#include <iostream>
#include <memory>
#include <random>
#include <unordered_map>

namespace skyhaul {

namespace {

/// How long looked-up passkeys, posts and levels are trusted: a changed
/// level or a post edited elsewhere counts within this time. Only hits are
/// kept, so a new user or post counts at once.
constexpr int64_t cache_ms = 5000;

struct user_entry {
  user_id uid = 0;
  bool admin = false;
  level_record level;
  int64_t expires_ms = 0;
};

struct post_entry {
  post_record post;
  int64_t expires_ms = 0;
};

struct tracker_state {
  static inline const char* name = "tracker";

  const settings* cfg = nullptr;
  storage::lmdb_env* db = nullptr;
  store_actor store;
  base::net_policy policy;
  /// Seeded once: which peers a reply names.
  std::mt19937_64 rng{std::random_device{}()};
  std::unordered_map<std::string, tracker_swarm> swarms;
  std::unordered_map<std::string, user_entry> users;
  std::unordered_map<std::string, post_entry> posts;
  std::vector<level_record> levels;
  int64_t levels_expire_ms = 0;
  std::unique_ptr<tracker_ledger> ledger;
  bool flushing = false;
  /// Graceful stops waiting for the batch in flight.
  std::vector<caf::typed_response_promise<caf::ok_atom>> flush_waiters;
};

using tracker_ptr = tracker_actor::stateful_pointer<tracker_state>;

bool passkey_shape(const std::string& key) {
  return key.size() == 32
         && key.find_first_not_of("0123456789abcdef") == std::string::npos;
}

const user_entry* user_of(tracker_ptr self, const std::string& passkey,
                          int64_t now) {
  auto& st = self->state;
  auto i = st.users.find(passkey);
  if (i != st.users.end() && i->second.expires_ms > now)
    return &i->second;
  if (!passkey_shape(passkey))
    return nullptr;
  auto t = st.db->read();
  auto rec = storage::find_user_by_passkey(t, passkey);
  if (!rec)
    return nullptr;
  if (st.users.size() > 100000)
    st.users.clear();
  auto& e = st.users[passkey];
  e.uid = rec->id;
  e.admin = rec->admin;
  e.level = storage::level_of(t, *rec);
  e.expires_ms = now + cache_ms;
  return &e;
}

const post_record* post_of(tracker_ptr self, const std::string& ih,
                           int64_t now) {
  auto& st = self->state;
  auto i = st.posts.find(ih);
  if (i != st.posts.end() && i->second.expires_ms > now)
    return &i->second.post;
  if (ih.size() != 20)
    return nullptr;
  auto t = st.db->read();
  auto pid = storage::find_post_by_hash(t, to_hex(ih));
  auto post = pid ? storage::get_post(t, *pid) : std::nullopt;
  if (!post)
    return nullptr;
  if (st.posts.size() > 100000)
    st.posts.clear();
  auto& e = st.posts[ih];
  e.post = std::move(*post);
  e.expires_ms = now + cache_ms;
  return &e.post;
}

const level_record* level_by_lid(tracker_ptr self, uint32_t lid, int64_t now) {
  auto& st = self->state;
  if (st.levels_expire_ms <= now) {
    auto t = st.db->read();
    st.levels = storage::list_levels(t);
    st.levels_expire_ms = now + cache_ms;
  }
  for (auto& l : st.levels)
    if (l.lid == lid)
      return &l;
  return nullptr;
}

/// Why `user` may not take part in `post`'s swarm; empty when they may.
std::string refusal_of(tracker_ptr self, const user_entry& user,
                       const post_record& post, int64_t now) {
  if (user.admin || user.uid == post.author)
    return {};
  if (!post.enabled)
    return "Torrent not registered with this tracker";
  auto need = level_by_lid(self, post.min_level, now);
  if (need == nullptr || user.level.lid == 0
      || storage::ranks_below(user.level, *need))
    return "Insufficient level";
  return {};
}

bool allowed_address(const tracker_state& st, const std::string& ip) {
  base::ip_address a;
  a.v6 = ip.size() == 16;
  std::copy(ip.begin(), ip.end(), a.bytes.begin());
  return st.policy.allows(a);
}

announce_reply announce(tracker_ptr self, announce_request& req) {
  auto& st = self->state;
  announce_reply out;
  auto now = now_ms();
  auto user = user_of(self, req.passkey, now);
  if (user == nullptr) {
    out.failure = "Unknown passkey";
    return out;
  }
  auto post = post_of(self, req.info_hash, now);
  if (post == nullptr) {
    out.failure = "Torrent not registered with this tracker";
    return out;
  }
  out.failure = refusal_of(self, *user, *post, now);
  if (!out.failure.empty())
    return out;
  bool stopped = req.event == announce_event::stopped;
  st.ledger->record(user->uid, req.info_hash, req.peer_id, req.uploaded,
                   req.downloaded, stopped, now);
  auto& swarm = st.swarms[req.info_hash];
  if (stopped) {
    swarm.remove(req.peer_id);
  } else if (allowed_address(st, req.ip)) {
    swarm_peer addr;
    addr.ip = req.ip;
    addr.port = req.port;
    addr.peer_id = req.peer_id;
    swarm.upsert(addr, req.left == 0, now);
  }
  if (req.event == announce_event::completed)
    ++swarm.downloaded;
  out.interval = st.cfg->tracker_interval_s;
  out.min_interval = st.cfg->tracker_min_interval_s;
  out.complete = swarm.seeders();
  out.incomplete = swarm.leechers();
  if (!stopped)
    out.peers = swarm.pick(req.peer_id,
                           std::min(req.numwant, st.cfg->tracker_max_peers),
                           st.rng);
  return out;
}

scrape_reply scrape(tracker_ptr self, scrape_request& req) {
  auto& st = self->state;
  scrape_reply out;
  auto now = now_ms();
  auto user = user_of(self, req.passkey, now);
  if (user == nullptr) {
    out.failure = "Unknown passkey";
    return out;
  }
  for (auto& ih : req.info_hashes) {
    auto post = post_of(self, ih, now);
    if (post == nullptr || !refusal_of(self, *user, *post, now).empty())
      continue;
    scrape_entry e;
    e.info_hash = ih;
    if (auto i = st.swarms.find(ih); i != st.swarms.end()) {
      e.complete = i->second.seeders();
      e.incomplete = i->second.leechers();
      e.downloaded = i->second.downloaded;
    }
    out.files.push_back(std::move(e));
  }
  return out;
}

void flush(tracker_ptr self) {
  auto& st = self->state;
  if (st.flushing || !st.ledger->dirty()) {
    if (!st.flushing) {
      for (auto& rp : st.flush_waiters)
        rp.deliver(caf::ok_atom_v);
      st.flush_waiters.clear();
    }
    return;
  }
  st.flushing = true;
  auto batch = st.ledger->take();
  self->request(st.store, store_timeout, atom::account_v, batch)
      .then(
          [self](caf::ok_atom) {
            self->state.flushing = false;
            flush(self);
          },
          [self, batch](caf::error& err) mutable {
            // Kept for the next tick: figures are late, never lost.
            self->state.flushing = false;
            self->state.ledger->restore(std::move(batch));
            std::cerr << "skyhauld: tracker figures not written yet: "
                      << caf::to_string(err) << "\n";
          });
}

void expire(tracker_ptr self) {
  auto& st = self->state;
  auto before = now_ms() - int64_t{st.cfg->tracker_interval_s} * 2000;
  for (auto i = st.swarms.begin(); i != st.swarms.end();) {
    i->second.expire(before);
    if (i->second.empty() && i->second.downloaded == 0)
      i = st.swarms.erase(i);
    else
      ++i;
  }
  if (!st.flushing)
    st.ledger->expire(before);
}

tracker_actor::behavior_type tracker(tracker_ptr self, const settings* cfg,
                                     storage::lmdb_env* db,
                                     store_actor store) {
  auto& st = self->state;
  st.cfg = cfg;
  st.db = db;
  st.store = std::move(store);
  // LMDB reads take no lock and wait on no writer: fine in a cooperative
  // actor, like the faces' reads on the listener threads.
  st.ledger = std::make_unique<tracker_ledger>(
      [db](user_id uid, const std::string& ih, const std::string& peer_id)
          -> std::optional<peer_session> {
        auto t = db->read();
        for (auto& s : storage::get_counter(t, uid, ih).sessions)
          if (s.peer_id == peer_id)
            return s;
        return std::nullopt;
      });
  st.policy = base::net_policy::from_settings(cfg->allow_private_networks,
                                              cfg->allow_networks);
  self->send(self, caf::tick_atom_v);
  return {
      [=](atom::announce, announce_request& req) {
        return announce(self, req);
      },
      [=](atom::scrape, scrape_request& req) { return scrape(self, req); },
      [=](atom::forget, std::string& ih, bool deleted) {
        self->state.posts.erase(ih);
        if (deleted)
          self->state.swarms.erase(ih);
      },
      [=](atom::flush) {
        auto rp = self->make_response_promise<caf::ok_atom>();
        self->state.flush_waiters.push_back(rp);
        flush(self);
        return rp;
      },
      [=](caf::tick_atom) {
        expire(self);
        flush(self);
        // At least 50 ms apart: `--tracker-flush-ms=0` must not spin.
        auto every = std::max<uint32_t>(self->state.cfg->tracker_flush_ms, 50);
        self->delayed_send(self, std::chrono::milliseconds(every),
                           caf::tick_atom_v);
      },
  };
}

} // namespace

tracker_actor spawn_tracker(caf::actor_system& sys, const settings* cfg,
                            storage::lmdb_env* db, store_actor store) {
  return sys.spawn(tracker, cfg, db, std::move(store));
}

} // namespace skyhaul
