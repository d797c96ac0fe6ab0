// Downloads one URL with Skyhaul inside this program's own actor_system:
// the runtime is started on a data directory, a user is created, the task
// goes to the typed scheduler interface, and the program waits for the
// task to end. Prints the stored file's key, size and SHA-1.
//
// Usage: embed DATA_DIR URL [SHA1]
// Exit status: 0 finished (and verified against SHA1 when given), 1 failed.

#include "actors/runtime.hpp"
#include "protocol/error.hpp"
#include "protocol/task_status.hpp"
#include "storage/lmdb_env.hpp"
#include "storage/user_table.hpp"

#include <caf/all.hpp>
#include <chrono>
#include <iostream>
#include <thread>

using namespace skyhaul;

namespace {

/// The user the downloads belong to, created through the store actor (the
/// only writer of the database) on the first run.
user_id ensure_user(runtime& rt, caf::scoped_actor& self) {
  {
    auto t = rt.db().read();
    if (auto u = storage::find_user_by_name(t, "embed"))
      return u->id;
  }
  storage::new_user u;
  {
    // The id counter, as skyhauld takes it for its admin.
    auto t = rt.db().write();
    u = storage::make_user(storage::next_user_id(t), "embed", false, 1);
    t.commit();
  }
  self->request(rt.store(), std::chrono::seconds(30), caf::put_atom_v, u.rec)
      .receive([](caf::ok_atom) {},
               [](caf::error& err) {
                 throw std::runtime_error("cannot create the user: "
                                          + message_of(err));
               });
  return u.rec.id;
}

} // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::cerr << "usage: embed DATA_DIR URL [SHA1]\n";
    return 2;
  }
  caf::actor_system_config cfg;
  caf::actor_system sys{cfg};
  settings s;
  s.data_dir = argv[1];
  // The example downloads from wherever it is told, loopback included.
  s.allow_private_networks = true;
  int rc = 1;
  {
    runtime rt{sys, s};
    caf::scoped_actor self{sys};
    auto uid = ensure_user(rt, self);
    task_spec spec;
    spec.url = argv[2];
    spec.bucket = "embed";
    spec.key = "download.bin";
    if (argc > 3)
      spec.sha1 = argv[3];
    task_seq seq = 0;
    self->request(rt.scheduler(), std::chrono::seconds(30), atom::create_v,
                  uid, spec)
        .receive([&](task_seq s) { seq = s; },
                 [](caf::error& err) {
                   throw std::runtime_error("not created: " + message_of(err));
                 });
    std::cout << "task " << format_tid(seq) << " created\n";
    // Ends when the task does (bounded by the download's own timeouts).
    auto deadline = std::chrono::steady_clock::now() + std::chrono::minutes(10);
    task_status last;
    while (std::chrono::steady_clock::now() < deadline) {
      self->request(rt.scheduler(), std::chrono::seconds(30), atom::status_v,
                    uid, seq)
          .receive([&](task_status& ts) { last = std::move(ts); },
                   [](caf::error& err) {
                     throw std::runtime_error("no status: " + message_of(err));
                   });
      if (is_terminal(last.rec.state))
        break;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    std::cout << "task " << format_tid(seq) << " "
              << to_string(last.rec.state) << "\n";
    if (last.rec.state == task_state::finished) {
      for (auto& f : last.rec.files)
        std::cout << "file " << f.key << " " << f.size << " " << f.sha1
                  << "\n";
      rc = 0;
    } else {
      std::cout << "error " << last.rec.error_message << "\n";
    }
    rt.shutdown();
  }
  return rc;
}
