#pragma once

// `skyhauld --publish HOST:PORT`: the remote interface (app/remote_api)
// over caf::io with TLS and client certificates (caf::openssl), so another
// CAF process can drive Skyhaul over the network.

#include "app/publish_options.hpp"
#include "protocol/actors.hpp"

#include <caf/fwd.hpp>
#include <string>

namespace skyhaul {

class runtime;

/// Loads caf::io and caf::openssl into `cfg` with the server's certificate
/// and key and the CA that client certificates must chain to, once each
/// file has been loaded the way the TLS sessions will (CAF itself would
/// only fail at the first connection). Throws std::runtime_error naming
/// the file that does not load. Call before the actor_system is made.
void configure_publishing(caf::actor_system_config& cfg, const settings& s);

/// The published remote interface of one runtime.
class publisher {
public:
  /// Spawns the remote interface for `rt` and publishes it at `where`.
  /// Throws std::runtime_error when the port cannot be bound.
  publisher(caf::actor_system& sys, runtime& rt, const publish_address& where);
  ~publisher();

  publisher(const publisher&) = delete;
  publisher& operator=(const publisher&) = delete;

  /// `HOST:PORT` as bound (the port chosen when 0 was asked for).
  std::string bound() const;

  /// Stops taking calls and ends every remote subscription. Idempotent.
  void stop();

private:
  caf::actor_system& sys_;
  publish_address where_;
  uint16_t port_ = 0;
  remote_api_actor api_;
};

} // namespace skyhaul
