#include "actors/s3_upload.hpp"

#include "actors/curl_loop.hpp"
#include "base/base64.hpp"
#include "base/crypto.hpp"
#include "base/hex.hpp"
#include "base/metrics.hpp"
#include "base/sigv4.hpp"
#include "protocol/text.hpp"

#include <algorithm>
#include <chrono>
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

/// The canonical query naming multipart upload `id`.
std::string upload_query(const std::string& id) {
  return "uploadId=" + encode_key(id);
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
    base::metrics::global().add_upload(base::metrics::transfer::upload, k);
    return k;
  }
  if (want > src->left)
    want = static_cast<size_t>(src->left);
  auto k = std::fread(buf, 1, want, src->file);
  if (k < want && std::ferror(src->file))
    return CURL_READFUNC_ABORT;
  src->left -= k;
  base::metrics::global().add_upload(base::metrics::transfer::upload, k);
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

/// A step of an upload: gets the answer to its request.
using on_outcome = std::function<void(outcome&)>;

/// One signed request of an upload, a job on the curl loop. It is signed
/// when the loop starts it, so the signature's time is the sending time.
class request_job : public curl_job {
public:
  request_job(const idc_config& idc, const request_signer& sign,
              long timeout_s, std::string method, std::string path,
              std::string query, body_source body, uint64_t body_size,
              std::map<std::string, std::string> headers, on_outcome next)
      : idc_(idc), sign_(sign), timeout_s_(timeout_s),
        method_(std::move(method)), path_(std::move(path)),
        query_(std::move(query)), body_(body), body_size_(body_size),
        headers_(std::move(headers)), next_(std::move(next)) {
  }

  ~request_job() override {
    curl_slist_free_all(list_);
  }

  /// The body of this request when it lives in memory (a part, a
  /// document); `body_.memory` points at it.
  std::string owned_body;

  bool prepare(CURL* e) override {
    if (body_.memory == nullptr && body_.file == nullptr)
      body_.memory = &owned_body;
    headers_["host"] = host_of(idc_.endpoint);
    headers_["x-amz-content-sha256"] = unsigned_payload;
    for (auto& [k, v] :
         sign_(method_, path_, query_, headers_, unsigned_payload))
      headers_[k] = v;
    for (auto& [k, v] : headers_)
      if (k != "host")
        list_ = curl_slist_append(list_, (k + ": " + v).c_str());
    list_ = curl_slist_append(list_, "Expect:");
    url_ = idc_.endpoint + path_ + (query_.empty() ? "" : "?" + query_);
    curl_easy_setopt(e, CURLOPT_URL, url_.c_str());
    curl_easy_setopt(e, CURLOPT_HTTPHEADER, list_);
    curl_easy_setopt(e, CURLOPT_TIMEOUT, timeout_s_);
    // An account whose TLS only its own CA vouches for (push_ca_file).
    if (!idc_.ca_file.empty())
      curl_easy_setopt(e, CURLOPT_CAINFO, idc_.ca_file.c_str());
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, write_body);
    curl_easy_setopt(e, CURLOPT_WRITEDATA, &out_.body);
    curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, read_header);
    curl_easy_setopt(e, CURLOPT_HEADERDATA, &out_.etag);
    if (method_ == "PUT") {
      curl_easy_setopt(e, CURLOPT_UPLOAD, 1L);
      curl_easy_setopt(e, CURLOPT_READFUNCTION, read_body);
      curl_easy_setopt(e, CURLOPT_READDATA, &body_);
      curl_easy_setopt(e, CURLOPT_INFILESIZE_LARGE,
                       static_cast<curl_off_t>(body_size_));
    } else if (method_ == "POST") {
      curl_easy_setopt(e, CURLOPT_POST, 1L);
      curl_easy_setopt(e, CURLOPT_READFUNCTION, read_body);
      curl_easy_setopt(e, CURLOPT_READDATA, &body_);
      curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE,
                       static_cast<curl_off_t>(body_size_));
    } else {
      curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, method_.c_str());
    }
    return true;
  }

  void finished(CURL* e, CURLcode rc) override {
    if (rc != CURLE_OK) {
      out_.error = !refusal().empty()       ? refusal()
                   : error_text()[0] != 0 ? std::string{error_text()}
                                          : curl_easy_strerror(rc);
    } else {
      curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &out_.status);
      if (out_.status < 200 || out_.status >= 300) {
        auto code = xml_value(out_.body, "Code");
        out_.error = "HTTP " + std::to_string(out_.status)
                     + (code.empty() ? "" : " " + code);
      }
    }
    next_(out_);
  }

