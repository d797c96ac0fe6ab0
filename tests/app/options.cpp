#define BOOST_TEST_MODULE options
#include "app/options.hpp"

#include <boost/test/unit_test.hpp>
#include <cstdlib>
#include <fstream>

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
  BOOST_CHECK_EQUAL(s.max_active, 3u);        // file
  BOOST_CHECK_EQUAL(s.max_tries, 4u);         // env beats file
  BOOST_CHECK_EQUAL(s.data_dir, "/from/cli"); // cli beats file
  BOOST_CHECK_EQUAL(s.api, "0.0.0.0:1");
  BOOST_CHECK(s.allow_private_networks);
  std::remove(path.c_str());
}

BOOST_AUTO_TEST_CASE(user_add_is_parsed) {
  command cmd;
  auto s = load_settings(
      {"user", "add", "alice", "--admin", "--level", "3", "--data-dir", "d"},
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

BOOST_AUTO_TEST_CASE(the_offline_cancel_permission_is_a_user_add_flag) {
  command cmd;
  load_settings({"user", "add", "ops", "--may-cancel-offline"}, cmd);
  BOOST_CHECK(cmd.may_cancel_offline);
  BOOST_CHECK(!cmd.admin);
  command plain;
  load_settings({"user", "add", "bob"}, plain);
  BOOST_CHECK(!plain.may_cancel_offline);
}

BOOST_AUTO_TEST_CASE(idcs_come_from_the_config_file) {
  auto path = std::string{"/tmp/skyhaul-idcs-test.json"};
  std::ofstream{path} << R"({"idcs": [
    {"name": "idc1", "endpoint": "http://127.0.0.1:9000/", "region": "eu-1",
     "access_key": "AK", "secret_key": "SK", "bucket": "mirror",
     "bucket_map": {"photos": "photos-copy"}, "part_size": 5242880,
     "multipart_threshold": 1}]})";
  command cmd;
  auto s = load_settings({"--config", path}, cmd);
  BOOST_REQUIRE_EQUAL(s.idcs.size(), 1u);
  auto& idc = s.idcs[0];
  BOOST_CHECK_EQUAL(idc.name, "idc1");
  BOOST_CHECK_EQUAL(idc.endpoint, "http://127.0.0.1:9000");
  BOOST_CHECK_EQUAL(idc.region, "eu-1");
  BOOST_CHECK_EQUAL(idc.remote_bucket("photos"), "photos-copy");
  BOOST_CHECK_EQUAL(idc.remote_bucket("other"), "mirror");
  // The threshold is never below one part.
  BOOST_CHECK_EQUAL(idc.multipart_threshold, 5242880u);
  for (auto bad : {R"({"idcs": {}})", R"({"idcs": [{"name": "a"}]})",
                   R"({"idcs": [{"name": "a,b", "endpoint": "http://h",
                       "access_key": "A", "secret_key": "S"}]})",
                   R"({"idcs": [{"name": "a", "endpoint": "ftp://h",
                       "access_key": "A", "secret_key": "S"}]})",
                   R"({"idcs": [{"name": "a", "endpoint": "http://h",
                       "access_key": "A", "secret_key": "S",
                       "part_size": 1024}]})",
                   R"({"idcs": [{"name": "a", "endpoint": "http://h",
                       "access_key": "A", "secret_key": "S", "colour": 1}]})"}) {
    std::ofstream{path} << bad;
    BOOST_CHECK_THROW(load_settings({"--config", path}, cmd),
                      std::invalid_argument);
  }
  std::remove(path.c_str());
}

BOOST_AUTO_TEST_CASE(bittorrent_options) {
  command cmd;
  auto d = load_settings({}, cmd);
  BOOST_CHECK(d.bt_dht && d.bt_lsd && d.bt_port_mapping);
  BOOST_CHECK_EQUAL(d.bt_seed, "stop");
  auto path = std::string{"/tmp/skyhaul-options-bt.json"};
  std::ofstream{path} << R"({"bt_seed_ratio": 2.5, "bt-dht": false})";
  auto s = load_settings({"--config", path, "--bt-seed", "ratio",
                          "--bt-encryption=forced", "--bt-lsd=false",
                          "--bt-listen", "127.0.0.1:0"},
                         cmd);
  std::remove(path.c_str());
  BOOST_CHECK_EQUAL(s.bt_seed, "ratio");
  BOOST_CHECK_EQUAL(s.bt_seed_ratio, 2.5);
  BOOST_CHECK(!s.bt_dht);
  BOOST_CHECK(!s.bt_lsd);
  BOOST_CHECK_EQUAL(s.bt_encryption, "forced");
  BOOST_CHECK_EQUAL(s.bt_listen, "127.0.0.1:0");
  BOOST_CHECK_THROW(load_settings({"--bt-seed", "forever"}, cmd),
                    std::invalid_argument);
  BOOST_CHECK_THROW(load_settings({"--bt-encryption", "maybe"}, cmd),
                    std::invalid_argument);
  BOOST_CHECK_THROW(load_settings({"--bt-seed-ratio", "-1"}, cmd),
                    std::invalid_argument);
}

