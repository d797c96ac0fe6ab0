#pragma once

// The curl options of a file source fetched by offset: ftp://, ftps://,
// ftpes:// and sftp://. The schemes mean what curl, lftp, FileZilla and
// WinSCP make of them: ftp:// is clear text, ftps:// is implicit TLS (the
// handshake first, port 990 by default), ftpes:// is explicit TLS (AUTH
// TLS on the FTP port, RFC 4217, required: a server that does not offer
// it fails the task rather than seeing the password in clear). TLS is
// verified as for HTTPS, against `--source-ca-file` besides the system
// store. An sftp:// host key must be in the known-hosts file: curl's
// default would accept any key, which lets whoever sits on the path read
// the password and serve other bytes.

#include "actors/curl_loop.hpp"

#include <curl/curl.h>
#include <string>

namespace skyhaul {

/// Why one sftp:// transfer's host key was refused, for its task.
struct host_key_check {
  /// `host:port` of the URL and the file it is checked against.
  std::string where;
  std::string known_hosts;
  /// Empty while no key was refused.
  std::string refusal;
};

/// Sets the options of the file source `url` on `e`: its protocols,
/// TLS or the host-key check and the SSH key of `defaults`. `curl_url`
/// holds the URL curl is given (ftpes:// becomes ftp://) for the life of
/// the transfer; `check` hears of a refused host key. `rate_limit` (bytes
/// per second, 0 for none) is the tightest limit the transfer starts
/// under: an SFTP read buffer is sized from it (sftp_buffer_size).
void apply_remote_source(CURL* e, const std::string& url,
                         const curl_defaults& defaults, uint64_t rate_limit,
                         std::string& curl_url, host_key_check& check);

/// The read buffer of an SFTP transfer under `rate_limit`. curl checks
/// its rate limit only between turns, and in one turn it reads an SFTP
/// source until libssh2 has nothing more, up to 100 buffers: with the
/// 512 KiB buffer of the other sources, one turn could take 50 MiB at
/// once and leave the limit far behind. Sized so 100 buffers hold about
/// one second of the limit, between 16 KiB and 512 KiB.
long sftp_buffer_size(uint64_t rate_limit);

} // namespace skyhaul