private:
  const idc_config& idc_;
  const request_signer& sign_;
  long timeout_s_;
  std::string method_;
  std::string path_;
  std::string query_;
  body_source body_;
  uint64_t body_size_;
  std::map<std::string, std::string> headers_;
  on_outcome next_;
  curl_slist* list_ = nullptr;
  std::string url_;
  outcome out_;
};

/// One upload from start to end: a chain of requests on the loop, each
/// started by the answer to the one before. The jobs own it; dropping the
/// jobs of its group ends it silently.
class upload : public std::enable_shared_from_this<upload> {
public:
  upload(curl_loop& loop, const void* group, idc_config idc,
         request_signer sign, long timeout_s, std::string path,
         upload_source src, upload_saved saved, upload_done done)
      : loop_(loop), group_(group), idc_(std::move(idc)),
        sign_(std::move(sign)), timeout_s_(timeout_s), path_(std::move(path)),
        src_(std::move(src)), saved_(std::move(saved)), done_(std::move(done)),
        file_(nullptr, std::fclose) {
    mp_ = std::move(src_.resume);
  }

  /// Runs on the loop thread.
  void start() {
    file_.reset(std::fopen(src_.path.c_str(), "rb"));
    if (!file_)
      return done_("cannot open " + src_.path, mp_);
    auto self = shared_from_this();
    if (src_.size < idc_.multipart_threshold || src_.size <= idc_.part_size) {
      if (!mp_.upload_id.empty())
        return drop_open([self] { self->put_single(); });
      return put_single();
    }
    if (mp_.upload_id.empty())
      return initiate();
    // Continue after the confirmed parts, unless the IDC's part size
    // changed since (then the parts no longer fit: begin again).
    auto parts = (src_.size + idc_.part_size - 1) / idc_.part_size;
    if (mp_.part_size != idc_.part_size || mp_.part_md5s.size() > parts)
      return drop_open([self] { self->initiate(); });
    resume();
  }

  /// Aborts the open multipart upload and reports the abort's outcome.
  void abandon() {
    auto self = shared_from_this();
    send_abort([self](outcome& res) {
      // Gone already is as good as aborted.
      auto gone = res.status == 404
                  || res.error.find("NoSuchUpload") != std::string::npos;
      self->done_(gone ? std::string{} : res.error, {});
    });
  }

private:
  /// Queues one request; `next` gets its answer. `query` must already be
  /// canonical. A memory body is passed in `memory` and owned by the job.
  void send(const std::string& method, const std::string& query,
            std::string memory, FILE* file, uint64_t size,
            std::map<std::string, std::string> headers, on_outcome next) {
    body_source body;
    body.file = file;
    body.left = size;
    auto job = std::make_unique<request_job>(
        idc_, sign_, timeout_s_, method, path_, query, body, size,
        std::move(headers),
        [self = shared_from_this(), next = std::move(next)](outcome& out) {
          next(out);
        });
    job->owned_body = std::move(memory);
    job->group = group_;
    loop_.add(std::move(job));
  }

  void put_single() {
    auto self = shared_from_this();
    send("PUT", "", {}, file_.get(), src_.size,
         {{"content-md5", base64_encode(from_hex(src_.md5).value_or(""))},
          {"content-type", src_.content_type}},
         [self](outcome& res) {
           if (!res.error.empty())
             return self->done_(res.error, {});
           if (!res.etag.empty() && res.etag != self->src_.md5)
             return self->done_(
                 "the IDC stored different bytes (ETag " + res.etag + ")", {});
           self->done_({}, {});
         });
  }

  /// Sends the abort of the open multipart upload, which is then no
  /// longer open; `next` gets the answer.
  void send_abort(on_outcome next) {
    auto query = upload_query(mp_.upload_id);
    mp_ = {};
    send("DELETE", query, {}, nullptr, 0, {}, std::move(next));
  }

  /// Aborts an open multipart upload that cannot be continued, whatever
  /// the answer, then goes on with `next`.
  void drop_open(std::function<void()> next) {
    send_abort([next = std::move(next)](outcome&) { next(); });
  }

