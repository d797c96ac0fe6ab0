// Drives a Skyhaul daemon on another host from this program's own CAF
// actor_system: connects to `skyhauld --publish` over TLS with a client
// certificate, subscribes to its user's events, creates a download through
// the remote interface (remote_api_actor in protocol/actors.hpp), reads the
// task's status until it ended, and waits for the event that says so.
//
// Usage: remote HOST PORT [--ca FILE --cert FILE --key FILE] --api-key KEY
//               fetch URL [SHA1]     download URL (verified against SHA1)
//               status TID           print a task's state
// Without the three files CAF uses anonymous TLS, which a published
// skyhauld refuses (that is what the tests show with it).
// Exit status: 0 done (the task finished), 1 the task failed or a call was
// refused (`error CODE MESSAGE`), 2 usage, 3 no connection.

#include "protocol/actors.hpp"
#include "protocol/error.hpp"
#include "protocol/message_types.hpp"

#include <caf/all.hpp>
#include <caf/io/all.hpp>
#include <caf/openssl/all.hpp>
#include <chrono>
#include <iostream>
#include <map>
#include <string>
#include <vector>

using namespace skyhaul;
using namespace std::chrono_literals;

namespace {

struct args {
  std::string host, ca, cert, key, api_key, command;
  uint16_t port = 0;
  std::vector<std::string> rest;
};

bool parse(int argc, char** argv, args& out) {
  std::vector<std::string> pos;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    std::map<std::string, std::string*> opts{{"--ca", &out.ca},
                                             {"--cert", &out.cert},
                                             {"--key", &out.key},
                                             {"--api-key", &out.api_key}};
    auto opt = opts.find(a);
    if (opt != opts.end()) {
      if (++i == argc)
        return false;
      *opt->second = argv[i];
    } else {
      pos.push_back(a);
    }
  }
  bool files = !out.ca.empty() && !out.cert.empty() && !out.key.empty();
  bool none = out.ca.empty() && out.cert.empty() && out.key.empty();
  if (pos.size() < 3 || out.api_key.empty() || !(files || none))
    return false;
  out.host = pos[0];
  out.port = static_cast<uint16_t>(std::stoul(pos[1]));
  out.command = pos[2];
  out.rest.assign(pos.begin() + 3, pos.end());
  return true;
}

/// Prints a refused call the way the exit status 1 promises.
void print_error(const caf::error& err) {
  std::cout << "error " << to_string(code_of(err)) << " " << message_of(err)
            << std::endl;
}

int status(caf::scoped_actor& self, const remote_api_actor& api,
           const args& a) {
  auto seq = a.rest.empty() ? std::nullopt : parse_tid(a.rest[0]);
  if (!seq)
    return 2;
  int rc = 1;
  self->request(api, 30s, atom::status_v, a.api_key, *seq)
    .receive(
      [&](task_status& ts) {
        std::cout << "state " << to_string(ts.rec.state) << std::endl;
        rc = 0;
      },
      [&](caf::error& err) { print_error(err); });
  return rc;
}

int fetch(caf::scoped_actor& self, const remote_api_actor& api,
          const args& a) {
  if (a.rest.empty())
    return 2;
  // The user's events come here as typed messages: subscribed before the
  // task exists, so none of its events can be missed.
  auto me = caf::actor_cast<event_listener_actor>(self);
  bool ok = true;
  self->request(api, 30s, atom::watch_v, a.api_key, event_filter{}, me)
    .receive([](uint64_t) {},
             [&](caf::error& err) {
               print_error(err);
               ok = false;
             });
  if (!ok)
    return 1;
  task_spec spec;
  spec.url = a.rest[0];
  spec.key = "remote.bin";
  if (a.rest.size() > 1)
    spec.sha1 = a.rest[1];
  task_seq seq = 0;
  self->request(api, 30s, atom::create_v, a.api_key, spec)
    .receive([&](task_seq s) { seq = s; },
             [&](caf::error& err) {
               print_error(err);
               ok = false;
             });
  if (!ok)
    return 1;
  std::cout << "task " << format_tid(seq) << " created" << std::endl;
  // Reads the status until the task ended and its ended event is in,
  // taking events as they come; bounded by two minutes.
  auto deadline = std::chrono::steady_clock::now() + 120s;
  task_status last;
  bool ended = false;
  bool ended_event = false;
  auto on_event = [&](atom::event, task_event& ev) {
    if (ev.tid != seq)
      return;
    std::cout << "event " << to_string(ev.type);
    if (ev.type == event_type::task_state) {
      std::cout << " " << to_string(ev.state);
      ended_event = ended_event || is_terminal(ev.state);
    }
    if (ev.type == event_type::task_file)
      std::cout << " " << ev.file.key;
    std::cout << std::endl;
  };
  while (!(ended && ended_event)
         && std::chrono::steady_clock::now() < deadline) {
    if (!ended) {
      self->request(api, 30s, atom::status_v, a.api_key, seq)
        .receive(
          [&](task_status& ts) {
            if (ts.rec.state != last.rec.state || last.rec.seq == 0)
              std::cout << "status " << to_string(ts.rec.state) << std::endl;
            last = std::move(ts);
            ended = is_terminal(last.rec.state);
          },
          [&](caf::error& err) {
            print_error(err);
            deadline = std::chrono::steady_clock::now();
          });
    }
    // Events that came in meanwhile, or a tenth of a second.
    self->receive(on_event, caf::after(100ms) >> [] {});
  }
  self->request(api, 30s, atom::unwatch_v, a.api_key, me)
    .receive([](caf::ok_atom) {}, [](caf::error&) {});
  if (!ended || !ended_event) {
    std::cout << "timeout" << std::endl;
    return 1;
  }
  if (last.rec.state != task_state::finished) {
    std::cout << "failed " << last.rec.error_message << std::endl;
    return 1;
  }
  for (auto& f : last.rec.files)
    std::cout << "file " << f.key << " " << f.size << " " << f.sha1
              << std::endl;
  return 0;
}

} // namespace

int main(int argc, char** argv) {
  args a;
  if (!parse(argc, argv, a)) {
    std::cerr << "usage: remote HOST PORT [--ca FILE --cert FILE --key FILE]"
                 " --api-key KEY fetch URL [SHA1] | status TID\n";
    return 2;
  }
  caf::actor_system_config cfg;
  cfg.set("logger.verbosity", caf::atom("quiet"));
  // The names of the message types, as skyhauld announces them.
  announce_message_types(cfg);
  cfg.load<caf::io::middleman>();
  cfg.load<caf::openssl::manager>();
  // The CA checks the server; the certificate and key are this client's.
  cfg.openssl_cafile = a.ca;
  cfg.openssl_certificate = a.cert;
  cfg.openssl_key = a.key;
  caf::actor_system sys{cfg};
  auto api = caf::openssl::remote_actor<remote_api_actor>(sys, a.host, a.port);
  if (!api) {
    std::cout << "cannot connect: " << sys.render(api.error()) << std::endl;
    return 3;
  }
  caf::scoped_actor self{sys};
  if (a.command == "fetch")
    return fetch(self, *api, a);
  if (a.command == "status")
    return status(self, *api, a);
  return 2;
}
