#pragma once

#include <string>

namespace skyhaul {

struct task_record;

/// The name a user knows a task by, as status replies and events show it:
/// the torrent's name, else the file's, else the object key, else the last
/// segment of the URL's path until the response names the file (empty for
/// a torrent whose metadata has not come).
std::string task_title(const task_record& rec);

} // namespace skyhaul
