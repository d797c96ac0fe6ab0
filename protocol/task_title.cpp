#include "protocol/task_title.hpp"

#include "protocol/source.hpp"
#include "protocol/task_record.hpp"

#include <string_view>

namespace skyhaul {

std::string task_title(const task_record& r) {
  if (!r.torrent_name.empty())
    return r.torrent_name;
  if (!r.file_name.empty())
    return r.file_name;
  if (!r.spec.key.empty())
    return r.spec.key;
  if (is_torrent(source_of(r.spec)))
    return {};
  auto url = std::string_view{r.spec.url};
  url = url.substr(0, url.find_first_of("?#"));
  auto scheme = url.find("://");
  if (scheme == std::string_view::npos)
    return {};
  auto path = url.find('/', scheme + 3);
  if (path == std::string_view::npos)
    return {};
  return std::string{url.substr(url.rfind('/') + 1)};
}

} // namespace skyhaul