  void initiate() {
    auto self = shared_from_this();
    send("POST", "uploads=", {}, nullptr, 0,
         {{"content-type", src_.content_type}}, [self](outcome& res) {
           if (!res.error.empty())
             return self->done_("initiate multipart: " + res.error, {});
           auto upload_id = xml_value(res.body, "UploadId");
           if (upload_id.empty())
             return self->done_("initiate multipart: no UploadId in the answer",
                                {});
           self->mp_.upload_id = upload_id;
           self->mp_.part_size = self->idc_.part_size;
           self->mp_.part_md5s.clear();
           self->id_query_ = upload_query(upload_id);
           self->left_ = self->src_.size;
           self->part_number_ = 0;
           self->record_then([self] { self->next_part(); },
                             [self] {
                               self->abort(
                                   "cannot record the new multipart upload");
                             });
         });
  }

  /// Has the open multipart upload recorded by `saved_`, then goes on with
  /// `next` on the loop thread, or with `refused` when it cannot be
  /// recorded. A drop of the group meanwhile ends it there.
  void record_then(std::function<void()> next, std::function<void()> refused) {
    if (!saved_)
      return next();
    auto go_on = loop_.await(group_);
    saved_(mp_, [go_on, next = std::move(next),
                 refused = std::move(refused)](bool recorded) {
      go_on(recorded ? next : refused);
    });
  }

  /// Continues the open multipart upload after its confirmed parts.
  void resume() {
    resumed_ = true;
    id_query_ = upload_query(mp_.upload_id);
    part_number_ = static_cast<int>(mp_.part_md5s.size());
    auto offset = std::min<uint64_t>(src_.size, mp_.part_size * part_number_);
    left_ = src_.size - offset;
    if (::fseeko(file_.get(), static_cast<off_t>(offset), SEEK_SET) != 0)
      return done_("cannot read " + src_.path, mp_);
    next_part();
  }

  /// The remote no longer knows the upload (it expired, was aborted, or
  /// completed before a crash hid that): begin a new one, once.
  bool begin_again(const outcome& res) {
    if (again_
        || (res.status != 404
            && res.error.find("NoSuchUpload") == std::string::npos))
      return false;
    again_ = true;
    mp_ = {};
    std::rewind(file_.get());
    initiate();
    return true;
  }

  /// An attempt at a multipart upload failed: a resumable one stays open
  /// for the next attempt, any other is aborted on the remote.
  void fail(std::string why) {
    if (saved_ && !mp_.upload_id.empty())
      return done_(std::move(why), mp_);
    abort(std::move(why));
  }

  /// Aborts the multipart upload on the remote, then reports `why`.
  void abort(std::string why) {
    auto self = shared_from_this();
    send_abort([self, why](outcome&) { self->done_(why, {}); });
  }

  /// Reads and hashes the next part on one of the loop's disk threads (16
  /// MiB read and MD5 would stall every other transfer), then sends it.
  void next_part() {
    if (left_ == 0)
      return complete();
    auto want
        = static_cast<size_t>(left_ < idc_.part_size ? left_ : idc_.part_size);
    left_ -= want;
    auto n = ++part_number_;
    // One part at a time: the file is read by one thread at a time.
    loop_.off_loop(group_, [self = shared_from_this(), want,
                            n]() -> std::function<void()> {
      auto part = std::make_shared<std::string>(want, '\0');
      if (std::fread(part->data(), 1, want, self->file_.get()) != want)
        return [self] { self->fail("cannot read " + self->src_.path); };
      auto md5 = md5_hex(*part);
      return [self, n, part, md5] {
        self->send_part(n, std::move(*part), md5);
      };
    });
  }

  void send_part(int n, std::string part, const std::string& md5) {
    auto size = part.size();
    auto self = shared_from_this();
    // Canonical order: partNumber sorts before uploadId.
    auto q = "partNumber=" + std::to_string(n) + "&" + id_query_;
    send("PUT", q, std::move(part), nullptr, size,
         {{"content-md5", base64_encode(from_hex(md5).value_or(""))}},
         [self, n, md5](outcome& res) {
           if (!res.error.empty()) {
             if (self->begin_again(res))
               return;
             return self->fail("part " + std::to_string(n) + ": " + res.error);
           }
           if (!res.etag.empty() && res.etag != md5)
             return self->fail("part " + std::to_string(n)
                               + ": the IDC stored different bytes");
           self->mp_.part_md5s.push_back(md5);
           self->record_then([self] { self->next_part(); },
                             [self, n] {
                               self->fail("cannot record part "
                                          + std::to_string(n));
                             });
         });
  }

