#include "storage/rules/transfers.hpp"

#include "storage/level_table.hpp"

#include <algorithm>

namespace skyhaul::storage::rules {

namespace {

void merge_sessions(torrent_counter& c, const transfer_delta& d) {
  auto& ss = c.sessions;
  for (auto& s : d.sessions) {
    auto same = [&](const peer_session& x) { return x.peer_id == s.peer_id; };
    auto i = std::find_if(ss.begin(), ss.end(), same);
    if (i != ss.end())
      *i = s;
    else
      ss.push_back(s);
  }
  for (auto& id : d.ended)
    ss.erase(std::remove_if(ss.begin(), ss.end(),
                            [&](const peer_session& x) {
                              return x.peer_id == id;
                            }),
             ss.end());
  if (ss.size() > max_peer_sessions) {
    std::sort(ss.begin(), ss.end(), [](auto& x, auto& y) {
      return x.seen_ms > y.seen_ms;
    });
    ss.resize(max_peer_sessions);
  }
}

} // namespace

void apply_transfers(txn& t, const transfer_batch& batch) {
  for (auto& d : batch.deltas) {
    auto c = get_counter(t, d.uid, d.info_hash);
    c.uploaded += d.uploaded;
    c.downloaded += d.downloaded;
    merge_sessions(c, d);
    put_counter(t, d.uid, d.info_hash, c);
    if (d.uploaded == 0 && d.downloaded == 0)
      continue;
    auto f = get_figures(t, d.uid);
    f.uploaded += d.uploaded;
    f.downloaded += d.downloaded;
    put_figures(t, d.uid, f);
  }
}

} // namespace skyhaul::storage::rules
