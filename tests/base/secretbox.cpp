#define BOOST_TEST_MODULE secretbox
#include <boost/test/unit_test.hpp>

#include "base/secretbox.hpp"
#include "tests/support/scratch.hpp"

#include <filesystem>
#include <fstream>

using skyhaul::base::secretbox;
namespace fs = std::filesystem;

BOOST_AUTO_TEST_CASE(a_key_file_is_made_once_and_private) {
  skyhaul::test::scratch dir{"skyhaul-secretbox"};
  auto path = dir.dir + "/secret.key";
  auto box = secretbox::from_key_file(path);
  auto mode = fs::status(path).permissions();
  BOOST_CHECK((mode & (fs::perms::group_all | fs::perms::others_all))
              == fs::perms::none);
  BOOST_CHECK_EQUAL(fs::file_size(path), 32u);
  auto sealed = box.seal("hunter2");
  BOOST_CHECK(sealed.find("hunter2") == std::string::npos);
  // The same key comes back from the file; a fresh nonce every time.
  auto again = secretbox::from_key_file(path);
  BOOST_CHECK_EQUAL(*again.open(sealed), "hunter2");
  BOOST_CHECK_NE(box.seal("hunter2"), sealed);
  BOOST_CHECK_EQUAL(*box.open(box.seal("")), "");
}

BOOST_AUTO_TEST_CASE(altered_or_foreign_boxes_are_refused) {
  secretbox a{std::string(32, 'a')};
  secretbox b{std::string(32, 'b')};
  auto sealed = a.seal("secret");
  BOOST_CHECK(!b.open(sealed));
  auto altered = sealed;
  altered[altered.size() / 2] = altered[altered.size() / 2] == 'A' ? 'B' : 'A';
  BOOST_CHECK(!a.open(altered));
  BOOST_CHECK(!a.open("not base64 at all"));
  BOOST_CHECK(!a.open(""));
  BOOST_CHECK_THROW(secretbox{"short"}, std::invalid_argument);
}

BOOST_AUTO_TEST_CASE(a_key_file_of_the_wrong_size_stops_the_start) {
  skyhaul::test::scratch dir{"skyhaul-secretbox"};
  auto path = dir.dir + "/secret.key";
  std::ofstream{path} << "too short";
  BOOST_CHECK_THROW(secretbox::from_key_file(path), std::runtime_error);
}
