// Logging in and out, the api key of a session, and what an account may do.

#include "http/offcloud/routes.hpp"

#include "base/crypto.hpp"
#include "base/password.hpp"
#include "http/bridge.hpp"
#include "http/offcloud/auth_chain.hpp"
#include "http/offcloud/fields.hpp"
#include "http/offcloud/forwarded.hpp"
#include "http/offcloud/login_limiter.hpp"
#include "storage/lmdb_env.hpp"
#include "storage/session_table.hpp"
#include "storage/user_table.hpp"

#include <atomic>
#include <caf/all.hpp>
#include <cctype>

namespace skyhaul::http::offcloud {

namespace {

/// Password checks running at once; past it a login answers 503 rather
/// than queue memory-hard work without bound.
constexpr int max_verifying = 8;
std::atomic<int> verifying{0};

/// Longest e-mail and password looked at.
constexpr size_t max_email = 254;
constexpr size_t max_password = 1024;

std::string lower(std::string s) {
  for (auto& c : s)
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

bool plausible_email(const std::string& e) {
  auto at = e.find('@');
  return !e.empty() && e.size() <= max_email && at != std::string::npos
         && at > 0 && at + 1 < e.size() && e.find('@', at + 1) == std::string::npos
         && e.find_first_of(" \t\r\n") == std::string::npos;
}

/// `Secure` only when the browser reached us over https (through a
/// trusted reverse proxy, http/offcloud/forwarded.hpp): the listener itself
/// speaks plain HTTP, and a browser drops a Secure cookie set over that.
std::string cookie_header(const std::string& token, uint32_t ttl_s,
                          bool secure) {
  return std::string{cookie_name} + "=" + token + "; Path=/; Max-Age="
         + std::to_string(ttl_s) + "; HttpOnly; SameSite=Lax"
         + (secure ? "; Secure" : "");
}

reply login_ok(const user_record& u, const std::string& token, uint32_t ttl,
               bool secure) {
  auto r = json_reply([&](json_writer& w) {
    w.StartObject();
    put(w, "email", u.email);
    put(w, "userId", user_key(u.id));
    w.EndObject();
  });
  r.headers.emplace_back("Set-Cookie", cookie_header(token, ttl, secure));
  return r;
}

/// Writes a login's bookkeeping, then answers: a failure is durable before
/// its 401 goes out, so the next try is judged with it counted.
void count_then(const svc_ptr& svc, login_failure f,
                std::function<void()> then) {
  if (f.keys.empty())
    return then();
  ask(
      *svc->sys, svc->store, [then](caf::ok_atom) { then(); },
      [then](caf::error&) { then(); }, atom::login_v, std::move(f));
}

void login(svc_ptr svc, std::shared_ptr<login_limiter> limiter,
           request& req, responder respond) {
  std::string why;
  auto f = read_fields(req, why);
  if (!f)
    return respond(offcloud_error(400, why));
  auto email = lower(f->get("username"));
  if (email.empty())
    email = lower(f->get("email"));
  auto password = f->get("password");
  if (!plausible_email(email))
    return respond(offcloud_error(400, "Please enter a valid email address."));
  if (password.empty() || password.size() > max_password)
    return respond(offcloud_error(400, "Please enter your password."));
  auto peer = client_address(*svc->cfg, req);
  auto secure = arrived_over_https(*svc->cfg, req);
  uint32_t wait = 0;
  {
    auto t = svc->db->read();
    wait = limiter->blocked_for(t, email, peer, now_ms());
  }
  if (wait) {
    auto r = offcloud_error(429, "Too many failed logins, try again later.");
    r.headers.emplace_back("Retry-After", std::to_string(wait));
    return respond(std::move(r));
  }
  std::optional<user_record> user;
  {
    auto t = svc->db->read();
    user = storage::find_user_by_email(t, email);
  }
  if (verifying.fetch_add(1) >= max_verifying) {
    verifying.fetch_sub(1);
    auto r = offcloud_error(503, "Too many logins at once, try again.");
    r.headers.emplace_back("Retry-After", "1");
    return respond(std::move(r));
  }
  // Argon2id takes its memory and time on purpose: off the listener's
  // thread, on a thread of its own.
  svc->sys->spawn<caf::detached>([=](caf::event_based_actor* self) {
    // Unknown users cost the same as known ones: no timing tells them
    // apart. The stored hash of nobody is a hash of nothing in particular.
    static const std::string nobody = hash_password(random_hex(16));
    bool ok = verify_password(user ? user->password_hash : nobody, password)
              && user && !user->password_hash.empty();
    verifying.fetch_sub(1);
    if (!ok) {
      count_then(svc, limiter->failed(email, peer, now_ms()), [respond] {
        respond(offcloud_error(401, "Invalid email or password."));
      });
      self->quit();
      return;
    }
    count_then(svc, limiter->succeeded(email, now_ms()), [] {});
    auto token = random_hex(32);
    auto ttl = svc->cfg->session_ttl_s;
    auto expires = now_ms() + int64_t{ttl} * 1000;
    auto u = *user;
    ask(
        *svc->sys, svc->store,
        [=](caf::ok_atom) { respond(login_ok(u, token, ttl, secure)); },
        [=](caf::error& err) { respond(actor_error(err)); }, atom::login_v,
        storage::session_key(token), u.id, expires);
    self->quit();
  });
}

void logout(svc_ptr svc, request& req, responder respond) {
  auto token = offered_session(req);
  auto secure = arrived_over_https(*svc->cfg, req);
  auto done = [respond, secure] {
    auto r = success_reply();
    r.headers.emplace_back("Set-Cookie", cookie_header("", 0, secure));
    respond(std::move(r));
  };
  if (token.empty() || token.size() > 256)
    return done();
  ask(
      *svc->sys, svc->store, [done](caf::ok_atom) { done(); },
      [respond](caf::error& err) { respond(actor_error(err)); },
      atom::logout_v, storage::session_key(token));
}

/// `dd-mm-yyyy`: accounts here do not expire, so a date far ahead.
constexpr const char* no_expiry = "31-12-2099";

void account_stats(const services& svc, const user_record& u,
                   responder respond) {
  auto& plan = plan_of(*svc.cfg, u);
  // Unlimited counts show as a large number: clients compare, not parse.
  constexpr uint64_t unlimited = 1000000;
  uint64_t links = plan.links_per_day == 0 ? unlimited : plan.links_per_day;
  uint64_t cloud = plan.storage_quota == 0 ? uint64_t{1} << 50
                                           : plan.storage_quota;
  respond(json_reply([&](json_writer& w) {
    w.StartObject();
    put(w, "userId", user_key(u.id));
    put(w, "email", u.email);
    w.Key("isPremium");
    w.Bool(plan.premium);
    put(w, "expirationDate", no_expiry);
    put(w, "plan", plan.name);
    w.Key("limits");
    w.StartObject();
    w.Key("links");
    w.Uint64(links);
    w.Key("premium");
    w.Uint64(plan.premium ? links : 0);
    w.Key("torrent");
    w.Uint64(plan.torrent ? links : 0);
    w.Key("streaming");
    w.Uint64(plan.instant ? links : 0);
    w.Key("cloud");
    w.Uint64(plan.cloud ? cloud : 0);
    w.Key("proxy");
    w.Uint64(plan.proxy ? links : 0);
    w.EndObject();
    w.EndObject();
  }));
}

} // namespace

void mount_account(router::mounted& m, svc_ptr svc,
                   std::shared_ptr<login_limiter> limiter) {
  m.add("POST", "/api/login", access::open,
        [svc, limiter](const caller_ptr&, request& req, responder respond) {
          login(svc, limiter, req, std::move(respond));
        });
  m.add("POST", "/api/logout", access::open,
        [svc](const caller_ptr&, request& req, responder respond) {
          logout(svc, req, std::move(respond));
        });
  auto check = [svc](const caller_ptr&, request& req, responder respond) {
    bool offered = false;
    auto user = caller_of(*svc, req, offered);
    respond(json_reply([&](json_writer& w) {
      w.StartObject();
      w.Key("loggedIn");
      w.Int(user ? 1 : 0);
      w.EndObject();
    }));
  };
  // Open: a caller who is not logged in gets `{"loggedIn":0}`, not 401.
  m.add("GET", "/api/check", access::open, check);
  m.add("POST", "/api/check", access::open, check);
  m.add("POST", "/api/key", access::required,
        authed([svc](const user_record& u, request&, responder respond) {
          respond(json_reply([&](json_writer& w) {
            w.StartObject();
            put(w, "email", u.email);
            put(w, "apiKey", face_key(*svc, u));
            w.EndObject();
          }));
        }));
  auto stats = authed([svc](const user_record& u, request&, responder rsp) {
    account_stats(*svc, u, std::move(rsp));
  });
  for (auto path : {"/api/account/stats", "/api/account/info"}) {
    m.add("GET", path, access::required, stats);
    m.add("POST", path, access::required, stats);
  }
}

} // namespace skyhaul::http::offcloud
