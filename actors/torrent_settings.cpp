#include "actors/torrent_settings.hpp"

#include "actors/net_policy.hpp"
#include "actors/proxy_route.hpp"
#include "actors/torrent_meta.hpp"
#include "protocol/settings.hpp"

#include <algorithm>
#include <libtorrent/alert.hpp>
#include <libtorrent/ip_filter.hpp>
#include <libtorrent/settings_pack.hpp>

namespace skyhaul {

lt::settings_pack make_settings(const settings& cfg) {
  lt::settings_pack p;
  p.set_str(lt::settings_pack::listen_interfaces, cfg.bt_listen);
  p.set_bool(lt::settings_pack::enable_dht, cfg.bt_dht);
  p.set_bool(lt::settings_pack::enable_lsd, cfg.bt_lsd);
  p.set_bool(lt::settings_pack::enable_upnp, cfg.bt_port_mapping);
  p.set_bool(lt::settings_pack::enable_natpmp, cfg.bt_port_mapping);
  int policy = lt::settings_pack::pe_enabled;
  if (cfg.bt_encryption == "forced")
    policy = lt::settings_pack::pe_forced;
  else if (cfg.bt_encryption == "disabled")
    policy = lt::settings_pack::pe_disabled;
  p.set_int(lt::settings_pack::out_enc_policy, policy);
  p.set_int(lt::settings_pack::in_enc_policy, policy);
  // uTP's LEDBAT yields to any other traffic: right for a desktop on a
  // home line, a brake for a download server (on loopback, 20x slower).
  p.set_bool(lt::settings_pack::enable_outgoing_utp, cfg.bt_utp);
  p.set_bool(lt::settings_pack::enable_incoming_utp, cfg.bt_utp);
  p.set_int(lt::settings_pack::connections_limit,
            static_cast<int>(cfg.bt_connections_limit));
  p.set_int(lt::settings_pack::download_rate_limit,
            static_cast<int>(std::min<uint64_t>(cfg.bt_download_limit,
                                                INT32_MAX)));
  p.set_int(lt::settings_pack::upload_rate_limit,
            static_cast<int>(std::min<uint64_t>(cfg.bt_upload_limit,
                                                INT32_MAX)));
  p.set_int(lt::settings_pack::alert_mask,
            lt::alert_category::status | lt::alert_category::error
                | lt::alert_category::storage | lt::alert_category::ip_block);
  p.set_int(lt::settings_pack::alert_queue_size, 10000);
  p.set_int(lt::settings_pack::stop_tracker_timeout, 1);
  // libtorrent announces at most every 5 minutes whatever a tracker asks;
  // the seeds of posts announce to Skyhaul's own tracker, whose
  // `--tracker-min-interval` says how often their figures may count.
  p.set_int(lt::settings_pack::min_announce_interval,
            static_cast<int>(std::max<uint32_t>(cfg.tracker_min_interval_s, 1)));
  p.set_str(lt::settings_pack::user_agent, "Skyhaul/0.1");
  p.set_str(lt::settings_pack::peer_fingerprint, "-SK0010-");
  // Peers behind one address (a LAN, a test on loopback) are still peers.
  p.set_bool(lt::settings_pack::allow_multiple_connections_per_ip, true);
  // Tasks are queued by the scheduler; libtorrent's own queue stays out.
  p.set_int(lt::settings_pack::active_downloads, -1);
  p.set_int(lt::settings_pack::active_seeds, -1);
  p.set_int(lt::settings_pack::active_limit, -1);
  // Room for fast local swarms: more bytes in flight to and from disk.
  p.set_int(lt::settings_pack::max_queued_disk_bytes, 16 << 20);
  p.set_int(lt::settings_pack::send_buffer_watermark, 4 << 20);
  p.set_int(lt::settings_pack::hashing_threads, 2);
  p.set_int(lt::settings_pack::aio_threads, 4);
  // libtorrent has one proxy for the whole session: `bt_proxy`, a SOCKS5
  // proxy (checked at start) for peers and trackers alike.
  if (auto* proxy = find_proxy(cfg.proxies, cfg.bt_proxy)) {
    p.set_int(lt::settings_pack::proxy_type,
              proxy->user.empty() ? lt::settings_pack::socks5
                                  : lt::settings_pack::socks5_pw);
    p.set_str(lt::settings_pack::proxy_hostname, proxy->host);
    p.set_int(lt::settings_pack::proxy_port, proxy->port);
    p.set_str(lt::settings_pack::proxy_username, proxy->user);
    p.set_str(lt::settings_pack::proxy_password, proxy->password);
    // socks5h: tracker names are resolved by the proxy.
    p.set_bool(lt::settings_pack::proxy_hostnames,
               proxy->scheme == "socks5h");
    p.set_bool(lt::settings_pack::proxy_peer_connections, true);
    p.set_bool(lt::settings_pack::proxy_tracker_connections, true);
  }
  return p;
}

/// The network policy's refused ranges, minus `--allow-network`.
lt::ip_filter private_filter(const settings& cfg) {
  // The same list as every curl job, minus the allowed networks.
  return make_ip_filter(
      base::net_policy::from_settings(false, cfg.allow_networks));
}

std::string policy_dht_nodes(const settings& cfg, const std::string& metainfo) {
  if (cfg.allow_private_networks)
    return metainfo;
  auto policy = base::net_policy::from_settings(false, cfg.allow_networks);
  return keep_dht_nodes(metainfo, [&](const std::string& host) {
    return policy.allows(host);
  });
}

void policy_dht_nodes(const settings& cfg,
                      std::vector<std::pair<std::string, int>>& nodes) {
  if (cfg.allow_private_networks)
    return;
  auto policy = base::net_policy::from_settings(false, cfg.allow_networks);
  nodes.erase(std::remove_if(nodes.begin(), nodes.end(),
                             [&](const std::pair<std::string, int>& n) {
                               return !policy.allows(n.first);
                             }),
              nodes.end());
}

} // namespace skyhaul
