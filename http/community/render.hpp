#pragma once

// The community face's objects as JSON, in the origin's field names.
// Everything is read in one read transaction, given by the caller.

#include "http/json.hpp"
#include "protocol/level.hpp"
#include "protocol/post.hpp"
#include "protocol/thread.hpp"
#include "protocol/user_record.hpp"
#include "storage/lmdb_env.hpp"

#include <map>
#include <vector>

namespace skyhaul::http::community {

/// Reads users and levels once per request, however many posts it shows.
class renderer {
public:
  explicit renderer(const storage::txn& t);

  void level(json_writer& w, const level_record& l) const;

  /// The level `lid` in full, or `{"lid":lid}` when it is gone.
  void level(json_writer& w, uint32_t lid) const;

  void post(json_writer& w, const post_record& p);
  void thread(json_writer& w, const thread_record& th);

  /// A user; `own` adds the passkey.
  void user(json_writer& w, const user_record& u, bool own) const;

  const std::vector<level_record>& levels() const {
    return levels_;
  }

private:
  /// `uid` and `username` (and the level when `with_level`), or null.
  void person(json_writer& w, user_id uid, bool with_level);

  const storage::txn& t_;
  std::vector<level_record> levels_;
  std::map<user_id, std::optional<user_record>> users_;
};

/// `{"list":[…],"totalCount":n,"pageSize":n,"pageNo":n}`; `items` writes
/// the list's elements.
template <class F>
void page(json_writer& w, uint64_t total, uint32_t size, uint64_t no,
          F items) {
  w.StartObject();
  w.Key("list");
  w.StartArray();
  items();
  w.EndArray();
  w.Key("totalCount");
  w.Uint64(total);
  w.Key("pageSize");
  w.Uint(size);
  w.Key("pageNo");
  w.Uint64(no);
  w.EndObject();
}

} // namespace skyhaul::http::community
