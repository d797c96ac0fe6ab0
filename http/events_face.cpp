#include "http/events_face.hpp"

#include <chrono>

#include <caf/all.hpp>

#include "base/percent.hpp"
#include "http/auth.hpp"
#include "http/event_sse.hpp"
#include "http/json.hpp"
#include "protocol/settings.hpp"

namespace skyhaul::http {

namespace {

using svc_ptr = std::shared_ptr<const services>;

/// Most tasks one stream may filter on.
constexpr size_t max_tids = 100;

/// How long the hub may take to confirm a subscription.
constexpr auto watch_timeout = std::chrono::seconds(30);

/// One open stream: takes the hub's events and writes them to the
/// connection, with a heartbeat comment now and then so that proxies keep
/// an idle stream open.
using stream_actor
  = event_listener_actor::extend<caf::reacts_to<caf::tick_atom>>;

struct stream_state {
  static inline const char* name = "event_stream";
  std::shared_ptr<stream_channel> out;
  std::chrono::milliseconds heartbeat{15000};
};

using stream_ptr = stream_actor::stateful_pointer<stream_state>;

void write_or_quit(stream_ptr self, std::string bytes) {
  if (!self->state.out->push(std::move(bytes)))
    self->quit();
}

stream_actor::behavior_type event_stream(stream_ptr self,
                                         std::shared_ptr<stream_channel> out,
                                         event_hub_actor hub,
                                         event_filter filter,
                                         std::chrono::milliseconds beat) {
  self->state.out = out;
  self->state.heartbeat = beat;
  // The connection going away ends the stream, and with it the
  // subscription (the hub monitors this actor).
  out->on_close([addr = self->address()] {
    caf::anon_send_exit(addr, caf::exit_reason::user_shutdown);
  });
  self->request(hub, watch_timeout, atom::watch_v, std::move(filter),
                caf::actor_cast<event_listener_actor>(self))
    .then(
      [=](uint64_t) {
        // Tells the client that every later event reaches it.
        write_or_quit(self, sse_comment("subscribed"));
      },
      [=](caf::error&) {
        self->state.out->finish();
        self->quit();
      });
  self->delayed_send(self, beat, caf::tick_atom_v);
  return {
    [=](atom::event, task_event& ev) { write_or_quit(self, sse_frame(ev)); },
    [=](caf::tick_atom) {
      write_or_quit(self, sse_comment("ping"));
      self->delayed_send(self, self->state.heartbeat, caf::tick_atom_v);
    },
  };
}

/// Every `tid` of the raw query (the parsed one keeps only the last of a
/// repeated name), also comma-separated; false when one is not a task id.
bool parse_tids(const request& req, std::vector<task_seq>& out,
                std::string& bad) {
  auto q = req.target.find('?');
  if (q == std::string::npos)
    return true;
  auto query = req.target.substr(q + 1);
  size_t pos = 0;
  while (pos <= query.size()) {
    auto amp = query.find('&', pos);
    auto part = query.substr(pos, amp == std::string::npos ? std::string::npos
                                                          : amp - pos);
    pos = amp == std::string::npos ? query.size() + 1 : amp + 1;
    auto eq = part.find('=');
    if (url_decode(part.substr(0, eq), true) != "tid")
      continue;
    auto value = eq == std::string::npos
                   ? std::string{}
                   : url_decode(part.substr(eq + 1), true);
    size_t start = 0;
    while (start <= value.size()) {
      auto comma = value.find(',', start);
      auto one = value.substr(start, comma == std::string::npos
                                       ? std::string::npos
                                       : comma - start);
      start = comma == std::string::npos ? value.size() + 1 : comma + 1;
      auto seq = parse_tid(one);
      if (!seq) {
        bad = one;
        return false;
      }
      out.push_back(*seq);
    }
  }
  return true;
}

/// The resume point: `Last-Event-ID`, else `?last_event_id=`; false when
/// it is not a decimal number.
bool parse_resume(const request& req, event_filter& f) {
  auto& header = req.header("last-event-id");
  const std::string* text = &header;
  if (header.empty()) {
    if (!req.has_arg("last_event_id"))
      return true;
    text = &req.arg("last_event_id");
  }
  auto& s = *text;
  if (s.empty() || s.size() > 19
      || s.find_first_not_of("0123456789") != std::string::npos)
    return false;
  f.resume = true;
  f.after = std::stoull(s);
  return true;
}

face events_face(svc_ptr svc) {
  face f;
  f.name = "events";
  f.prefixes = {"/events"};
  f.error = [](const request&, unsigned status, const std::string& msg) {
    return json_error(status, msg);
  };
  f.authenticate = [svc](const request& req) {
    auth_outcome out;
    if (auto user = authenticate(*svc, req)) {
      out.user = std::make_shared<const user_record>(std::move(*user));
      return out;
    }
    out.anonymous = api_key_of(req).empty();
    out.refusal = json_error(401, "missing or invalid api key");
    return out;
  };
  return f;
}

} // namespace

void mount_events(router& r, svc_ptr svc) {
  auto m = r.mount(events_face(svc));
  m.add("GET", "/events", access::required,
        [svc](const caller_ptr& caller, request& req, responder respond) {
          event_filter filter;
          filter.user = caller->id;
          std::string bad;
          if (!parse_tids(req, filter.tids, bad))
            return respond(json_error(400, "not a task id: " + bad));
          if (filter.tids.size() > max_tids)
            return respond(json_error(
              400, "at most " + std::to_string(max_tids) + " tids"));
          if (!parse_resume(req, filter))
            return respond(
              json_error(400, "Last-Event-ID must be a decimal event id"));
          reply r;
          r.content_type = "text/event-stream";
          r.headers.emplace_back("Cache-Control", "no-cache");
          // Nginx would otherwise buffer the stream.
          r.headers.emplace_back("X-Accel-Buffering", "no");
          auto beat = std::chrono::milliseconds{
            std::max<uint32_t>(svc->cfg->event_heartbeat_ms, 10)};
          r.stream = [svc, filter, beat](std::shared_ptr<stream_channel> out) {
            svc->sys->spawn<caf::hidden>(event_stream, std::move(out),
                                         svc->events, filter, beat);
          };
          respond(std::move(r));
        });
}

} // namespace skyhaul::http
