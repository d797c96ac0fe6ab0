#pragma once

// Turns an HTTP call into a typed actor request without blocking an asio
// thread or a CAF worker: a short-lived actor makes the request and hands
// the answer to the face's callbacks, which post the reply back to the
// connection (the responder does that).

#include <chrono>
#include <utility>

#include <caf/actor_system.hpp>
#include <caf/event_based_actor.hpp>

namespace skyhaul::http {

/// Default time an actor has to answer an HTTP call.
constexpr auto call_timeout = std::chrono::seconds(15);

/// Sends `xs...` to `dest`; `on_ok` gets the result, `on_err` a
/// `caf::error` (timeouts included).
template <class Handle, class OnOk, class OnErr, class... Ts>
void ask(caf::actor_system& sys, const Handle& dest, OnOk on_ok,
         OnErr on_err, Ts... xs) {
  sys.spawn([=](caf::event_based_actor* self) mutable {
    self->request(dest, call_timeout, xs...).then(on_ok, on_err);
  });
}

} // namespace skyhaul::http
