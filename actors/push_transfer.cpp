#include "actors/push_transfer.hpp"

#include "actors/curl_loop.hpp"
#include "actors/net_policy.hpp"
#include "actors/s3_upload.hpp"
#include "base/base64.hpp"
#include "base/crypto.hpp"
#include "base/metrics.hpp"
#include "base/percent.hpp"

#include <cstdio>
#include <curl/curl.h>
#include <memory>
#include <sys/mman.h>
#include <unistd.h>
#include <vector>

namespace skyhaul {

namespace {

/// Longest wait for one S3 request (large parts included).
constexpr long request_timeout_s = 600;

/// The non-empty segments of a '/'-separated path.
std::vector<std::string> segments(const std::string& path) {
  std::vector<std::string> out;
  size_t at = 0;
  while (at <= path.size()) {
    auto end = path.find('/', at);
    if (end == std::string::npos)
      end = path.size();
    if (end > at)
      out.push_back(path.substr(at, end - at));
    at = end + 1;
  }
  return out;
}

/// `host` without a scheme, bracketed when it is an IPv6 literal.
std::string url_host(const remote_account& acc) {
  auto h = acc.host;
  for (auto scheme : {"http://", "https://"})
    if (h.rfind(scheme, 0) == 0)
      h = h.substr(std::char_traits<char>::length(scheme));
  if (h.find(':') != std::string::npos && h.front() != '[')
    h = "[" + h + "]";
  return h;
}

std::string scheme_of(const remote_account& acc) {
  if (acc.type == "ftp" || acc.type == "ftps")
    return "ftp";
  if (acc.type == "sftp")
    return "sftp";
  return acc.host.rfind("http://", 0) == 0 ? "http" : "https";
}

/// Reads the body of an upload from its file.
size_t read_file(char* buf, size_t size, size_t n, void* ud) {
  auto* f = static_cast<FILE*>(ud);
  auto k = std::fread(buf, 1, size * n, f);
  if (k < size * n && std::ferror(f))
    return CURL_READFUNC_ABORT;
  base::metrics::global().add_upload(base::metrics::transfer::push, k);
  return k;
}

size_t discard(char*, size_t size, size_t n, void*) {
  return size * n;
}

/// The private key of an SFTP account as a file only this process sees
/// (an anonymous memory file), because curl reads keys from files and a
/// key must not lie in clear on disk. Closed with the push.
class key_file {
public:
  explicit key_file(const std::string& key) {
    fd_ = ::memfd_create("skyhaul-ssh-key", MFD_CLOEXEC);
    if (fd_ < 0)
      return;
    size_t at = 0;
    while (at < key.size()) {
      auto k = ::write(fd_, key.data() + at, key.size() - at);
      if (k <= 0) {
        ::close(fd_);
        fd_ = -1;
        return;
      }
      at += static_cast<size_t>(k);
    }
  }
  ~key_file() {
    if (fd_ >= 0)
      ::close(fd_);
  }
  key_file(const key_file&) = delete;
  key_file& operator=(const key_file&) = delete;

  bool ok() const {
    return fd_ >= 0;
  }
  std::string path() const {
    return "/proc/self/fd/" + std::to_string(fd_);
  }

private:
  int fd_ = -1;
};

/// One push: the WebDAV folders to make, then the upload. The jobs own
/// it; dropping the jobs of its group ends it silently.
class push : public std::enable_shared_from_this<push> {
public:
  push(curl_loop& loop, const void* group, push_request req, push_done done)
      : loop_(loop), group_(group), req_(std::move(req)),
        done_(std::move(done)), file_(nullptr, std::fclose) {
  }

  /// Runs on the loop thread.
  void start() {
    file_.reset(std::fopen(req_.file_path.c_str(), "rb"));
    if (!file_)
      return finish({"cannot open " + req_.file_path, false, {}, {}});
    if (req_.account.type == "sftp" && req_.account.secret_is_key) {
      key_ = std::make_unique<key_file>(req_.secret);
      if (!key_->ok())
        return finish({"cannot hand the SSH key to libssh2", false, {}, {}});
    }
    if (req_.account.type == "webdav") {
      // Folders under the account's path, outermost first; the account's
      // own path must exist already.
      auto parts = segments(req_.remote_path);
      std::string dir;
      for (size_t i = 0; i + 1 < parts.size(); ++i) {
        dir += (dir.empty() ? "" : "/") + parts[i];
        folders_.push_back(dir);
      }
    }
    next();
  }

