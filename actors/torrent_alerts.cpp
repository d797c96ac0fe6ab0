#include "actors/torrent_alerts.hpp"

#include "actors/torrent_meta.hpp"
#include "base/metrics.hpp"
#include "storage/no_space.hpp"

#include <libtorrent/alert_types.hpp>
#include <libtorrent/error_code.hpp>
#include <libtorrent/read_resume_data.hpp>
#include <libtorrent/session_stats.hpp>
#include <libtorrent/torrent_status.hpp>
#include <libtorrent/write_resume_data.hpp>

#include <iostream>
#include <set>
#include <string>

namespace skyhaul {

namespace {

/// libtorrent's storage error of a full disk or quota (its errors of the
/// files are the system's errno values).
bool full_disk(const lt::error_code& err) {
  return (err.category() == boost::system::system_category()
          || err.category() == boost::system::generic_category())
         && storage::no_space(err.value());
}

torrent_event make(torrent_event::kind what, const lt::torrent_alert* a) {
  torrent_event ev;
  ev.what = what;
  ev.handle = a->handle;
  return ev;
}

torrent_status_value status_value(const lt::torrent_status& st) {
  torrent_status_value v;
  v.handle = st.handle;
  v.info_hash = hash_hex(st.info_hashes);
  v.download_rate = static_cast<uint64_t>(std::max(0, st.download_payload_rate));
  v.upload_rate = static_cast<uint64_t>(std::max(0, st.upload_payload_rate));
  v.uploaded = static_cast<uint64_t>(std::max<int64_t>(0, st.total_payload_upload));
  v.peers = static_cast<uint32_t>(std::max(0, st.num_peers));
  v.seeds = static_cast<uint32_t>(std::max(0, st.num_seeds));
  v.checking = st.state == lt::torrent_status::checking_files
               || st.state == lt::torrent_status::checking_resume_data;
  v.finished = st.is_finished;
  v.pieces.resize(static_cast<size_t>(st.pieces.size()));
  for (int i = 0; i < st.pieces.size(); ++i)
    v.pieces[static_cast<size_t>(i)] = st.pieces.get_bit(lt::piece_index_t{i});
  return v;
}

/// The session's payload totals into the byte counters. The session lives
/// as long as the process, so its totals only grow.
void count_bytes(const lt::session_stats_alert& a) {
  static const int recv = lt::find_metric_idx("net.recv_payload_bytes");
  static const int sent = lt::find_metric_idx("net.sent_payload_bytes");
  auto c = a.counters();
  auto& reg = base::metrics::global();
  if (recv >= 0 && recv < c.size())
    reg.raise_download(base::metrics::transfer::torrent,
                       static_cast<uint64_t>(std::max<int64_t>(0, c[recv])));
  if (sent >= 0 && sent < c.size())
    reg.raise_upload(base::metrics::transfer::torrent,
                     static_cast<uint64_t>(std::max<int64_t>(0, c[sent])));
}

/// A peer the session refused, in the log: the first time for each
/// address (a bounded memory, forgotten when full), so a swarm of private
/// addresses cannot flood it.
void log_blocked(const lt::peer_blocked_alert& a) {
  static std::set<std::string> seen;
  auto peer = a.endpoint.address().to_string();
  if (seen.size() >= 1024)
    seen.clear();
  if (!seen.insert(peer).second)
    return;
  const char* why = a.reason == lt::peer_blocked_alert::ip_filter
                        ? "refused by the network policy"
                        : "refused";
  std::cerr << "skyhauld: torrent " << hash_hex(a.handle.info_hashes())
            << ": peer " << peer << " " << why << "\n";
}

} // namespace

std::optional<torrent_event> to_event(const lt::alert* a) {
  using k = torrent_event::kind;
  if (auto p = lt::alert_cast<lt::add_torrent_alert>(a)) {
    auto ev = make(k::added, p);
    ev.info_hash = hash_hex(p->params.info_hashes);
    if (ev.info_hash.find_first_not_of('0') == std::string::npos && p->params.ti)
      ev.info_hash = hash_hex(p->params.ti->info_hashes());
    ev.ti = p->params.ti;
    if (p->error) {
      ev.code = p->error == lt::errors::duplicate_torrent
                    ? ec::invalid_state
                    : ec::download_source_exception;
      ev.message = p->error.message();
    }
    return ev;
  }
  if (auto p = lt::alert_cast<lt::torrent_finished_alert>(a))
    return make(k::finished, p);
  if (auto p = lt::alert_cast<lt::torrent_removed_alert>(a)) {
    auto ev = make(k::removed, p);
    ev.info_hash = hash_hex(p->info_hashes);
    return ev;
  }
  if (auto p = lt::alert_cast<lt::cache_flushed_alert>(a))
    return make(k::flushed, p);
  if (auto p = lt::alert_cast<lt::metadata_received_alert>(a))
    return make(k::metadata, p);
  if (auto p = lt::alert_cast<lt::save_resume_data_alert>(a)) {
    auto ev = make(k::resume, p);
    auto buf = lt::write_resume_data_buf(p->params);
    ev.resume.assign(buf.begin(), buf.end());
    ev.ti = p->params.ti;
    ev.info_hash = hash_hex(p->params.info_hashes);
    return ev;
  }
  if (auto p = lt::alert_cast<lt::save_resume_data_failed_alert>(a)) {
    auto ev = make(k::resume, p);
    ev.code = ec::internal_error;
    ev.message = p->error.message();
    return ev;
  }
  if (auto p = lt::alert_cast<lt::torrent_error_alert>(a)) {
    auto ev = make(k::error, p);
    // A storage error of the torrent's files is reported here too.
    ev.code = full_disk(p->error) ? ec::insufficient_storage
                                  : ec::download_source_exception;
    ev.message = "torrent error: " + p->error.message();
    if (auto f = p->filename(); f && *f)
      ev.message += std::string{" ("} + f + ")";
    return ev;
  }
  if (auto p = lt::alert_cast<lt::file_error_alert>(a)) {
    auto ev = make(k::error, p);
    ev.code = full_disk(p->error) ? ec::insufficient_storage
                                  : ec::internal_error;
    ev.message = std::string{"file error: "} + lt::operation_name(p->op)
                 + " " + p->filename() + ": " + p->error.message();
    return ev;
  }
  if (auto p = lt::alert_cast<lt::metadata_failed_alert>(a)) {
    auto ev = make(k::error, p);
    ev.code = ec::download_source_exception;
    ev.message = "the metadata from the swarm is invalid: "
                 + p->error.message();
    return ev;
  }
  if (auto p = lt::alert_cast<lt::peer_blocked_alert>(a)) {
    log_blocked(*p);
    return std::nullopt;
  }
  if (auto p = lt::alert_cast<lt::session_stats_alert>(a)) {
    count_bytes(*p);
    return std::nullopt;
  }
  if (auto p = lt::alert_cast<lt::state_update_alert>(a)) {
    torrent_event ev;
    ev.what = k::update;
    ev.statuses.reserve(p->status.size());
    for (auto& st : p->status)
      ev.statuses.push_back(status_value(st));
    return ev;
  }
  return std::nullopt;
}

} // namespace skyhaul
