#include "actors/torrent_add.hpp"

#include "actors/torrent_settings.hpp"
#include "protocol/settings.hpp"
#include "protocol/source.hpp"

#include <algorithm>
#include <libtorrent/magnet_uri.hpp>
#include <libtorrent/read_resume_data.hpp>
#include <libtorrent/torrent_info.hpp>

namespace skyhaul {

caf::error make_params(const settings& cfg, const torrent_add& req,
                       torrent_entry& e, lt::add_torrent_params& p) {
  std::shared_ptr<const lt::torrent_info> ti;
  if (!req.metainfo.empty()) {
    if (auto err = parse_metainfo(policy_dht_nodes(cfg, req.metainfo),
                                  cfg.bt_max_torrent_size, ti))
      return err;
  } else {
    if (!magnet_info_hash(req.magnet))
      return make_error(ec::invalid_uri, "the magnet link has no usable "
                                         "info-hash");
    lt::error_code err;
    p = lt::parse_magnet_uri(req.magnet, err);
    if (err)
      return make_error(ec::invalid_uri, "bad magnet link: " + err.message());
    policy_dht_nodes(cfg, p.dht_nodes);
  }
  if (!req.resume.empty()) {
    lt::error_code err;
    auto r = lt::read_resume_data({req.resume.data(),
                                   static_cast<long>(req.resume.size())},
                                  err);
    auto same = !err
                && (ti ? r.info_hashes == ti->info_hashes()
                       : r.info_hashes == p.info_hashes);
    if (same) {
      // Peers and trackers of a magnet link stay with the torrent.
      auto peers = std::move(p.peers);
      auto trackers = std::move(p.trackers);
      p = std::move(r);
      p.peers.insert(p.peers.end(), peers.begin(), peers.end());
      for (auto& t : trackers)
        if (std::find(p.trackers.begin(), p.trackers.end(), t)
            == p.trackers.end())
          p.trackers.push_back(t);
      if (req.recheck) {
        // Pieces the resume data lists may never have reached the disk, or
        // failed their hash when read back: none counts until libtorrent
        // read it again. Without them no state update can show the torrent
        // complete before the recheck (forced once the add is in) began.
        p.have_pieces.clear();
        p.verified_pieces.clear();
        p.unfinished_pieces.clear();
        e.recheck = true;
      }
      if (!ti && p.ti)
        if (unsafe_torrent_paths(*p.ti).empty())
          ti = p.ti;
    }
  }
  if (ti) {
    if (auto err = layout_of(*ti, req.files, e.layout))
      return err;
    e.have_layout = true;
    e.ti = ti;
    p.ti = std::const_pointer_cast<lt::torrent_info>(ti);
    p.file_priorities.clear();
    for (auto prio : e.layout.priorities)
      p.file_priorities.push_back(lt::download_priority_t{prio});
    // Resume data carries the piece priorities of the choice it was saved
    // under, and libtorrent applies them over the file priorities: a file
    // chosen since (`PUT /task/tid/<tid>/files`) would keep its pieces at
    // priority 0 and never come. The task's choice decides alone.
    p.piece_priorities.clear();
    p.flags &= ~lt::torrent_flags::default_dont_download;
    e.info_hash = e.layout.meta.info_hash;
  } else {
    p.ti.reset();
    // Nothing is downloaded before the files are chosen.
    p.flags |= lt::torrent_flags::default_dont_download;
    e.info_hash = hash_hex(p.info_hashes);
  }
  p.save_path = req.save_path;
  p.flags &= ~(lt::torrent_flags::auto_managed | lt::torrent_flags::paused
               | lt::torrent_flags::upload_mode
               | lt::torrent_flags::stop_when_ready);
  p.flags |= lt::torrent_flags::duplicate_is_error;
  p.download_limit = static_cast<int>(
      std::min<uint64_t>(req.download_limit, INT32_MAX));
  p.upload_limit
      = static_cast<int>(std::min<uint64_t>(req.upload_limit, INT32_MAX));
  p.max_connections = static_cast<int>(cfg.bt_torrent_connections_limit);
  if (!e.have_layout)
    e.readd = p;
  return caf::none;
}

} // namespace skyhaul
