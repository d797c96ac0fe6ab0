#include "storage/no_space.hpp"

#include <cerrno>
#include <cstring>

namespace skyhaul::storage {

bool no_space(int err) {
  return err == ENOSPC || err == EDQUOT;
}

bool names_no_space(std::string_view msg) {
  // mdb_strerror: "MDB_MAP_FULL: Environment mapsize limit reached".
  return msg.find(std::strerror(ENOSPC)) != std::string_view::npos
         || msg.find(std::strerror(EDQUOT)) != std::string_view::npos
         || msg.find("MDB_MAP_FULL") != std::string_view::npos;
}

ec storage_error_code(std::string_view msg, ec otherwise) {
  return names_no_space(msg) ? ec::insufficient_storage : otherwise;
}

} // namespace skyhaul::storage
