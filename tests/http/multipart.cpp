#include <boost/test/unit_test.hpp>

#include "http/multipart.hpp"

using namespace skyhaul::http;

BOOST_AUTO_TEST_CASE(multipart_boundaries) {
  BOOST_CHECK_EQUAL(*form_boundary("multipart/form-data; boundary=abc"), "abc");
  BOOST_CHECK_EQUAL(
      *form_boundary("Multipart/Form-Data;charset=x; boundary=\"a b;c\""),
      "a b;c");
  BOOST_CHECK(!form_boundary("application/json"));
  BOOST_CHECK(!form_boundary("multipart/mixed; boundary=abc"));
  BOOST_CHECK(!form_boundary("multipart/form-data"));
  BOOST_CHECK(!form_boundary("multipart/form-data; boundary="
                             + std::string(71, 'b')));
}

BOOST_AUTO_TEST_CASE(multipart_parts) {
  std::string err;
  std::string body = "preamble\r\n--b\r\n"
                     "Content-Disposition: form-data; name=\"one\"\r\n\r\n"
                     "first\r\n--b  \r\n"
                     "content-disposition: form-data; name=two; "
                     "filename=\"x \\\"y\\\".bin\"\r\n"
                     "Content-Type: application/octet-stream\r\n\r\n"
                     "--b is not a delimiter here\r\n\r\n--b--\r\nepilogue";
  auto parts = parse_form(body, "b", err);
  BOOST_REQUIRE_MESSAGE(parts, err);
  BOOST_REQUIRE_EQUAL(parts->size(), 2u);
  BOOST_CHECK_EQUAL((*parts)[0].name, "one");
  BOOST_CHECK_EQUAL((*parts)[0].body, "first");
  BOOST_CHECK_EQUAL((*parts)[1].name, "two");
  BOOST_CHECK_EQUAL((*parts)[1].filename, "x \"y\".bin");
  BOOST_CHECK_EQUAL((*parts)[1].content_type, "application/octet-stream");
  BOOST_CHECK_EQUAL((*parts)[1].body, "--b is not a delimiter here\r\n");
}

BOOST_AUTO_TEST_CASE(malformed_multipart_is_refused) {
  std::string err;
  auto part = std::string{"--b\r\nContent-Disposition: form-data; "
                          "name=\"p\"\r\n\r\nx\r\n"};
  for (auto bad : {std::string{"no delimiter at all"},
                   part,                                  // not closed
                   std::string{"--b\r\n\r\nx\r\n--b--"},  // no disposition
                   std::string{"--b\r\nContent-Disposition: attachment; "
                               "name=\"p\"\r\n\r\nx\r\n--b--"},
                   std::string{"--b\r\nContent-Disposition: form-data\r\n\r\n"
                               "x\r\n--b--"},             // no name
                   std::string{"--bjunk\r\n"},
                   "--b\r\n" + std::string(9000, 'h') + "\r\n\r\nx\r\n--b--"}) {
    err.clear();
    BOOST_CHECK_MESSAGE(!parse_form(bad, "b", err), bad.substr(0, 40));
    BOOST_CHECK(!err.empty());
  }
  std::string many;
  for (int i = 0; i < 20; ++i)
    many += part;
  many += "--b--";
  BOOST_CHECK(!parse_form(many, "b", err, 16));
  BOOST_CHECK_NE(err.find("too many"), std::string::npos);
}
