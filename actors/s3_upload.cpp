#include "actors/s3_upload.hpp"

#include "base/base64.hpp"
#include "base/crypto.hpp"
#include "base/hex.hpp"
#include "protocol/text.hpp"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <curl/curl.h>
#include <memory>

namespace skyhaul {

namespace {

constexpr const char* unsigned_payload = "UNSIGNED-PAYLOAD";

std::string host_of(const std::string& endpoint) {
  auto p = endpoint.find("://");
  auto h = p == std::string::npos ? endpoint : endpoint.substr(p + 3);
  return h.substr(0, h.find('/'));
}

std::string unquote(std::string s) {
  while (!s.empty()
         && (s.back() == '\r' || s.back() == '\n' || s.back() == ' '))
    s.pop_back();
  if (s.size() >= 2 && s.front() == '"' && s.back() == '"')
    s = s.substr(1, s.size() - 2);
  return s;
}

/// Text between `<tag>` and `</tag>`, or "".
std::string xml_value(const std::string& xml, const std::string& tag) {
  auto a = xml.find("<" + tag + ">");
  auto b = xml.find("</" + tag + ">");
  if (a == std::string::npos || b == std::string::npos || b < a)
    return {};
  a += tag.size() + 2;
  return xml.substr(a, b - a);
}

/// One request's outcome.
struct outcome {
  long status = 0;
  std::string body;
  std::string etag;
  std::string error;
};

/// Where the body of a request comes from: memory or a file range.
struct body_source {
  const std::string* memory = nullptr;
  FILE* file = nullptr;
  uint64_t left = 0;
  size_t offset = 0;
};

size_t read_body(char* buf, size_t size, size_t n, void* ud) {
  auto* src = static_cast<body_source*>(ud);
  size_t want = size * n;
  if (src->memory != nullptr) {
    auto avail = src->memory->size() - src->offset;
    auto k = want < avail ? want : avail;
    std::copy_n(src->memory->data() + src->offset, k, buf);
    src->offset += k;
    return k;
  }
  if (want > src->left)
    want = static_cast<size_t>(src->left);
  auto k = std::fread(buf, 1, want, src->file);
  if (k < want && std::ferror(src->file))
    return CURL_READFUNC_ABORT;
  src->left -= k;
  return k;
}

size_t write_body(char* p, size_t size, size_t n, void* ud) {
  auto* out = static_cast<std::string*>(ud);
  if (out->size() < (1 << 20))
    out->append(p, size * n);
  return size * n;
}

size_t read_header(char* p, size_t size, size_t n, void* ud) {
  auto* etag = static_cast<std::string*>(ud);
  std::string line{p, size * n};
  auto colon = line.find(':');
  if (colon == std::string::npos)
    return size * n;
  auto name = ascii_lower(line.substr(0, colon));
  if (name == "etag") {
    auto value = line.substr(colon + 1);
    value.erase(0, value.find_first_not_of(' '));
    *etag = unquote(value);
  }
  return size * n;
}

int on_progress(void* ud, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
  auto* cancel = static_cast<const std::atomic<bool>*>(ud);
  return cancel != nullptr && cancel->load() ? 1 : 0;
}

class requester {
public:
  requester(const idc_config& idc, const request_signer& sign, long timeout_s,
            const std::atomic<bool>* cancel)
      : idc_(idc), sign_(sign), timeout_s_(timeout_s),
        host_(host_of(idc.endpoint)), cancel_(cancel) {}

