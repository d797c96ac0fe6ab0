#include "app/publish.hpp"

#include "actors/runtime.hpp"
#include "app/remote_api.hpp"

#include <caf/all.hpp>
#include <caf/io/all.hpp>
#include <caf/openssl/all.hpp>
#include <memory>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <stdexcept>

namespace skyhaul {

namespace {

std::string ssl_error() {
  std::string out;
  while (auto err = ERR_get_error()) {
    char buf[256];
    ERR_error_string_n(err, buf, sizeof(buf));
    out += out.empty() ? "" : "; ";
    out += buf;
  }
  return out;
}

/// Loads the files into a context as CAF's sessions will, so that a bad
/// file stops the start with its name rather than every connection later.
void check_tls_files(const settings& s) {
  std::unique_ptr<SSL_CTX, decltype(&SSL_CTX_free)> ctx{
    SSL_CTX_new(TLS_method()), SSL_CTX_free};
  if (!ctx)
    throw std::runtime_error("cannot create a TLS context: " + ssl_error());
  auto fail = [](const std::string& what) {
    return std::runtime_error(what + ": " + ssl_error());
  };
  if (SSL_CTX_use_certificate_chain_file(ctx.get(), s.publish_cert.c_str())
      != 1)
    throw fail("--publish-cert " + s.publish_cert
               + " is not a readable PEM certificate");
  if (SSL_CTX_use_PrivateKey_file(ctx.get(), s.publish_key.c_str(),
                                  SSL_FILETYPE_PEM)
      != 1)
    throw fail("--publish-key " + s.publish_key
               + " is not a readable PEM private key (it must not need a "
                 "passphrase)");
  if (SSL_CTX_check_private_key(ctx.get()) != 1)
    throw fail("--publish-key " + s.publish_key + " does not match "
               + s.publish_cert);
  if (SSL_CTX_load_verify_locations(ctx.get(), s.publish_ca.c_str(), nullptr)
      != 1)
    throw fail("--publish-ca " + s.publish_ca
               + " is not a readable PEM CA certificate");
}

} // namespace

void configure_publishing(caf::actor_system_config& cfg, const settings& s) {
  check_tls_files(s);
  cfg.load<caf::io::middleman>();
  cfg.load<caf::openssl::manager>();
  // With any of these set, CAF's sessions require a certificate chaining
  // to the CA on both sides (SSL_VERIFY_FAIL_IF_NO_PEER_CERT); without,
  // they would use an anonymous cipher, which check_publish_options rules
  // out.
  cfg.openssl_certificate = s.publish_cert;
  cfg.openssl_key = s.publish_key;
  cfg.openssl_cafile = s.publish_ca;
}

publisher::publisher(caf::actor_system& sys, runtime& rt,
                     const publish_address& where)
    : sys_(sys), where_(where) {
  if (!sys_.has_openssl_manager()
      || !sys_.openssl_manager().authentication_enabled())
    throw std::runtime_error("publishing needs TLS with client certificates "
                             "(configure_publishing)");
  remote_api_deps deps;
  deps.cfg = &rt.cfg();
  deps.db = &rt.db();
  deps.scheduler = rt.scheduler();
  deps.events = rt.events();
  api_ = spawn_remote_api(sys_, std::move(deps));
  auto port = caf::openssl::publish(api_, where_.port, where_.host.c_str());
  if (!port) {
    caf::anon_send_exit(api_, caf::exit_reason::kill);
    throw std::runtime_error("cannot publish at " + where_.host + ":"
                             + std::to_string(where_.port) + ": "
                             + sys_.render(port.error()));
  }
  port_ = *port;
}

publisher::~publisher() {
  stop();
}

std::string publisher::bound() const {
  auto host = where_.host.find(':') != std::string::npos
                ? "[" + where_.host + "]"
                : where_.host;
  return host + ":" + std::to_string(port_);
}

void publisher::stop() {
  if (!api_)
    return;
  // No new connections, then no calls; the relays go with the interface.
  // (caf/openssl/unpublish.hpp of 0.17.6 does not compile: it leaves out
  // the address that the manager's interface takes.)
  caf::scoped_actor self{sys_};
  self
    ->request(sys_.openssl_manager().actor_handle(), std::chrono::seconds(10),
              caf::unpublish_atom_v, api_.address(), port_)
    .receive([] {}, [](caf::error&) {});
  self->send_exit(api_, caf::exit_reason::kill);
  self->wait_for(api_);
  api_ = nullptr;
}

} // namespace skyhaul
