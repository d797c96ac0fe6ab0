#include "actors/remote_source.hpp"

#include "protocol/text.hpp"

#include <algorithm>
#include <memory>

namespace skyhaul {

namespace {

/// `host:port` of `url` as curl reads it (default port filled in).
std::string host_port(const std::string& url) {
  std::unique_ptr<CURLU, void (*)(CURLU*)> u{curl_url(), curl_url_cleanup};
  if (!u || curl_url_set(u.get(), CURLUPART_URL, url.c_str(), 0) != CURLUE_OK)
    return url;
  char* h = nullptr;
  char* p = nullptr;
  std::string out;
  if (curl_url_get(u.get(), CURLUPART_HOST, &h, 0) == CURLUE_OK
      && curl_url_get(u.get(), CURLUPART_PORT, &p, CURLU_DEFAULT_PORT)
             == CURLUE_OK)
    out = std::string{h} + ":" + p;
  curl_free(h);
  curl_free(p);
  return out;
}

/// curl's known-hosts verdict: only a key the file holds for this host
/// passes; the file is never written (a key is trusted by its operator
/// adding it, not by a first connection).
int on_host_key(CURL*, const curl_khkey*, const curl_khkey*, curl_khmatch match,
                void* ud) {
  if (match == CURLKHMATCH_OK)
    return CURLKHSTAT_FINE;
  auto& check = *static_cast<host_key_check*>(ud);
  if (match == CURLKHMATCH_MISMATCH)
    check.refusal = "the SSH host key of " + check.where
                    + " differs from the one in the known hosts file "
                    + check.known_hosts + ": refused (it may be an impostor)";
  else
    check.refusal = "the SSH host key of " + check.where
                    + " is not in the known hosts file "
                    + (check.known_hosts.empty() ? std::string{"(none set)"}
                                                 : check.known_hosts)
                    + ": add it there (ssh-keyscan) or name another file with "
                      "--source-known-hosts";
  return CURLKHSTAT_REJECT;
}

} // namespace

long sftp_buffer_size(uint64_t rate_limit) {
  constexpr uint64_t smallest = 16 * 1024;
  constexpr uint64_t largest = 512 * 1024;
  if (rate_limit == 0)
    return static_cast<long>(largest);
  return static_cast<long>(std::clamp(rate_limit / 100, smallest, largest));
}

void apply_remote_source(CURL* e, const std::string& url,
                         const curl_defaults& defaults, uint64_t rate_limit,
                         std::string& curl_url, host_key_check& check) {
  auto scheme = ascii_lower(url.substr(0, url.find(':')));
  curl_url = url;
  if (scheme == "ftpes") {
    curl_url = "ftp" + url.substr(5);
    curl_easy_setopt(e, CURLOPT_USE_SSL, static_cast<long>(CURLUSESSL_ALL));
  } else if (scheme == "ftps") {
    curl_easy_setopt(e, CURLOPT_USE_SSL, static_cast<long>(CURLUSESSL_ALL));
  }
  curl_easy_setopt(e, CURLOPT_URL, curl_url.c_str());
  // Only these jobs may use these protocols, and never by redirect.
  curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "ftp,ftps,sftp");
  curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L);
  // The data connection's address is the control connection's: a server
  // cannot point it elsewhere (the policy checks both anyway).
  curl_easy_setopt(e, CURLOPT_FTP_SKIP_PASV_IP, 1L);
  if (scheme != "sftp")
    return;
  curl_easy_setopt(e, CURLOPT_BUFFERSIZE, sftp_buffer_size(rate_limit));
  check.where = host_port(curl_url);
  check.known_hosts = defaults.source_known_hosts;
  // An empty name would let curl skip the check: a file that does not
  // exist holds no key, so every host is refused with the message.
  curl_easy_setopt(e, CURLOPT_SSH_KNOWNHOSTS,
                   check.known_hosts.empty() ? "/nonexistent/known_hosts"
                                             : check.known_hosts.c_str());
  curl_easy_setopt(e, CURLOPT_SSH_KEYFUNCTION, on_host_key);
  curl_easy_setopt(e, CURLOPT_SSH_KEYDATA, &check);
  long auth = CURLSSH_AUTH_PASSWORD | CURLSSH_AUTH_KEYBOARD;
  if (!defaults.source_ssh_key.empty()) {
    auth |= CURLSSH_AUTH_PUBLICKEY;
    curl_easy_setopt(e, CURLOPT_SSH_PRIVATE_KEYFILE,
                     defaults.source_ssh_key.c_str());
    // libssh2 derives the public key from the private one.
    curl_easy_setopt(e, CURLOPT_SSH_PUBLIC_KEYFILE, "");
  }
  // Without the key, curl would try $HOME/.ssh/id_* of the daemon's user.
  curl_easy_setopt(e, CURLOPT_SSH_AUTH_TYPES, auth);
}

} // namespace skyhaul
