#pragma once

// Turns an HTTP call into a typed actor request without blocking an asio
// thread or a CAF worker: a short-lived actor makes the request and hands
// the answer to the face's callbacks, which render a reply and give it to
// the connection's responder (the responder posts it to the strand).

#include <chrono>
#include <tuple>
#include <utility>

#include <caf/actor_system.hpp>
#include <caf/event_based_actor.hpp>

namespace skyhaul::http {

/// Sends `xs...` to `dest`; `on_ok` gets the result, `on_err` a
/// `caf::error` (a dead `dest` or `bridge_timeout` included). Exactly one
/// of them runs, on a CAF worker. The client gets its 500 from the server
/// after `settings::request_timeout_ms` already; this backstop only ends
/// the bridge actor of an answer that never comes. One line per call:
/// `ask(sys, sched, ok_fn, err_fn, atom::pause_v, uid, seq);`
/// How long a bridge actor waits for its answer at most.
constexpr auto bridge_timeout = std::chrono::seconds(60);

template <class Handle, class OnOk, class OnErr, class... Ts>
void ask(caf::actor_system& sys, const Handle& dest, OnOk on_ok,
         OnErr on_err, Ts... xs) {
  // The actor has no behaviour of its own: it quits once the response
  // handler ran, so each call costs one spawn and no cleanup. Hidden: an
  // answer that never comes (the client already got its 500) must not hold
  // up the actor system's shutdown.
  // `dest` goes in as a spawn argument: CAF 0.17 binds an argument-less
  // spawn's tuple through a null pointer, which UBSan reports.
  // The arguments are moved into the actor and on into the message: a
  // task spec is not copied on its way.
  sys.spawn<caf::hidden>(
    [on_ok = std::move(on_ok), on_err = std::move(on_err),
     args = std::make_tuple(std::move(xs)...)](caf::event_based_actor* self,
                                               const Handle& to) mutable {
      std::apply(
        [&](auto&... ys) {
          self->request(to, bridge_timeout, std::move(ys)...)
            .then(std::move(on_ok), std::move(on_err));
        },
        args);
    },
    dest);
}

} // namespace skyhaul::http