  /// Sends one signed request. `query` must already be canonical.
  outcome send(const std::string& method, const std::string& path,
               const std::string& query, body_source* body, uint64_t body_size,
               std::map<std::string, std::string> headers) {
    outcome out;
    headers["host"] = host_;
    headers["x-amz-content-sha256"] = unsigned_payload;
    for (auto& [k, v] : sign_(method, path, query, headers, unsigned_payload))
      headers[k] = v;
    std::unique_ptr<CURL, decltype(&curl_easy_cleanup)> h{curl_easy_init(),
                                                          curl_easy_cleanup};
    if (!h) {
      out.error = "curl_easy_init failed";
      return out;
    }
    curl_slist* list = nullptr;
    for (auto& [k, v] : headers)
      if (k != "host")
        list = curl_slist_append(list, (k + ": " + v).c_str());
    list = curl_slist_append(list, "Expect:");
    auto url = idc_.endpoint + path + (query.empty() ? "" : "?" + query);
    auto* e = h.get();
    curl_easy_setopt(e, CURLOPT_URL, url.c_str());
    curl_easy_setopt(e, CURLOPT_HTTPHEADER, list);
    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT, 15L);
    curl_easy_setopt(e, CURLOPT_TIMEOUT, timeout_s_);
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, write_body);
    curl_easy_setopt(e, CURLOPT_WRITEDATA, &out.body);
    curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, read_header);
    curl_easy_setopt(e, CURLOPT_HEADERDATA, &out.etag);
    curl_easy_setopt(e, CURLOPT_NOPROGRESS, 0L);
    curl_easy_setopt(e, CURLOPT_XFERINFOFUNCTION, on_progress);
    curl_easy_setopt(e, CURLOPT_XFERINFODATA, cancel_);
    if (method == "PUT") {
      curl_easy_setopt(e, CURLOPT_UPLOAD, 1L);
      curl_easy_setopt(e, CURLOPT_READFUNCTION, read_body);
      curl_easy_setopt(e, CURLOPT_READDATA, body);
      curl_easy_setopt(e, CURLOPT_INFILESIZE_LARGE,
                       static_cast<curl_off_t>(body_size));
    } else if (method == "POST") {
      curl_easy_setopt(e, CURLOPT_POST, 1L);
      curl_easy_setopt(e, CURLOPT_READFUNCTION, read_body);
      curl_easy_setopt(e, CURLOPT_READDATA, body);
      curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE,
                       static_cast<curl_off_t>(body_size));
    } else {
      curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, method.c_str());
    }
    auto rc = curl_easy_perform(e);
    curl_slist_free_all(list);
    if (rc != CURLE_OK) {
      out.error = curl_easy_strerror(rc);
      return out;
    }
    curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &out.status);
    if (out.status < 200 || out.status >= 300) {
      auto code = xml_value(out.body, "Code");
      out.error = "HTTP " + std::to_string(out.status)
                  + (code.empty() ? "" : " " + code);
    }
    return out;
  }

private:
  const idc_config& idc_;
  const request_signer& sign_;
  long timeout_s_;
  std::string host_;
  const std::atomic<bool>* cancel_;
};

std::string put_single(requester& rq, const std::string& path,
                       const upload_source& src) {
  std::unique_ptr<FILE, decltype(&std::fclose)> f{
      std::fopen(src.path.c_str(), "rb"), std::fclose};
  if (!f)
    return "cannot open " + src.path;
  body_source body;
  body.file = f.get();
  body.left = src.size;
  auto res = rq.send("PUT", path, "", &body, src.size,
                     {{"content-md5", base64_encode(from_hex(src.md5).value_or(""))},
                      {"content-type", src.content_type}});
  if (!res.error.empty())
    return res.error;
  if (!res.etag.empty() && res.etag != src.md5)
    return "the IDC stored different bytes (ETag " + res.etag + ")";
  return {};
}