  void complete() {
    auto& md5s = mp_.part_md5s;
    std::string doc = "<CompleteMultipartUpload>";
    for (size_t i = 0; i < md5s.size(); ++i)
      doc += "<Part><PartNumber>" + std::to_string(i + 1)
             + "</PartNumber><ETag>\"" + md5s[i] + "\"</ETag></Part>";
    doc += "</CompleteMultipartUpload>";
    auto size = doc.size();
    auto self = shared_from_this();
    send("POST", id_query_, std::move(doc), nullptr, size,
         {{"content-type", "application/xml"}}, [self](outcome& res) {
           // S3 may answer 200 with an error document while completing.
           if (res.error.empty()
               && res.body.find("<Error>") != std::string::npos)
             res.error = "HTTP 200 " + xml_value(res.body, "Code");
           if (!res.error.empty()) {
             if (self->begin_again(res))
               return;
             // A continued upload the server refuses to complete begins
             // again next time: not every server says NoSuchUpload for an
             // upload that a crash hid the completion of. One it did not
             // answer (down, unreachable) stays open.
             if (self->resumed_ && res.status != 0)
               return self->abort("complete multipart: " + res.error);
             return self->fail("complete multipart: " + res.error);
           }
           auto etag = unquote(xml_value(res.body, "ETag").empty()
                                   ? res.etag
                                   : xml_value(res.body, "ETag"));
           for (auto q : {"&quot;", "&#34;"})
             for (auto p = etag.find(q); p != std::string::npos;
                  p = etag.find(q))
               etag.erase(p, std::char_traits<char>::length(q));
           // S3 answers the MD5 of the part MD5s; some compatible servers
           // answer the MD5 of the whole object. Either proves the same
           // bytes.
           if (!etag.empty() && etag != multipart_etag(self->mp_.part_md5s)
               && etag != self->src_.md5)
             return self->done_(
                 "the IDC assembled different bytes (ETag " + etag + ")", {});
           self->done_({}, {});
         });
  }

  curl_loop& loop_;
  const void* group_;
  idc_config idc_;
  request_signer sign_;
  long timeout_s_;
  std::string path_;
  upload_source src_;
  upload_saved saved_;
  upload_done done_;
  std::unique_ptr<FILE, decltype(&std::fclose)> file_;
  /// The open multipart upload, and its id as a canonical query.
  multipart_state mp_;
  std::string id_query_;
  uint64_t left_ = 0;
  int part_number_ = 0;
  /// This attempt continued an upload an earlier one left open.
  bool resumed_ = false;
  /// This attempt began a new upload after the remote forgot the old one.
  bool again_ = false;
  base::metrics::active_transfer active_{base::metrics::transfer::upload};
};

} // namespace

request_signer sigv4_signer(const idc_config& idc) {
  return [idc](const std::string& method, const std::string& path,
               const std::string& query,
               const std::map<std::string, std::string>& headers,
               const std::string& payload_hash) {
    auto now = std::chrono::duration_cast<std::chrono::seconds>(
                   std::chrono::system_clock::now().time_since_epoch())
                   .count();
    return sigv4_sign(method, query.empty() ? path : path + "?" + query,
                      headers, payload_hash, idc.access_key, idc.secret_key,
                      idc.region, now);
  };
}

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

bool start_s3_upload(curl_loop& loop, const void* group, idc_config idc,
                     const std::string& bucket, const std::string& key,
                     upload_source src, request_signer sign, long timeout_s,
                     upload_saved saved, upload_done done) {
  auto path = "/" + encode_key(bucket) + "/" + encode_key(key);
  auto up = std::make_shared<upload>(
      loop, group, std::move(idc), std::move(sign), timeout_s, std::move(path),
      std::move(src), std::move(saved), std::move(done));
  return loop.post([up](curl_loop&) { up->start(); });
}

bool abort_s3_upload(curl_loop& loop, const void* group, idc_config idc,
                     const std::string& bucket, const std::string& key,
                     const std::string& upload_id, request_signer sign,
                     long timeout_s, std::function<void(std::string)> done) {
  upload_source src;
  src.resume.upload_id = upload_id;
  auto path = "/" + encode_key(bucket) + "/" + encode_key(key);
  auto up = std::make_shared<upload>(
      loop, group, std::move(idc), std::move(sign), timeout_s, std::move(path),
      std::move(src), nullptr,
      [done = std::move(done)](std::string err, multipart_state) {
        done(std::move(err));
      });
  return loop.post([up](curl_loop&) { up->abandon(); });
}

} // namespace skyhaul