  void finish(push_end end) {
    done_(std::move(end));
  }

  /// Makes the next folder, or uploads once none is left.
  void next();

  push_request& req() {
    return req_;
  }
  FILE* file() {
    return file_.get();
  }
  const key_file* key() const {
    return key_.get();
  }
  std::string& seen_host_key() {
    return seen_host_key_;
  }
  bool& host_key_changed() {
    return host_key_changed_;
  }

private:
  curl_loop& loop_;
  const void* group_;
  push_request req_;
  push_done done_;
  std::unique_ptr<FILE, decltype(&std::fclose)> file_;
  std::unique_ptr<key_file> key_;
  std::vector<std::string> folders_;
  std::string seen_host_key_;
  bool host_key_changed_ = false;
  base::metrics::active_transfer active_{base::metrics::transfer::push};
};

using push_ptr = std::shared_ptr<push>;

/// The options every request of a push shares: credentials, protocols,
/// TLS, the SFTP host key check.
class push_step : public curl_job {
public:
  explicit push_step(push_ptr p) : p_(std::move(p)) {
  }

protected:
  void common(CURL* e, const std::string& url) {
    url_ = url;
    auto& req = p_->req();
    auto& acc = req.account;
    curl_easy_setopt(e, CURLOPT_URL, url_.c_str());
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, discard);
    if (!acc.username.empty())
      curl_easy_setopt(e, CURLOPT_USERNAME, acc.username.c_str());
    if (!acc.secret_is_key && !req.secret.empty())
      curl_easy_setopt(e, CURLOPT_PASSWORD, req.secret.c_str());
    if (!req.ca_file.empty())
      curl_easy_setopt(e, CURLOPT_CAINFO, req.ca_file.c_str());
    auto scheme = scheme_of(acc);
    if (scheme == "ftp") {
      curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "ftp");
      curl_easy_setopt(e, CURLOPT_FTP_CREATE_MISSING_DIRS,
                       static_cast<long>(CURLFTP_CREATE_DIR_RETRY));
      if (acc.type == "ftps") {
        curl_easy_setopt(e, CURLOPT_USE_SSL, static_cast<long>(CURLUSESSL_ALL));
        curl_easy_setopt(e, CURLOPT_FTPSSLAUTH,
                         static_cast<long>(CURLFTPAUTH_TLS));
      }
    } else if (scheme == "sftp") {
      curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "sftp");
      curl_easy_setopt(e, CURLOPT_FTP_CREATE_MISSING_DIRS,
                       static_cast<long>(CURLFTP_CREATE_DIR_RETRY));
      if (auto* key = p_->key()) {
        key_path_ = key->path();
        curl_easy_setopt(e, CURLOPT_SSH_AUTH_TYPES,
                         static_cast<long>(CURLSSH_AUTH_PUBLICKEY));
        curl_easy_setopt(e, CURLOPT_SSH_PRIVATE_KEYFILE, key_path_.c_str());
        // libssh2 derives the public key from the private one.
        curl_easy_setopt(e, CURLOPT_SSH_PUBLIC_KEYFILE, "");
      } else {
        curl_easy_setopt(e, CURLOPT_SSH_AUTH_TYPES,
                         static_cast<long>(CURLSSH_AUTH_PASSWORD
                                           | CURLSSH_AUTH_KEYBOARD));
      }
      // Every push checks the host key on a session of its own: a cached
      // connection would skip the check.
      curl_easy_setopt(e, CURLOPT_FORBID_REUSE, 1L);
      curl_easy_setopt(e, CURLOPT_FRESH_CONNECT, 1L);
      curl_easy_setopt(e, CURLOPT_SSH_HOSTKEYFUNCTION, on_host_key);
      curl_easy_setopt(e, CURLOPT_SSH_HOSTKEYDATA, p_.get());
    } else {
      curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
      curl_easy_setopt(e, CURLOPT_HTTPAUTH, static_cast<long>(CURLAUTH_BASIC));
    }
  }

  /// The transfer's error, "" when it went through at the protocol level.
  std::string transfer_error(CURL* e, CURLcode rc, push_end& end) {
    if (!refusal().empty()) {
      end.final = true;
      return refusal();
    }
    if (p_->host_key_changed()) {
      end.final = true;
      return "the SFTP host key changed: pinned "
             + p_->req().account.host_key + ", the server shows "
             + p_->seen_host_key();
    }
    if (rc == CURLE_OK)
      return {};
    return error_text()[0] != 0 ? std::string{error_text()}
                                : curl_easy_strerror(rc);
  }

  static long status_of(CURL* e) {
    long status = 0;
    curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &status);
    return status;
  }

  push_ptr p_;

