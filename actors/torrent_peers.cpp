#include "actors/torrent_peers.hpp"

#include <algorithm>
#include <libtorrent/peer_info.hpp>
#include <libtorrent/torrent_handle.hpp>

namespace skyhaul {

std::vector<torrent_peer> listed_peers(const lt::torrent_handle& h) {
  std::vector<lt::peer_info> infos;
  h.get_peer_info(infos);
  auto half_open = [](const lt::peer_info& p) {
    return (p.flags & (lt::peer_info::handshake | lt::peer_info::connecting))
           != lt::peer_flags_t{};
  };
  infos.erase(std::remove_if(infos.begin(), infos.end(), half_open),
              infos.end());
  auto n = std::min(infos.size(), max_listed_peers);
  std::partial_sort(infos.begin(), infos.begin() + static_cast<long>(n),
                    infos.end(),
                    [](const lt::peer_info& a, const lt::peer_info& b) {
                      return a.down_speed > b.down_speed;
                    });
  std::vector<torrent_peer> out;
  out.reserve(n);
  for (size_t i = 0; i < n; ++i) {
    auto& p = infos[i];
    torrent_peer x;
    x.ip = p.ip.address().to_string();
    x.port = p.ip.port();
    // The client string comes from the peer: a short line of printable
    // ASCII, whatever bytes it sent.
    x.client = p.client.substr(0, 64);
    for (auto& c : x.client)
      if (static_cast<unsigned char>(c) < 0x20
          || static_cast<unsigned char>(c) > 0x7e)
        c = '?';
    x.progress = std::clamp(static_cast<double>(p.progress), 0.0, 1.0);
    x.down_speed = static_cast<uint64_t>(std::max(0, p.down_speed));
    x.up_speed = static_cast<uint64_t>(std::max(0, p.up_speed));
    out.push_back(std::move(x));
  }
  return out;
}

} // namespace skyhaul
