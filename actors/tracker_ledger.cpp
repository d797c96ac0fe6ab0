#include "actors/tracker_ledger.hpp"

#include <algorithm>

namespace skyhaul {

std::string tracker_ledger::key_of(user_id uid, const std::string& ih) {
  std::string k(8, '\0');
  for (int i = 7; i >= 0; --i, uid >>= 8)
    k[i] = static_cast<char>(uid & 0xff);
  return k + ih;
}

void tracker_ledger::record(user_id uid, const std::string& info_hash,
                            const std::string& peer_id, uint64_t uploaded,
                            uint64_t downloaded, bool stopped,
                            int64_t now_ms) {
  auto tkey = key_of(uid, info_hash);
  auto skey = tkey + peer_id;
  auto i = sessions_.find(skey);
  if (i == sessions_.end()) {
    peer_session base;
    base.peer_id = peer_id;
    if (auto stored = load_(uid, info_hash, peer_id))
      base = *stored;
    i = sessions_.emplace(skey, std::move(base)).first;
  }
  auto& s = i->second;
  // A counter below the last one is a new session that never said
  // `stopped` (the client restarted): all of it is new.
  auto up = uploaded >= s.uploaded ? uploaded - s.uploaded : uploaded;
  auto down = downloaded >= s.downloaded ? downloaded - s.downloaded
                                         : downloaded;
  auto& d = pending_[tkey];
  d.uid = uid;
  d.info_hash = info_hash;
  d.uploaded += up;
  d.downloaded += down;
  s.seen_ms = now_ms;
  auto same = [&](const peer_session& x) { return x.peer_id == peer_id; };
  d.sessions.erase(std::remove_if(d.sessions.begin(), d.sessions.end(), same),
                   d.sessions.end());
  d.ended.erase(std::remove(d.ended.begin(), d.ended.end(), peer_id),
                d.ended.end());
  if (stopped) {
    s.uploaded = 0;
    s.downloaded = 0;
    d.ended.push_back(peer_id);
  } else {
    s.uploaded = uploaded;
    s.downloaded = downloaded;
    d.sessions.push_back(s);
  }
}

transfer_batch tracker_ledger::take() {
  transfer_batch out;
  out.deltas.reserve(pending_.size());
  for (auto& kv : pending_)
    out.deltas.push_back(std::move(kv.second));
  pending_.clear();
  return out;
}

void tracker_ledger::restore(transfer_batch batch) {
  for (auto& old : batch.deltas) {
    auto& d = pending_[key_of(old.uid, old.info_hash)];
    d.uid = old.uid;
    d.info_hash = old.info_hash;
    d.uploaded += old.uploaded;
    d.downloaded += old.downloaded;
    // A session's later state wins over the one of the failed batch.
    auto known = [&](const std::string& id) {
      auto same = [&](const peer_session& x) { return x.peer_id == id; };
      return std::any_of(d.sessions.begin(), d.sessions.end(), same)
             || std::count(d.ended.begin(), d.ended.end(), id) > 0;
    };
    for (auto& s : old.sessions)
      if (!known(s.peer_id))
        d.sessions.push_back(s);
    for (auto& id : old.ended)
      if (!known(id))
        d.ended.push_back(id);
  }
}

void tracker_ledger::expire(int64_t before_ms) {
  for (auto i = sessions_.begin(); i != sessions_.end();) {
    if (i->second.seen_ms < before_ms
        && pending_.count(i->first.substr(0, 28)) == 0)
      i = sessions_.erase(i);
    else
      ++i;
  }
}

} // namespace skyhaul