private:
  static int on_host_key(void* ud, int, const char* key, size_t len) {
    auto* p = static_cast<push*>(ud);
    p->seen_host_key() = ssh_fingerprint({key, len});
    auto& pinned = p->req().account.host_key;
    if (pinned.empty() || constant_time_equal(pinned, p->seen_host_key()))
      return CURLKHMATCH_OK;
    p->host_key_changed() = true;
    return CURLKHMATCH_MISMATCH;
  }

  std::string url_;
  std::string key_path_;
};

/// WebDAV MKCOL of one folder; one that exists already answers 405.
class mkcol_step : public push_step {
public:
  mkcol_step(push_ptr p, std::string folder)
      : push_step(std::move(p)), folder_(std::move(folder)) {
  }

  bool prepare(CURL* e) override {
    common(e, push_url(p_->req().account, folder_) + "/");
    curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, "MKCOL");
    return true;
  }

  void finished(CURL* e, CURLcode rc) override {
    push_end end;
    end.error = transfer_error(e, rc, end);
    auto status = status_of(e);
    if (end.error.empty() && status != 201 && status != 405)
      end.error = "MKCOL " + folder_ + ": HTTP " + std::to_string(status);
    if (!end.error.empty())
      return p_->finish(std::move(end));
    p_->next();
  }

private:
  std::string folder_;
};

/// The upload of the file itself: FTP STOR, SFTP write or WebDAV PUT.
class upload_step : public push_step {
public:
  using push_step::push_step;

  bool prepare(CURL* e) override {
    auto& req = p_->req();
    common(e, push_url(req.account, req.remote_path));
    curl_easy_setopt(e, CURLOPT_UPLOAD, 1L);
    curl_easy_setopt(e, CURLOPT_READFUNCTION, read_file);
    curl_easy_setopt(e, CURLOPT_READDATA, p_->file());
    curl_easy_setopt(e, CURLOPT_INFILESIZE_LARGE,
                     static_cast<curl_off_t>(req.size));
    if (scheme_of(req.account).rfind("http", 0) == 0) {
      list_ = curl_slist_append(list_, "Expect:");
      if (!req.content_type.empty())
        list_ = curl_slist_append(
            list_, ("Content-Type: " + req.content_type).c_str());
      curl_easy_setopt(e, CURLOPT_HTTPHEADER, list_);
    }
    return true;
  }

  ~upload_step() override {
    curl_slist_free_all(list_);
  }

  void finished(CURL* e, CURLcode rc) override {
    push_end end;
    end.host_key = p_->seen_host_key();
    end.error = transfer_error(e, rc, end);
    if (end.error.empty() && scheme_of(p_->req().account).rfind("http", 0) == 0) {
      auto status = status_of(e);
      if (status < 200 || status >= 300)
        end.error = "PUT: HTTP " + std::to_string(status);
    }
    curl_off_t sent = 0;
    curl_easy_getinfo(e, CURLINFO_SIZE_UPLOAD_T, &sent);
    if (end.error.empty() && static_cast<uint64_t>(sent) != p_->req().size)
      end.error = "sent " + std::to_string(sent) + " of "
                  + std::to_string(p_->req().size) + " bytes";
    p_->finish(std::move(end));
  }

private:
  curl_slist* list_ = nullptr;
};

