#pragma once

#include "protocol/idc.hpp"
#include "protocol/plan.hpp"

#include <cstdint>
#include <string>
#include <vector>

namespace skyhaul {

/// A proxy downloads may go through (config file `proxies`, checked at
/// start by app/proxy_options.cpp). `url` is
/// `SCHEME://[USER[:PASSWORD]@]HOST:PORT` with a scheme of `http`,
/// `https`, `socks5` (names resolved here) or `socks5h` (names resolved
/// by the proxy); the other fields are its parts, credentials decoded.
struct proxy_config {
  std::string id, name, region, url;
  std::string scheme, host, user, password;
  uint16_t port = 0;

  bool is_socks() const {
    return scheme == "socks5" || scheme == "socks5h";
  }
};

/// The effective configuration: defaults, then the config file, then the
/// environment (`SKYHAUL_*`), then the command line. Plain data, shared
/// read-only by every component after start.
struct settings {
  std::string config_file;
  std::string data_dir = "./var";
  std::string api = "127.0.0.1:7700";
  std::string offline = "127.0.0.1:7701";
  std::string s3 = "127.0.0.1:7702";
  /// Allow downloads and callbacks to loopback/private/link-local targets.
  bool allow_private_networks = false;
  /// Networks (CIDR, IPv4 or IPv6) let through while the rest of the
  /// refused ranges stay refused (`--allow-network`, repeatable); checked
  /// at start.
  std::vector<std::string> allow_networks;
  /// Tasks downloading at once; the rest wait in a FIFO.
  uint32_t max_active = 8;
  /// Attempts per task before a transient error fails it.
  uint32_t max_tries = 5;
  /// First retry delay; doubles with every attempt up to `retry_max_ms`.
  uint32_t retry_base_ms = 1000;
  uint32_t retry_max_ms = 60000;
  uint32_t connect_timeout_s = 15;
  uint32_t low_speed_limit = 1;
  uint32_t low_speed_time_s = 60;
  uint32_t max_redirects = 10;
  /// Largest file a task may download; -1 for no limit.
  int64_t max_download_size = int64_t{1} << 40;
  /// Bytes per second over all transfers / per transfer; 0 for no limit.
  uint64_t global_rate_limit = 0;
  uint64_t task_rate_limit = 0;
  /// Segmented HTTP downloads: connections per file, per host, and the
  /// smallest part worth its own connection.
  uint32_t split = 8;
  uint32_t max_connections_per_host = 8;
  uint64_t min_split_size = 4 << 20;
  /// Largest request body the listeners accept.
  uint64_t max_body_bytes = 1 << 20;
  /// Threads of the HTTP listeners.
  uint32_t http_threads = 2;
  /// Worker threads of the actor system; 0: one per core.
  uint32_t actor_threads = 0;
  /// How actor workers find work: "sharing" (one queue, workers sleep on a
  /// condition variable) or "stealing" (per-worker queues, idle workers
  /// poll and steal).
  std::string actor_policy = "sharing";
  /// Time a request may wait for its answer; past it the listener answers
  /// 500 and closes the connection.
  uint32_t request_timeout_ms = 10000;
  /// Time a connection may stay silent: for the next request (or the rest
  /// of one) to arrive, or for the client to take the next part of a reply.
  uint32_t idle_timeout_ms = 30000;
  /// Lifetime of signed download links.
  uint32_t link_ttl_s = 3600;
  /// Callback delivery: attempts per event before giving up, and the window
  /// (from the transition, or a redeliver) they must fit in.
  uint32_t callback_max_tries = 30;
  uint32_t callback_window_s = 86400;
  /// Time limit of one callback attempt, connect included.
  uint32_t callback_timeout_ms = 10000;
  /// First callback retry delay; doubles with every attempt, with jitter,
  /// up to `callback_retry_max_ms`.
  uint32_t callback_retry_base_ms = 2000;
  uint32_t callback_retry_max_ms = 3600000;
  /// LMDB map size.
  uint64_t map_size = uint64_t{16} << 30;
  /// Remote S3 endpoints that receive replicas (config file only: `idcs`).
  std::vector<idc_config> idcs;
  /// Tries of one replica upload before it is reported failed for good;
  /// the first failure is reported in the success callback at once.
  uint32_t replica_max_tries = 8;
  /// First retry delay of a replica upload; doubles with every attempt,
  /// with jitter, up to `replica_retry_max_ms`.
  uint32_t replica_retry_base_ms = 2000;
  uint32_t replica_retry_max_ms = 600000;

  // Proxies (config file only: `proxies`, `default_proxy`, `bt_proxy`).
  /// What a task's `proxy_id` chooses from.
  std::vector<proxy_config> proxies;
  /// The proxy of a task that names none; empty: direct.
  std::string default_proxy;
  /// The SOCKS5 proxy libtorrent's peer and tracker connections go
  /// through; session-wide, so a torrent task may only choose this one
  /// among the SOCKS5 proxies. Empty: direct.
  std::string bt_proxy;
  // Pushes to remote accounts (actors/pusher.cpp).
  /// Tries of one file's push before it fails for good.
  uint32_t push_max_tries = 8;
  /// First retry delay of a push; doubles with every attempt, with jitter,
  /// up to `push_retry_max_ms`.
  uint32_t push_retry_base_ms = 2000;
  uint32_t push_retry_max_ms = 600000;
  /// Files of at least this size go to S3 accounts as multipart uploads,
  /// in parts of `push_part_size` (S3: at least 5 MiB).
  uint64_t push_multipart_threshold = uint64_t{64} << 20;
  uint64_t push_part_size = uint64_t{16} << 20;
  /// CA bundle that TLS pushes (FTPS, WebDAV and S3 over https) verify
  /// servers against; empty: the system's.
  std::string push_ca_file;
  // Trust for sources (actors/curl_loop.cpp, actors/remote_source.cpp).
  /// A CA bundle that HTTPS and FTPS sources (and callbacks) are verified
  /// against besides the system store; empty: the system's only.
  std::string source_ca_file;
  /// The same for the TLS of https:// proxies.
  std::string proxy_ca_file;
  /// The known-hosts file an sftp:// source's host key must be in;
  /// empty: $HOME/.ssh/known_hosts. An unknown key fails the task.
  std::string source_known_hosts;
  /// The private key sftp:// sources authenticate with, before the URL's
  /// password; empty: passwords only.
  std::string source_ssh_key;

