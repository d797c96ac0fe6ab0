#pragma once

#include "protocol/actors.hpp"
#include "protocol/settings.hpp"

#include <caf/fwd.hpp>
#include <memory>

namespace skyhaul::storage {
class lmdb_env;
} // namespace skyhaul::storage

namespace skyhaul {

class curl_loop;

/// Spawns the callback actor; its deliveries are jobs on `loop` (those in
/// flight are dropped when the actor exits; their events stay owed). It
/// loads the owed events from the outbox at once; the store wakes it for
/// every event owed later. The pointees must outlive it.
callback_actor spawn_callback(caf::actor_system& sys, const settings* cfg,
                              storage::lmdb_env* db, store_actor store,
                              std::shared_ptr<curl_loop> loop);

/// The request header that signs a delivery:
/// `t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>" keyed with the
/// owner's callback_secret>`.
std::string callback_signature(const std::string& secret, int64_t unix_s,
                               const std::string& body);

/// Delay before the attempt after `tries` failed ones: `base * 2^(tries-1)`,
/// at most `max`, plus up to 25% jitter.
caf::timespan callback_retry_delay(const settings& cfg, uint32_t tries);

} // namespace skyhaul
