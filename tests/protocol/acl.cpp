// The x-amz-grant-* reader: what it keeps, and what it refuses.
#include <boost/test/unit_test.hpp>

#include "protocol/acl.hpp"

using namespace skyhaul;

namespace {

std::vector<acl_grant> read(const std::string& value, std::string* why = nullptr) {
  std::vector<acl_grant> out;
  auto err = parse_grantees(acl_permission::read, value, out);
  if (why != nullptr)
    *why = err.value_or("");
  return err ? std::vector<acl_grant>{} : out;
}

} // namespace

BOOST_AUTO_TEST_CASE(grantees_are_normalised) {
  auto g = read(R"(id="7", emailAddress=bob, carol ,"dave"," erin ",id=" 8")");
  BOOST_REQUIRE_EQUAL(g.size(), 6u);
  BOOST_CHECK_EQUAL(g[0].grantee, "id=7");
  BOOST_CHECK_EQUAL(g[1].grantee, "emailAddress=bob");
  BOOST_CHECK_EQUAL(g[2].grantee, "name=carol");
  BOOST_CHECK_EQUAL(g[3].grantee, "name=dave");
  BOOST_CHECK_EQUAL(g[4].grantee, "name=erin");
  BOOST_CHECK_EQUAL(g[5].grantee, "id=8");
}

// A value that still starts or ends with a quote once its quotes and blanks
// are gone names no one, and would not read back the same: refused, as the
// fuzz target found; so is one that is only blanks.
BOOST_AUTO_TEST_CASE(grantees_with_loose_ends_are_refused) {
  for (auto bad : {R"(" ")", R"(id=""7"")", R"(emailAddress=""bob")",
                   R"("""a""")", R"("")", "a,,b", R"(id=" ")"}) {
    std::string why;
    BOOST_CHECK_MESSAGE(read(bad, &why).empty() && !why.empty(), bad);
  }
}
