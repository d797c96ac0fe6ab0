#pragma once

// BitTorrent peers for integration tests, all on loopback: torrents and a
// seeder from tests/support/seeder.py (a second libtorrent session),
// opentracker with a whitelist, and aria2c as a seeder not built on
// libtorrent. Each runs as a child process, waited for with a bound, and is
// killed and reaped by its destructor.

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include <sys/types.h>

namespace skyhaul::test {

/// One file of a made torrent, with its digests (lower-case hex).
struct torrent_file_digest {
  /// The path libtorrent lists (`pack/a.bin`, or the name of a single-file
  /// torrent).
  std::string path;
  uint64_t size = 0;
  std::string md5;
  std::string sha1;
  std::string crc32;
};

struct made_torrent {
  std::string torrent_path;
  std::string info_hash;
  std::string magnet;
  std::vector<torrent_file_digest> files;

  /// The bytes of the .torrent file.
  std::string bytes() const;
};

/// Writes the files of a torrent named `name` under `data_dir` (`relpath`,
/// size each; a single-file torrent when the one relpath equals `name`) and
/// its .torrent beside them (`<data_dir>/<name>.torrent`), announcing to
/// `tracker` when given.
made_torrent
make_torrent(const std::string& data_dir, const std::string& name,
             const std::vector<std::pair<std::string, uint64_t>>& files,
             const std::string& tracker = {});

/// A running child process with its stdin held open.
class child {
public:
  child() = default;
  ~child();
  child(const child&) = delete;
  child& operator=(const child&) = delete;

  /// Starts `argv` (in `cwd` when given); with `first_line`, waits (bounded)
  /// for the first line of its stdout and returns it, throwing when none
  /// comes.
  std::string start(const std::vector<std::string>& argv, bool first_line,
                    const std::string& cwd = {});

  /// SIGTERM, then reap.
  void stop();

  bool running() const {
    return pid_ > 0;
  }

private:
  pid_t pid_ = -1;
  int stdin_fd_ = -1;
};

/// The python libtorrent seeder of `t`, its data in `data_dir`.
class seeder {
public:
  /// Listening on `host`, a loopback address.
  seeder(const made_torrent& t, const std::string& data_dir,
         const std::string& host = "127.0.0.1");

  uint16_t port() const {
    return port_;
  }

  /// `HOST:PORT`, for a magnet link's `x.pe`.
  std::string peer() const;

  void stop() {
    proc_.stop();
  }

private:
  child proc_;
  std::string host_;
  uint16_t port_ = 0;
};

/// opentracker on 127.0.0.1, serving only the whitelisted info-hashes.
class tracker {
public:
  explicit tracker(const std::vector<std::string>& info_hashes);
  ~tracker();

  /// `http://127.0.0.1:PORT/announce`.
  std::string announce_url() const;

  /// Seeders the tracker knows of for `info_hash` (a scrape; 0 before any
  /// announce); -1 when it does not answer.
  int seeders(const std::string& info_hash) const;

  /// Waits (bounded) until some seeder of `info_hash` announced.
  bool await_seeder(const std::string& info_hash) const;

private:
  child proc_;
  std::string dir_;
  uint16_t port_ = 0;
};

/// aria2c seeding `t` from `data_dir` (checked first), announcing to the
/// torrent's tracker; no DHT, LPD or PEX, bound to 127.0.0.1. Waits
/// (bounded) until it listens and, when the torrent's tracker answers a
/// scrape, until the tracker counts it as a seeder.
class aria2_seeder {
public:
  aria2_seeder(const made_torrent& t, const std::string& data_dir);

  uint16_t port() const {
    return port_;
  }

private:
  child proc_;
  uint16_t port_ = 0;
};

/// A free TCP port on 127.0.0.1 (bound once, then released).
uint16_t free_port();

/// Percent-encodes everything but unreserved characters (for a magnet
/// link's `tr`).
std::string url_escape(const std::string& s);

/// Standard base64 with padding.
std::string base64(const std::string& bytes);

} // namespace skyhaul::test
