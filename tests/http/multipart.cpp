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

BOOST_AUTO_TEST_CASE(multipart_content_types) {
  BOOST_CHECK(is_form_data("multipart/form-data"));
  BOOST_CHECK(is_form_data(" MULTIPART/FORM-DATA ; boundary=x"));
  BOOST_CHECK(!is_form_data("application/json"));
  BOOST_CHECK(!is_form_data("multipart/form-datax; boundary=x"));
  BOOST_CHECK(!is_form_data(""));
  // Quoted or not, anywhere among the parameters, name in any case.
  BOOST_CHECK_EQUAL(*form_boundary("multipart/form-data; BOUNDARY=\"q\\\"x\""),
                    "q\"x");
  BOOST_CHECK_EQUAL(*form_boundary("multipart/form-data;boundary=abc;x=y"),
                    "abc");
  BOOST_CHECK_EQUAL(
      *form_boundary("multipart/form-data; x; boundary = abc ; y=\"z\""),
      "abc");
  BOOST_CHECK_EQUAL(*form_boundary("multipart/form-data; boundary=abc; "
                                   "boundary=def"),
                    "abc");
  // curl's and browsers' boundaries.
  BOOST_CHECK_EQUAL(*form_boundary("multipart/form-data; boundary=--------"
                                   "----------------5a1b2c3d4e5f6a7b"),
                    "------------------------5a1b2c3d4e5f6a7b");
  BOOST_CHECK_EQUAL(*form_boundary("multipart/form-data; boundary=----WebKit"
                                   "FormBoundary7MA4YWxkTrZu0gW"),
                    "----WebKitFormBoundary7MA4YWxkTrZu0gW");
  BOOST_CHECK(form_boundary("multipart/form-data; boundary="
                            + std::string(70, 'b')));
  for (auto bad : {std::string{"multipart/form-data; boundary=\"abc"},
                   std::string{"multipart/form-data; boundary=\"\""},
                   std::string{"multipart/form-data; boundary=\"ab \""},
                   std::string{"multipart/form-data; boundary=\"a\rb\""},
                   std::string{"multipart/form-data; boundary=\"a\nb\""},
                   std::string{"multipart/form-data; charset=utf-8"}})
    BOOST_CHECK_MESSAGE(!form_boundary(bad), bad);
}

BOOST_AUTO_TEST_CASE(multipart_bodies_are_binary_and_crlf_exact) {
  std::string err;
  // Binary content: NUL, CR, LF, and lines that start like the boundary
  // but are not delimiter lines.
  using namespace std::string_literals;
  auto bin = "\0\r\n--bound x\r\n--boundX\r\n--bound-\r\n\n\r"s;
  BOOST_REQUIRE_EQUAL(bin.size(), 36u);
  auto body = "--bound\r\n"
              "Content-Disposition: form-data; name=\"torrent\"; "
              "filename=\"a;b.torrent\"\r\n\r\n"
              + bin
              + "\r\n--bound\t \r\n" // transport padding
                "Content-Disposition: form-data; name=\"empty\"\r\n\r\n"
                "\r\n--bound\r\n"
                // An empty part whose blank line is the delimiter's CRLF.
                "Content-Disposition: form-data; name=\"bare\"\r\n\r\n"
                "--bound--";
  auto parts = parse_form(body, "bound", err);
  BOOST_REQUIRE_MESSAGE(parts, err);
  BOOST_REQUIRE_EQUAL(parts->size(), 3u);
  BOOST_CHECK((*parts)[0].body == bin);
  BOOST_CHECK_EQUAL((*parts)[0].filename, "a;b.torrent");
  BOOST_CHECK_EQUAL((*parts)[1].name, "empty");
  BOOST_CHECK((*parts)[1].body.empty());
  BOOST_CHECK_EQUAL((*parts)[2].name, "bare");
  BOOST_CHECK((*parts)[2].body.empty());
  // No parts at all.
  parts = parse_form("--bound--\r\n", "bound", err);
  BOOST_REQUIRE(parts);
  BOOST_CHECK(parts->empty());
  // Bare LF line ends are not multipart: the error says so.
  err.clear();
  BOOST_CHECK(!parse_form("--bound\nContent-Disposition: form-data; "
                          "name=\"a\"\n\nx\n--bound--\n",
                          "bound", err));
  BOOST_CHECK_NE(err.find("CRLF"), std::string::npos);
}

BOOST_AUTO_TEST_CASE(multipart_part_headers_are_checked) {
  auto one = [](const std::string& headers) {
    std::string err;
    auto parts = parse_form("--b\r\n" + headers + "\r\n\r\nx\r\n--b--", "b",
                            err);
    return parts ? std::string{} : err;
  };
  BOOST_CHECK_EQUAL(one("Content-Disposition: form-data; name=\"a\"\r\n"
                        "X-Other: whatever"),
                    "");
  for (auto& [headers, says] : std::vector<std::pair<std::string, std::string>>{
           {"Content-Type: text/plain", "no Content-Disposition"},
           {"Content-Disposition: form-data; name=\"\"", "no name"},
           {"Content-Disposition: form-data; filename=\"a\"", "no name"},
           {"Content-Disposition: form-data; name=\"a", "unterminated"},
           {"Content-Disposition: inline; name=\"a\"", "not form-data"},
           {"Content-Disposition: form-data; name=a\r\n"
            "Content-Disposition: form-data; name=b",
            "two Content-Disposition"},
           {"Content-Disposition: form-data; name=a\r\n folded", "folded"},
           {"Content-Disposition: form-data; name=a\r\nno colon here",
            "':'"},
           {"Content-Disposition: form-data; name=a\r\n: no name", "':'"},
           {std::string(8200, 'h'), "larger than"}}) {
    auto err = one(headers);
    BOOST_CHECK_MESSAGE(err.find(says) != std::string::npos,
                        headers.substr(0, 60) << " -> '" << err << "'");
  }
  // Headers just under the limit pass.
  auto big = "Content-Disposition: form-data; name=a\r\nX-Pad: "
             + std::string(max_form_part_headers - 60, 'p');
  BOOST_CHECK_EQUAL(one(big), "");
  // Exactly max_parts parts pass; one more does not.
  std::string part = "--b\r\nContent-Disposition: form-data; name=p\r\n\r\nx\r\n";
  std::string err;
  std::string sixteen;
  for (int i = 0; i < 16; ++i)
    sixteen += part;
  BOOST_CHECK(parse_form(sixteen + "--b--", "b", err, 16));
  BOOST_CHECK(!parse_form(sixteen + part + "--b--", "b", err, 16));
  BOOST_CHECK_NE(err.find("too many"), std::string::npos);
}