BOOST_AUTO_TEST_CASE(runtime_tuning_options) {
  command cmd;
  auto d = load_settings({}, cmd);
  BOOST_CHECK_EQUAL(d.actor_threads, 0u);
  BOOST_CHECK_EQUAL(d.actor_policy, "sharing");
  BOOST_CHECK_EQUAL(d.request_timeout_ms, 10000u);
  BOOST_CHECK_EQUAL(d.idle_timeout_ms, 30000u);
  auto s = load_settings({"--actor-threads", "3", "--actor-policy",
                          "stealing", "--request-timeout-ms", "2500",
                          "--idle-timeout-ms", "700"},
                         cmd);
  BOOST_CHECK_EQUAL(s.actor_threads, 3u);
  BOOST_CHECK_EQUAL(s.actor_policy, "stealing");
  BOOST_CHECK_EQUAL(s.request_timeout_ms, 2500u);
  BOOST_CHECK_EQUAL(s.idle_timeout_ms, 700u);
  BOOST_CHECK_THROW(load_settings({"--actor-policy", "round-robin"}, cmd),
                    std::invalid_argument);
  BOOST_CHECK_THROW(load_settings({"--request-timeout-ms", "soon"}, cmd),
                    std::invalid_argument);
}

BOOST_AUTO_TEST_CASE(allow_network_is_repeatable_and_checked) {
  command cmd;
  auto none = load_settings({}, cmd);
  BOOST_CHECK(none.allow_networks.empty());
  auto s = load_settings({"--allow-network", "127.0.0.0/8",
                          "--allow-network=fd00::/8", "--allow-network",
                          "10.1.0.0/16, 192.168.7.7"},
                         cmd);
  std::vector<std::string> want = {"127.0.0.0/8", "fd00::/8", "10.1.0.0/16",
                                   "192.168.7.7/32"};
  BOOST_CHECK_EQUAL_COLLECTIONS(s.allow_networks.begin(),
                                s.allow_networks.end(), want.begin(),
                                want.end());
  // It does not touch the switch that lets everything through.
  BOOST_CHECK(!s.allow_private_networks);
  for (auto* bad : {"10.0.0.1/8", "10.0.0.0/33", "private", "", "fd00::/200"}) {
    try {
      load_settings({"--allow-network", bad}, cmd);
      BOOST_ERROR("accepted " << bad);
    } catch (const std::invalid_argument& e) {
      BOOST_CHECK_MESSAGE(std::string{e.what()}.find("--allow-network")
                              != std::string::npos,
                          e.what());
    }
  }
}

BOOST_AUTO_TEST_CASE(allow_network_comes_from_file_and_environment) {
  auto path = std::string{"/tmp/skyhaul-allow-network-test.json"};
  std::ofstream{path} << R"({"allow_network": ["10.0.0.0/8", "::1"]})";
  ::setenv("SKYHAUL_ALLOW_NETWORK", "172.16.0.0/12", 1);
  command cmd;
  auto s = load_settings({"--config", path, "--allow-network", "127.0.0.0/8"},
                         cmd);
  ::unsetenv("SKYHAUL_ALLOW_NETWORK");
  std::remove(path.c_str());
  std::vector<std::string> want = {"10.0.0.0/8", "::1/128", "172.16.0.0/12",
                                   "127.0.0.0/8"};
  BOOST_CHECK_EQUAL_COLLECTIONS(s.allow_networks.begin(),
                                s.allow_networks.end(), want.begin(),
                                want.end());
}

BOOST_AUTO_TEST_CASE(replica_retry_delays_are_options) {
  command cmd;
  auto d = load_settings({}, cmd);
  BOOST_CHECK_EQUAL(d.replica_retry_base_ms, 2000u);
  BOOST_CHECK_EQUAL(d.replica_retry_max_ms, 600000u);
  auto s = load_settings({"--replica-retry-base-ms", "500",
                          "--replica-retry-max-ms", "90000"},
                         cmd);
  BOOST_CHECK_EQUAL(s.replica_retry_base_ms, 500u);
  BOOST_CHECK_EQUAL(s.replica_retry_max_ms, 90000u);
  BOOST_CHECK_THROW(load_settings({"--replica-retry-base-ms", "soon"}, cmd),
                    std::invalid_argument);
}
