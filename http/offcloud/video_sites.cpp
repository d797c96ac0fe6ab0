#include "http/offcloud/video_sites.hpp"

#include <cctype>

namespace skyhaul::http::offcloud {

const std::vector<std::string>& builtin_video_sites() {
  static const std::vector<std::string> sites = {
      "youtube.com",     "youtu.be",     "youtube-nocookie.com",
      "vimeo.com",       "dailymotion.com", "dai.ly",
      "twitch.tv",       "facebook.com", "fb.watch",
      "instagram.com",   "tiktok.com",   "twitter.com",
      "x.com",           "vk.com",       "bilibili.com",
      "rumble.com",      "odysee.com",   "streamable.com",
      "soundcloud.com",  "mixcloud.com", "bandcamp.com",
      "ok.ru",           "rutube.ru",    "nicovideo.jp",
  };
  return sites;
}

bool is_video_site(const std::string& host,
                   const std::vector<std::string>& sites) {
  std::string h;
  for (auto c : host)
    h += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  while (!h.empty() && h.back() == '.')
    h.pop_back();
  for (auto& site : sites.empty() ? builtin_video_sites() : sites) {
    std::string s;
    for (auto c : site)
      s += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (s.empty())
      continue;
    if (h == s
        || (h.size() > s.size() && h.compare(h.size() - s.size(), s.size(), s) == 0
            && h[h.size() - s.size() - 1] == '.'))
      return true;
  }
  return false;
}

} // namespace skyhaul::http::offcloud