void push::next() {
  std::unique_ptr<curl_job> job;
  if (!folders_.empty()) {
    auto folder = folders_.front();
    folders_.erase(folders_.begin());
    job = std::make_unique<mkcol_step>(shared_from_this(), std::move(folder));
  } else {
    job = std::make_unique<upload_step>(shared_from_this());
  }
  job->group = group_;
  loop_.add(std::move(job));
}

/// The IDC-shaped view of an S3 account, for actors/s3_upload.cpp.
idc_config s3_target(const push_request& req) {
  idc_config idc;
  idc.name = "remote account " + std::to_string(req.account.id);
  idc.endpoint = scheme_of(req.account) + "://" + url_host(req.account) + ":"
                 + std::to_string(req.account.port);
  idc.region = req.account.region.empty() ? "us-east-1" : req.account.region;
  idc.access_key = req.account.username;
  idc.secret_key = req.secret;
  idc.multipart_threshold = req.multipart_threshold;
  idc.part_size = req.part_size;
  // `push_ca_file` for the TLS of S3 accounts as for the other types.
  idc.ca_file = req.ca_file;
  return idc;
}

/// The object key of an S3 push: the account's path, then the file's.
std::string s3_key(const push_request& req) {
  std::string key;
  for (auto* part : {&req.account.path, &req.remote_path})
    for (auto& seg : segments(*part))
      key += (key.empty() ? "" : "/") + seg;
  return key;
}

} // namespace

std::string ssh_fingerprint(std::string_view key_blob) {
  auto b64 = base64_encode(sha256(key_blob));
  while (!b64.empty() && b64.back() == '=')
    b64.pop_back();
  return "SHA256:" + b64;
}

std::string push_url(const remote_account& acc, const std::string& path) {
  auto scheme = scheme_of(acc);
  auto url = scheme + "://" + url_host(acc) + ":" + std::to_string(acc.port)
             + "/";
  auto absolute = !acc.path.empty() && acc.path.front() == '/';
  if (scheme == "ftp" && absolute)
    url += "%2F";
  else if (scheme == "sftp" && !absolute)
    url += "~/";
  std::string rest;
  for (auto* part : {&acc.path, &path})
    for (auto& seg : segments(*part))
      rest += (rest.empty() ? "" : "/") + url_encode(seg);
  return url + rest;
}

bool start_push(curl_loop& loop, const void* group, push_request req,
                upload_saved saved, push_done done) {
  if (req.account.type == "s3") {
    auto key = s3_key(req);
    upload_source src;
    src.path = req.file_path;
    src.size = req.size;
    src.md5 = req.md5;
    src.content_type = req.content_type.empty() ? "application/octet-stream"
                                                : req.content_type;
    src.resume = std::move(req.resume);
    auto idc = s3_target(req);
    auto sign = sigv4_signer(idc);
    auto bucket = req.account.bucket;
    return start_s3_upload(
        loop, group, std::move(idc), bucket, key, std::move(src),
        std::move(sign), request_timeout_s, std::move(saved),
        [done = std::move(done)](std::string err, multipart_state open) {
          // A refused address stays refused: final, as for the other
          // account types.
          auto final = is_policy_refusal(err);
          done(push_end{std::move(err), final, {}, std::move(open)});
        });
  }
  auto p = std::make_shared<push>(loop, group, std::move(req), std::move(done));
  return loop.post([p](curl_loop&) { p->start(); });
}

bool abort_push_upload(curl_loop& loop, const void* group,
                       const push_request& req, const std::string& upload_id,
                       std::function<void(std::string)> done) {
  auto idc = s3_target(req);
  auto sign = sigv4_signer(idc);
  return abort_s3_upload(loop, group, std::move(idc), req.account.bucket,
                         s3_key(req), upload_id, std::move(sign),
                         request_timeout_s, std::move(done));
}

} // namespace skyhaul
