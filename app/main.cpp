// skyhauld: the Skyhaul daemon, and the user commands (app/user_commands).

#include "actors/runtime.hpp"
#include "app/fd_limit.hpp"
#include "app/options.hpp"
#include "app/publish.hpp"
#include "app/user_commands.hpp"
#include "http/listeners.hpp"
#include "http/server.hpp"
#include "protocol/message_types.hpp"
#include "storage/lmdb_env.hpp"
#include "storage/user_table.hpp"

#include <caf/all.hpp>
#include <csignal>
#include <cstdio>
#include <fcntl.h>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <sys/stat.h>
#include <thread>
#include <unistd.h>

namespace {

using namespace skyhaul;

/// Writes `path` atomically (temp file, fsync, rename) with `mode`.
void write_file(const std::string& path, const std::string& text, mode_t mode) {
  auto tmp = path + ".tmp";
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
  if (fd < 0)
    throw std::runtime_error("cannot write " + tmp);
  ::fchmod(fd, mode);
  auto n = ::write(fd, text.data(), text.size());
  ::fsync(fd);
  ::close(fd);
  if (n != static_cast<ssize_t>(text.size())
      || ::rename(tmp.c_str(), path.c_str()) != 0)
    throw std::runtime_error("cannot write " + path);
}

/// On the first start, an admin and its credentials in admin.json (0600).
void ensure_admin(runtime& rt, caf::actor_system& sys) {
  auto path = rt.cfg().data_dir + "/admin.json";
  {
    auto t = rt.db().read();
    if (storage::find_user_by_name(t, "admin"))
      return;
  }
  storage::new_user u;
  {
    auto t = rt.db().write();
    u = storage::make_user(storage::next_user_id(t), "admin", true, 100);
    t.commit();
  }
  caf::scoped_actor self{sys};
  bool ok = false;
  self->request(rt.store(), std::chrono::seconds(30), caf::put_atom_v, u.rec)
      .receive([&](caf::ok_atom) { ok = true; },
               [&](caf::error& err) {
                 std::cerr << "skyhauld: cannot create admin: "
                           << caf::to_string(err) << "\n";
               });
  if (!ok)
    throw std::runtime_error("cannot create the admin user");
  write_file(path, user_json(u) + "\n", 0600);
}

int serve(const settings& cfg) {
  // Signals are taken by sigwait below; block them before any thread starts.
  sigset_t sigs;
  sigemptyset(&sigs);
  sigaddset(&sigs, SIGTERM);
  sigaddset(&sigs, SIGINT);
  pthread_sigmask(SIG_BLOCK, &sigs, nullptr);
  std::signal(SIGPIPE, SIG_IGN);
  raise_fd_limit();
  std::filesystem::create_directories(cfg.data_dir);
  std::filesystem::remove(cfg.data_dir + "/listen.json");
  caf::actor_system_config sys_cfg;
  sys_cfg.set("logger.verbosity", caf::atom("quiet"));
  // The same names on both sides of a connection (--publish).
  announce_message_types(sys_cfg);
  auto publish_at = check_publish_options(cfg);
  if (publish_at)
    configure_publishing(sys_cfg, cfg);
  // CAF's default is at least four workers; on a small machine the extra
  // ones only sleep, wake and steal, which costs every message latency.
  auto workers = cfg.actor_threads != 0
                   ? std::min(cfg.actor_threads, 1024u)
                   : std::max(1u, std::thread::hardware_concurrency());
  sys_cfg.set("scheduler.max-threads", static_cast<size_t>(workers));
  // Work stealing polls while idle: on two cores its sleeping and waking
  // cost a third of a core during a download and slowed task submission.
  sys_cfg.set("scheduler.policy", cfg.actor_policy == "stealing"
                                    ? caf::atom("stealing")
                                    : caf::atom("sharing"));
  caf::actor_system sys{sys_cfg};
  runtime rt{sys, cfg};
  ensure_admin(rt, sys);
  auto svc = std::make_shared<http::services>();
  svc->sys = &sys;
  svc->scheduler = rt.scheduler();
  svc->store = rt.store();
  svc->tracker = rt.tracker();
  svc->community = rt.community();
  svc->events = rt.events();
  svc->db = &rt.db();
  svc->blobs = &rt.blobs();
  svc->cfg = &rt.cfg();
  svc->link_secret = rt.link_secret();
  svc->secrets = rt.secrets();
  // Each listener with its faces: api (Task API), offline, s3.
  auto listeners = http::standard_listeners(svc);
  http::server srv{rt.cfg(), listeners};
  auto bound = srv.start();
  // Other CAF processes, over TLS with client certificates.
  std::unique_ptr<publisher> pub;
  if (publish_at)
    pub = std::make_unique<publisher>(sys, rt, *publish_at);
  std::string listen = "{";
  for (auto& l : listeners) {
    if (listen.size() > 1)
      listen += ",";
    listen += "\"" + l.name + "\":\"" + bound[l.name] + "\"";
  }
  if (pub)
    listen += ",\"publish\":\"" + pub->bound() + "\"";
  listen += "}\n";
  write_file(cfg.data_dir + "/listen.json", listen, 0644);
  std::cerr << "skyhauld: listening " << listen;
  int sig = 0;
  sigwait(&sigs, &sig);
  std::cerr << "skyhauld: stopping on signal " << sig << "\n";
  srv.stop();
  if (pub)
    pub->stop();
  rt.shutdown();
  return 0;
}

} // namespace

int main(int argc, char** argv) {
  skyhaul::command cmd;
  skyhaul::settings cfg;
  try {
    cfg = skyhaul::load_settings({argv + 1, argv + argc}, cmd);
  } catch (const std::exception& e) {
    std::cerr << "skyhauld: " << e.what() << "\n" << skyhaul::usage();
    return 2;
  }
  try {
    switch (cmd.what) {
    case skyhaul::command::help:
      std::cout << skyhaul::usage();
      return 0;
    case skyhaul::command::user_add:
    case skyhaul::command::user_passwd:
    case skyhaul::command::user_credential:
      return skyhaul::run_user_command(cfg, cmd);
    case skyhaul::command::serve:
      return serve(cfg);
    }
  } catch (const std::exception& e) {
    std::cerr << "skyhauld: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
