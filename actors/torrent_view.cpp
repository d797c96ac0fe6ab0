#include "actors/torrent_view.hpp"

#include "actors/torrent_meta.hpp"
#include "protocol/settings.hpp"
#include "protocol/source.hpp"
#include "protocol/task_status.hpp"
#include "storage/lmdb_env.hpp"
#include "storage/torrent_table.hpp"

#include <libtorrent/read_resume_data.hpp>
#include <libtorrent/torrent_info.hpp>

namespace skyhaul {

bool open_torrent_task(const task_record& rec) {
  return is_torrent(source_of(rec.spec)) && rec.state != task_state::finished
         && rec.state != task_state::cancelled;
}

caf::error stored_layout(const settings& cfg, storage::lmdb_env& db,
                         const task_record& rec,
                         const std::vector<std::string>& wanted,
                         torrent_layout& out) {
  std::shared_ptr<const lt::torrent_info> ti;
  if (!rec.spec.torrent.empty()) {
    if (auto err = parse_metainfo(rec.spec.torrent, cfg.bt_max_torrent_size,
                                  ti))
      return err;
  } else {
    std::optional<storage::resume_entry> resume;
    {
      auto t = db.read();
      resume = storage::get_resume(t, rec.seq);
    }
    if (resume) {
      lt::error_code err;
      auto p = lt::read_resume_data(
        {resume->data.data(), static_cast<long>(resume->data.size())}, err);
      if (!err && p.ti && p.ti->is_valid()
          && unsafe_torrent_paths(*p.ti).empty())
        ti = p.ti;
    }
  }
  if (!ti)
    return make_error(ec::invalid_state,
                      "the torrent's metadata is not known yet");
  if (auto err = layout_of(*ti, wanted, out))
    return make_error(ec::invalid_argument, message_of(err));
  return caf::none;
}

void put_view(const torrent_layout& l, torrent_view& bt) {
  bt.metadata = metadata_state::received;
  bt.info_hash = l.meta.info_hash;
  bt.name = l.meta.name;
  bt.total_size = l.meta.total;
  bt.files = l.meta.files;
}

void fill_stored_view(const settings& cfg, storage::lmdb_env& db,
                      task_status& ts) {
  if (!open_torrent_task(ts.rec)
      || (ts.rec.info_hash.empty() && ts.rec.spec.torrent.empty()))
    return;
  torrent_layout layout;
  if (!stored_layout(cfg, db, ts.rec, ts.rec.spec.files, layout))
    put_view(layout, ts.bt);
}

} // namespace skyhaul
