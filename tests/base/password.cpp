#include <boost/test/unit_test.hpp>

#include "base/password.hpp"

#include <string>

using namespace skyhaul;

BOOST_AUTO_TEST_CASE(passwords_verify_only_themselves) {
  auto h = hash_password("correct horse battery");
  BOOST_CHECK(h.rfind("$argon2id$", 0) == 0);
  BOOST_CHECK(h.find("correct horse") == std::string::npos);
  BOOST_CHECK(verify_password(h, "correct horse battery"));
  BOOST_CHECK(!verify_password(h, "correct horse batter"));
  BOOST_CHECK(!verify_password(h, ""));
  // A fresh salt each time: equal passwords do not give equal strings.
  BOOST_CHECK(hash_password("correct horse battery") != h);
}

BOOST_AUTO_TEST_CASE(no_stored_hash_never_verifies) {
  BOOST_CHECK(!verify_password("", ""));
  BOOST_CHECK(!verify_password("", "anything"));
  BOOST_CHECK(!verify_password("$argon2id$garbage", "anything"));
  BOOST_CHECK(!verify_password(std::string(4096, 'x'), "anything"));
  BOOST_CHECK_THROW(hash_password(std::string(max_password_length + 1, 'a')),
                    std::invalid_argument);
}
