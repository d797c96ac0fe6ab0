// Offcloud parameters (http/offcloud/fields.hpp): `content-type NUL body`.
// A form-encoded body that reads gives, for every name, the same values
// as the same pairs spelled `name[]=…` and as a JSON object of arrays:
// the four array spellings of `hashes[…]` agree.
#include "base/percent.hpp"
#include "fuzz/check.hpp"
#include "http/offcloud/fields.hpp"

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

using namespace skyhaul;
using namespace skyhaul::http;
using namespace skyhaul::http::offcloud;

namespace {

/// `a[]`, `a[3]` → `a`, as the reader names arrays.
std::string array_base(std::string name) {
  if (!name.empty() && name.back() == ']') {
    auto open = name.find('[');
    if (open != std::string::npos && open > 0
        && name.substr(open + 1, name.size() - open - 2)
               .find_first_not_of("0123456789") == std::string::npos)
      name.resize(open);
  }
  return name;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto [content_type, body] = fuzz::split2(fuzz::text(data, size));
  request req;
  req.headers["content-type"] = content_type;
  req.body = body;
  std::string why;
  auto read = read_fields(req, why);
  FUZZ_CHECK(read || !why.empty());

  fields form;
  if (!read_urlencoded(body, form))
    return 0;
  std::vector<std::string> names;
  for (size_t pos = 0; pos < body.size();) {
    auto amp = body.find('&', pos);
    auto item = body.substr(pos, amp == std::string::npos ? std::string::npos
                                                          : amp - pos);
    pos = amp == std::string::npos ? body.size() : amp + 1;
    if (!item.empty())
      names.push_back(array_base(url_decode(item.substr(0, item.find('=')),
                                            true)));
  }
  std::string brackets;
  rapidjson::StringBuffer buf;
  rapidjson::Writer<rapidjson::StringBuffer> w{buf};
  w.StartObject();
  std::vector<std::string> done;
  std::vector<std::string> plain_names;
  for (auto& name : names) {
    if (std::find(done.begin(), done.end(), name) != done.end())
      continue;
    done.push_back(name);
    w.Key(name.data(), static_cast<rapidjson::SizeType>(name.size()));
    w.StartArray();
    // A name with brackets of its own is not spelled `name[]` again
    // (the reader strips only an all-digit suffix after the first '[').
    bool plain = name.find_first_of("[]") == std::string::npos;
    if (plain)
      plain_names.push_back(name);
    for (auto& v : form.all(name)) {
      if (plain)
        brackets += (brackets.empty() ? "" : "&") + url_encode(name) + "%5B%5D="
                  + url_encode(v);
      w.String(v.data(), static_cast<rapidjson::SizeType>(v.size()));
    }
    w.EndArray();
  }
  w.EndObject();
  fields again;
  FUZZ_CHECK(read_urlencoded(brackets, again));
  request json_req;
  json_req.headers["content-type"] = "application/json";
  json_req.body = buf.GetString();
  std::string why2;
  auto from_json = read_fields(json_req, why2);
  FUZZ_CHECK(from_json.has_value());
  for (auto& name : done)
    FUZZ_CHECK(from_json->all(name) == form.all(name));
  for (auto& name : plain_names)
    FUZZ_CHECK(again.all(name) == form.all(name));
  return 0;
}