std::string put_multipart(requester& rq, const idc_config& idc,
                          const std::string& path, const upload_source& src) {
  std::unique_ptr<FILE, decltype(&std::fclose)> f{
      std::fopen(src.path.c_str(), "rb"), std::fclose};
  if (!f)
    return "cannot open " + src.path;
  std::string empty;
  body_source none;
  none.memory = &empty;
  auto init = rq.send("POST", path, "uploads=", &none, 0,
                      {{"content-type", src.content_type}});
  if (!init.error.empty())
    return "initiate multipart: " + init.error;
  auto upload_id = xml_value(init.body, "UploadId");
  if (upload_id.empty())
    return "initiate multipart: no UploadId in the answer";
  auto id_query = "uploadId=" + encode_key(upload_id);
  auto abort = [&](std::string why) {
    body_source nothing;
    nothing.memory = &empty;
    rq.send("DELETE", path, id_query, &nothing, 0, {});
    return why;
  };
  std::vector<std::string> md5s;
  std::string done = "<CompleteMultipartUpload>";
  std::string part;
  uint64_t left = src.size;
  for (int n = 1; left > 0; ++n) {
    auto want
        = static_cast<size_t>(left < idc.part_size ? left : idc.part_size);
    part.resize(want);
    if (std::fread(part.data(), 1, want, f.get()) != want)
      return abort("cannot read " + src.path);
    left -= want;
    auto md5 = md5_hex(part);
    body_source body;
    body.memory = &part;
    // Canonical order: partNumber sorts before uploadId.
    auto q = "partNumber=" + std::to_string(n) + "&" + id_query;
    auto res = rq.send("PUT", path, q, &body, part.size(),
                       {{"content-md5", base64_encode(from_hex(md5).value_or(""))}});
    if (!res.error.empty())
      return abort("part " + std::to_string(n) + ": " + res.error);
    if (!res.etag.empty() && res.etag != md5)
      return abort("part " + std::to_string(n)
                   + ": the IDC stored different "
                     "bytes");
    md5s.push_back(md5);
    done += "<Part><PartNumber>" + std::to_string(n) + "</PartNumber><ETag>\""
            + md5 + "\"</ETag></Part>";
  }
  done += "</CompleteMultipartUpload>";
  body_source body;
  body.memory = &done;
  auto res = rq.send("POST", path, id_query, &body, done.size(),
                     {{"content-type", "application/xml"}});
  if (!res.error.empty())
    return abort("complete multipart: " + res.error);
  // S3 may answer 200 with an error document while completing.
  if (res.body.find("<Error>") != std::string::npos)
    return abort("complete multipart: " + xml_value(res.body, "Code"));
  auto etag = unquote(xml_value(res.body, "ETag").empty()
                          ? res.etag
                          : xml_value(res.body, "ETag"));
  for (auto q : {"&quot;", "&#34;"})
    for (auto p = etag.find(q); p != std::string::npos; p = etag.find(q))
      etag.erase(p, std::char_traits<char>::length(q));
  // S3 answers the MD5 of the part MD5s; some compatible servers answer
  // the MD5 of the whole object. Either proves the same bytes.
  if (!etag.empty() && etag != multipart_etag(md5s) && etag != src.md5)
    return "the IDC assembled different bytes (ETag " + etag + ")";
  return {};
}

} // namespace

std::string encode_key(const std::string& key) {
  static constexpr char digits[] = "0123456789ABCDEF";
  std::string out;
  for (auto ch : key) {
    auto c = static_cast<unsigned char>(ch);
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~'
        || c == '/') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += digits[c >> 4];
      out += digits[c & 0xf];
    }
  }
  return out;
}

std::string multipart_etag(const std::vector<std::string>& part_md5s) {
  std::string bin;
  for (auto& m : part_md5s)
    bin += from_hex(m).value_or("");
  return md5_hex(bin) + "-" + std::to_string(part_md5s.size());
}

std::string s3_upload(const idc_config& idc, const std::string& bucket,
                      const std::string& key, const upload_source& src,
                      const request_signer& sign, long timeout_s,
                      const std::atomic<bool>* cancel) {
  requester rq{idc, sign, timeout_s, cancel};
  auto path = "/" + encode_key(bucket) + "/" + encode_key(key);
  if (src.size >= idc.multipart_threshold && src.size > idc.part_size)
    return put_multipart(rq, idc, path, src);
  return put_single(rq, path, src);
}

} // namespace skyhaul