  // BitTorrent (the torrent_session actor).
  /// libtorrent's `listen_interfaces`: comma-separated `host:port` items.
  std::string bt_listen = "0.0.0.0:6881,[::]:6881";
  /// Peer discovery and port mapping; tests turn them off.
  bool bt_dht = true;
  bool bt_lsd = true;
  /// UPnP and NAT-PMP.
  bool bt_port_mapping = true;
  /// uTP besides TCP for peer connections (off: uTP's congestion control
  /// yields to all other traffic, which a download server does not want).
  bool bt_utp = false;
  /// Peer protocol encryption: `enabled` (either way), `forced` or
  /// `disabled`.
  std::string bt_encryption = "enabled";
  /// Peer connections over all torrents, and per torrent.
  uint32_t bt_connections_limit = 200;
  uint32_t bt_torrent_connections_limit = 50;
  /// Bytes per second over all torrents / per torrent; 0 for no limit.
  uint64_t bt_download_limit = 0;
  uint64_t bt_upload_limit = 0;
  uint64_t bt_task_download_limit = 0;
  uint64_t bt_task_upload_limit = 0;
  /// After completion: `stop` (default), `ratio` (seed until uploaded /
  /// size reaches `bt_seed_ratio`) or `time` (seed `bt_seed_time_s`).
  std::string bt_seed = "stop";
  double bt_seed_ratio = 1.0;
  uint32_t bt_seed_time_s = 3600;
  /// Time a magnet link has to deliver its metadata.
  uint32_t bt_metadata_timeout_s = 300;
  /// Largest accepted metainfo (uploaded, fetched or from the swarm).
  uint64_t bt_max_torrent_size = 16 << 20;
  /// Seconds between periodic saves of resume data.
  uint32_t bt_resume_interval_s = 30;

  // The community face's private tracker (actors/tracker.cpp).
  /// What announces answer as `interval` and `min interval`; a peer not
  /// heard from for two intervals leaves its swarm.
  uint32_t tracker_interval_s = 1800;
  uint32_t tracker_min_interval_s = 60;
  /// Most peers in one announce reply.
  uint32_t tracker_max_peers = 200;
  /// How often counted transfer figures are written (one transaction).
  uint32_t tracker_flush_ms = 2000;
  /// The announce base URL put into served metainfo, e.g.
  /// `https://tracker.example/announce`; empty: `http://<Host>/announce`
  /// from the request that downloads it.
  std::string tracker_url;
  // The Offcloud face.
  /// Plans (config file only: `plans`); with none, every user has the
  /// built-in plan that allows everything.
  std::vector<plan_config> plans;
  /// The plan of users who name none; "" for the first plan.
  std::string default_plan;
  /// Origins whose browsers may call the face with credentials (config
  /// file only: `cors_origins`); "*" allows any origin.
  std::vector<std::string> cors_origins;
  /// Lifetime of a login session.
  uint32_t session_ttl_s = 14 * 86400;
  /// Failed logins allowed per account and per client address within
  /// `login_window_s` before further tries answer 429.
  uint32_t login_max_failures = 5;
  uint32_t login_window_s = 900;
  /// Reverse proxies (`--trusted-proxy CIDR`, repeatable) whose
  /// `X-Forwarded-Proto` is believed: a login that reached one over https
  /// gets a `Secure` cookie. From any other peer the header is ignored.
  std::vector<std::string> trusted_proxies;
  /// Hosts of video-sharing sites (config file only: `video_sites`; a
  /// host matches itself and its subdomains): a plan without `video`
  /// answers `not_available:"video"` for them. Empty: the built-in list.
  std::vector<std::string> video_sites;
  // Live events (GET /events and the event subscription).
  /// The event log keeps at most this many events, none older than
  /// `event_retention_age_s`; a resume from before them answers `reset`.
  uint64_t event_retention_count = 100000;
  uint32_t event_retention_age_s = 7 * 86400;
  /// Time between two heartbeat comments of an event stream.
  uint32_t event_heartbeat_ms = 15000;
  // GET /metrics.
  /// A Bearer token that may read /metrics besides an admin's api key;
  /// empty: admins only.
  std::string metrics_token;
  // Other CAF processes (--publish, app/publish.cpp).
  /// `HOST:PORT` where the remote interface is published over TLS; empty:
  /// not published. Port 0 picks a free one (listen.json names it).
  std::string publish;
  /// PEM files: this server's certificate chain and key, and the CA every
  /// client certificate must chain to. All three are required to publish.
  std::string publish_cert;
  std::string publish_key;
  std::string publish_ca;
};

} // namespace skyhaul
