#define BOOST_TEST_MODULE offcloud_units
#include <boost/test/unit_test.hpp>

// The Offcloud face's plain parts: how parameters are read in every
// spelling clients use, the login limiter, and stored sessions.

#include <cstdlib>
#include <filesystem>

#include "http/offcloud/fields.hpp"
#include "http/offcloud/login_limiter.hpp"
#include "storage/login_table.hpp"
#include "storage/rules/logins.hpp"
#include "storage/rules/sessions.hpp"
#include "storage/session_table.hpp"

using namespace skyhaul;
using namespace skyhaul::http;
using namespace skyhaul::http::offcloud;

namespace {

request form_request(const std::string& body,
                     const std::string& type
                     = "application/x-www-form-urlencoded") {
  request r;
  r.method = "POST";
  r.body = body;
  if (!type.empty())
    r.headers["content-type"] = type;
  return r;
}

std::vector<std::string> hashes_of(const request& r) {
  std::string why;
  auto f = read_fields(r, why);
  BOOST_REQUIRE_MESSAGE(f, why);
  return f->all("hashes");
}

} // namespace

BOOST_AUTO_TEST_CASE(arrays_in_every_spelling) {
  std::vector<std::string> want{"a", "b"};
  BOOST_CHECK(hashes_of(form_request("hashes%5B0%5D=a&hashes%5B1%5D=b"))
              == want);
  BOOST_CHECK(hashes_of(form_request("hashes[0]=a&hashes[1]=b")) == want);
  BOOST_CHECK(hashes_of(form_request("hashes=a&hashes=b")) == want);
  BOOST_CHECK(hashes_of(form_request("hashes%5B%5D=a&hashes[]=b")) == want);
  BOOST_CHECK(hashes_of(form_request(R"({"hashes":["a","b"]})",
                                     "application/json"))
              == want);
  // JSON without a type, as some clients send it.
  BOOST_CHECK(hashes_of(form_request(R"( {"hashes":["a","b"]})", "")) == want);
  // A name with letters in its brackets is a name of its own.
  std::string why;
  auto f = read_fields(form_request("a[x]=1"), why);
  BOOST_REQUIRE(f);
  BOOST_CHECK_EQUAL(f->get("a[x]"), "1");
  BOOST_CHECK(!f->has("a"));
}

BOOST_AUTO_TEST_CASE(body_first_then_query_and_limits) {
  auto r = form_request("url=http%3A%2F%2Fx%2Fa+b&key=k1");
  r.query = {{"key", "k2"}, {"proxyId", "p"}};
  std::string why;
  auto f = read_fields(r, why);
  BOOST_REQUIRE(f);
  BOOST_CHECK_EQUAL(f->get("url"), "http://x/a b");
  BOOST_CHECK_EQUAL(f->get("key"), "k1");
  BOOST_CHECK_EQUAL(f->get("proxyId"), "p");
  std::string many;
  for (size_t i = 0; i <= max_field_values; ++i)
    many += "h=" + std::to_string(i) + "&";
  BOOST_CHECK(!read_fields(form_request(many), why));
  BOOST_CHECK(!read_fields(form_request("{\"a\":", "application/json"), why));
  BOOST_CHECK(
      !read_fields(form_request(std::string(max_field_name + 1, 'n') + "=1"),
                   why));
}

BOOST_AUTO_TEST_CASE(limiter_counts_per_account_and_address) {
  char tmpl[] = "/tmp/skyhaul-logins-XXXXXX";
  std::string dir = ::mkdtemp(tmpl);
  {
    storage::lmdb_env db{dir, uint64_t{64} << 20};
    login_limiter lim{3, 60};
    auto count = [&](const login_failure& f) {
      auto w = db.write();
      storage::rules::count_login(w, f);
      w.commit();
    };
    int64_t t0 = 1000000;
    for (int i = 0; i < 3; ++i) {
      BOOST_CHECK_EQUAL(lim.blocked_for(db.read(), "a@x", "1.1.1.1", t0), 0u);
      count(lim.failed("a@x", "1.1.1.1", t0));
    }
    auto r = db.read();
    BOOST_CHECK_EQUAL(lim.blocked_for(r, "a@x", "2.2.2.2", t0), 60u);
    BOOST_CHECK_GT(lim.blocked_for(r, "b@x", "1.1.1.1", t0), 0u);
    BOOST_CHECK_EQUAL(lim.blocked_for(r, "b@x", "2.2.2.2", t0), 0u);
    // The window moves on.
    BOOST_CHECK_EQUAL(lim.blocked_for(r, "a@x", "1.1.1.1", t0 + 60001), 0u);
    // A good password forgets the account's failures, not the address's.
    count(lim.succeeded("a@x", t0));
    BOOST_CHECK_EQUAL(lim.blocked_for(db.read(), "a@x", "2.2.2.2", t0), 0u);
    BOOST_CHECK_GT(lim.blocked_for(db.read(), "b@x", "1.1.1.1", t0), 0u);
    // Expired rows are swept by later writes; live ones stay.
    count(lim.failed("c@x", "3.3.3.3", t0 + 120000));
    BOOST_CHECK(!storage::get_login_failures(db.read(), "a:1.1.1.1"));
    BOOST_CHECK(storage::get_login_failures(db.read(), "u:c@x"));
    login_limiter off{0, 60};
    BOOST_CHECK(off.failed("a@x", "1.1.1.1", t0).keys.empty());
    BOOST_CHECK_EQUAL(off.blocked_for(db.read(), "c@x", "3.3.3.3", t0), 0u);
  }
  std::filesystem::remove_all(dir);
}

BOOST_AUTO_TEST_CASE(sessions_expire_and_are_revoked) {
  char tmpl[] = "/tmp/skyhaul-sessions-XXXXXX";
  std::string dir = ::mkdtemp(tmpl);
  {
    storage::lmdb_env db{dir, uint64_t{64} << 20};
    std::string token(64, 'a');
    std::string old(64, 'b');
    auto key = storage::session_key(token);
    {
      auto t = db.write();
      storage::rules::open_session(t, storage::session_key(old),
                                   {7, 0, 1000}, 0);
      storage::rules::open_session(t, key, {42, 0, 5000}, 2000);
      t.commit();
    }
    auto t = db.read();
    BOOST_CHECK_EQUAL(*storage::live_session(t, token, 4000), 42u);
    BOOST_CHECK(!storage::live_session(t, token, 5000));
    BOOST_CHECK(!storage::live_session(t, "short", 0));
    // The second login swept the first, expired session.
    BOOST_CHECK(!storage::get_session(t, storage::session_key(old)));
    {
      auto w = db.write();
      storage::rules::close_session(w, key);
      storage::rules::close_session(w, key);
      w.commit();
    }
    auto r = db.read();
    BOOST_CHECK(!storage::live_session(r, token, 0));
  }
  std::filesystem::remove_all(dir);
}
