#define BOOST_TEST_MODULE user_commands
#include <boost/test/unit_test.hpp>

// `skyhauld user add|passwd|credential` as an operator runs them, checked
// against what they leave in the database.

#include "base/password.hpp"
#include "storage/lmdb_env.hpp"
#include "storage/user_table.hpp"
#include "tests/support/daemon.hpp"

using namespace skyhaul;

namespace {

std::optional<user_record> stored(const test::server_process& srv,
                                  const std::string& name) {
  storage::lmdb_env db{srv.data_dir() + "/db", uint64_t{1} << 30};
  auto t = db.read();
  return storage::find_user_by_name(t, name);
}

} // namespace

BOOST_AUTO_TEST_CASE(add_sets_email_password_plan_and_prints_credentials) {
  test::server_process srv;
  auto u = srv.add_user("erin", "--email Erin@Example.org --plan basic "
                                "--level 3 --password-stdin",
                        "s3cret-pass\n");
  BOOST_CHECK_EQUAL(u.name, "erin");
  BOOST_CHECK_EQUAL(u.email, "erin@example.org");
  BOOST_CHECK_EQUAL(u.passkey.size(), 32u);
  BOOST_CHECK_EQUAL(u.credential.size(), 40u);
  auto rec = stored(srv, "erin");
  BOOST_REQUIRE(rec);
  BOOST_CHECK_EQUAL(rec->plan, "basic");
  BOOST_CHECK_EQUAL(rec->level, 3u);
  BOOST_CHECK(verify_password(rec->password_hash, "s3cret-pass"));
  BOOST_CHECK(storage::credential_matches(*rec, u.credential));
  BOOST_CHECK_EQUAL(rec->passkey, u.passkey);
}

BOOST_AUTO_TEST_CASE(passwd_replaces_the_password) {
  test::server_process srv;
  srv.add_user("finn", "--email finn@example.org --password-stdin",
               "first-password\n");
  auto out = srv.user_command("passwd finn --password-stdin",
                              "second-password\n");
  BOOST_CHECK_MESSAGE(out.find("\"finn\"") != std::string::npos, out);
  auto rec = stored(srv, "finn");
  BOOST_REQUIRE(rec);
  BOOST_CHECK(verify_password(rec->password_hash, "second-password"));
  BOOST_CHECK(!verify_password(rec->password_hash, "first-password"));
}

BOOST_AUTO_TEST_CASE(credential_rotates_credential_and_passkey) {
  test::server_process srv;
  auto u = srv.add_user("gail");
  auto out = srv.user_command("credential gail");
  auto credential = test::json_field(out, "credential");
  auto passkey = test::json_field(out, "passkey");
  BOOST_CHECK_EQUAL(credential.size(), 40u);
  BOOST_CHECK(credential != u.credential);
  BOOST_CHECK(passkey != u.passkey);
  auto rec = stored(srv, "gail");
  BOOST_REQUIRE(rec);
  BOOST_CHECK(storage::credential_matches(*rec, credential));
  BOOST_CHECK(!storage::credential_matches(*rec, u.credential));
  BOOST_CHECK_EQUAL(rec->passkey, passkey);
}

BOOST_AUTO_TEST_CASE(bad_input_is_refused_and_changes_nothing) {
  test::server_process srv;
  // Too short a password, a malformed address, a taken address.
  auto u = srv.add_user("hank", "--email hank@x --password-stdin", "short\n");
  BOOST_CHECK(u.name.empty());
  BOOST_CHECK(!stored(srv, "hank"));
  u = srv.add_user("hank", "--email not-an-address");
  BOOST_CHECK(u.name.empty());
  srv.add_user("ivy", "--email ivy@example.org");
  u = srv.add_user("jay", "--email IVY@example.org");
  BOOST_CHECK(u.name.empty());
  BOOST_CHECK(!stored(srv, "jay"));
  auto out = srv.user_command("passwd nobody --password-stdin",
                              "long-enough-pw\n");
  BOOST_CHECK(out.empty());
  // No password set: a user without one cannot log in with any.
  auto rec = stored(srv, "ivy");
  BOOST_REQUIRE(rec);
  BOOST_CHECK(rec->password_hash.empty());
  BOOST_CHECK(!verify_password(rec->password_hash, ""));
}
