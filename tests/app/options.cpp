#define BOOST_TEST_MODULE options
#include <boost/test/unit_test.hpp>

#include <cstdlib>
#include <fstream>

#include "app/options.hpp"

using namespace skyhaul;

BOOST_AUTO_TEST_CASE(defaults_match_the_interface_contract) {
  command cmd;
  auto s = load_settings({}, cmd);
  BOOST_CHECK(cmd.what == command::serve);
  BOOST_CHECK_EQUAL(s.data_dir, "./var");
  BOOST_CHECK_EQUAL(s.api, "127.0.0.1:7700");
  BOOST_CHECK_EQUAL(s.offline, "127.0.0.1:7701");
  BOOST_CHECK_EQUAL(s.s3, "127.0.0.1:7702");
  BOOST_CHECK(!s.allow_private_networks);
  BOOST_CHECK_EQUAL(s.max_active, 8u);
}

BOOST_AUTO_TEST_CASE(layers_apply_in_order) {
  auto path = std::string{"/tmp/skyhaul-options-test.json"};
  std::ofstream{path} << R"({"max_active": 3, "data-dir": "/from/file",
                            "max-tries": 9})";
  ::setenv("SKYHAUL_MAX_TRIES", "4", 1);
  command cmd;
  auto s = load_settings({"--config", path, "--data-dir", "/from/cli",
                          "--allow-private-networks", "--api=0.0.0.0:1"},
                         cmd);
  ::unsetenv("SKYHAUL_MAX_TRIES");
  BOOST_CHECK_EQUAL(s.max_active, 3u);       // file
  BOOST_CHECK_EQUAL(s.max_tries, 4u);        // env beats file
  BOOST_CHECK_EQUAL(s.data_dir, "/from/cli"); // cli beats file
  BOOST_CHECK_EQUAL(s.api, "0.0.0.0:1");
  BOOST_CHECK(s.allow_private_networks);
  std::remove(path.c_str());
}

BOOST_AUTO_TEST_CASE(user_add_is_parsed) {
  command cmd;
  auto s = load_settings({"user", "add", "alice", "--admin", "--level", "3",
                          "--data-dir", "d"},
                         cmd);
  BOOST_CHECK(cmd.what == command::user_add);
  BOOST_CHECK_EQUAL(cmd.name, "alice");
  BOOST_CHECK(cmd.admin);
  BOOST_CHECK_EQUAL(cmd.level, 3u);
  BOOST_CHECK_EQUAL(s.data_dir, "d");
}

BOOST_AUTO_TEST_CASE(bad_input_is_refused_with_a_message) {
  command cmd;
  BOOST_CHECK_THROW(load_settings({"--no-such-option", "1"}, cmd),
                    std::invalid_argument);
  BOOST_CHECK_THROW(load_settings({"--max-active", "-1"}, cmd),
                    std::invalid_argument);
  BOOST_CHECK_THROW(load_settings({"--max-active", "lots"}, cmd),
                    std::invalid_argument);
  BOOST_CHECK_THROW(load_settings({"--data-dir"}, cmd), std::invalid_argument);
  BOOST_CHECK_THROW(load_settings({"frobnicate"}, cmd), std::invalid_argument);
  BOOST_CHECK_THROW(load_settings({"--config", "/nonexistent.json"}, cmd),
                    std::invalid_argument);
}
