#include "actors/segment_state.hpp"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <sstream>
#include <unistd.h>

namespace skyhaul {

namespace {

/// The first line; a newer layout gets a new number.
constexpr const char* magic = "skyhaul-parts 1";

bool write_all(int fd, const std::string& text) {
  size_t done = 0;
  while (done < text.size()) {
    auto n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      return false;
    done += static_cast<size_t>(n);
  }
  return true;
}

void fsync_dir_of(const std::string& path) {
  auto dir = std::filesystem::path(path).parent_path().string();
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd >= 0) {
    ::fsync(fd);
    ::close(fd);
  }
}

} // namespace

std::string segment_state_path(const std::string& data_path) {
  return data_path + ".parts";
}

std::optional<segment_state> read_segment_state(const std::string& data_path) {
  int fd = ::open(segment_state_path(data_path).c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return std::nullopt;
  std::string text;
  char buf[4096];
  for (;;) {
    auto n = ::read(fd, buf, sizeof(buf));
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      break;
    text.append(buf, static_cast<size_t>(n));
  }
  ::close(fd);
  std::istringstream in(text);
  std::string line;
  if (!std::getline(in, line) || line != magic)
    return std::nullopt;
  segment_state s;
  std::string parts;
  while (std::getline(in, line)) {
    if (line.rfind("total ", 0) == 0)
      s.total = std::strtoull(line.c_str() + 6, nullptr, 10);
    else if (line.rfind("validator ", 0) == 0)
      s.validator = line.substr(10);
    else if (line.rfind("url ", 0) == 0)
      s.url = line.substr(4);
    else if (line.rfind("name ", 0) == 0)
      s.file_name = line.substr(5);
    else if (line.rfind("type ", 0) == 0)
      s.content_type = line.substr(5);
    else if (line.rfind("part ", 0) == 0)
      parts += line + "\n";
    else if (line == "end")
      break;
    else
      return std::nullopt;
  }
  // The last line says the file was written to its end.
  if (line != "end" || s.validator.empty())
    return std::nullopt;
  auto plan = segment_plan::decode(s.total, parts);
  if (!plan)
    return std::nullopt;
  s.plan = std::move(*plan);
  return s;
}

std::string write_segment_state(const std::string& data_path,
                                const segment_state& s) {
  int data = ::open(data_path.c_str(), O_WRONLY | O_CLOEXEC);
  if (data < 0)
    return "cannot open " + data_path + ": " + std::strerror(errno);
  auto synced = ::fdatasync(data) == 0;
  auto err = errno;
  ::close(data);
  if (!synced)
    return "cannot sync " + data_path + ": " + std::strerror(err);
  std::ostringstream out;
  out << magic << "\ntotal " << s.total << "\nvalidator " << s.validator
      << "\nurl " << s.url << "\nname " << s.file_name
      << "\ntype " << s.content_type << '\n'
      << s.plan.encode() << "end\n";
  auto path = segment_state_path(data_path);
  auto tmp = path + ".tmp";
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0)
    return "cannot write " + tmp + ": " + std::strerror(errno);
  auto ok = write_all(fd, out.str()) && ::fsync(fd) == 0;
  err = errno;
  ::close(fd);
  if (!ok || ::rename(tmp.c_str(), path.c_str()) != 0) {
    if (ok)
      err = errno;
    ::unlink(tmp.c_str());
    return "cannot write " + path + ": " + std::strerror(err);
  }
  fsync_dir_of(path);
  return {};
}

void reset_segment_state(const std::string& data_path) {
  int fd = ::open(data_path.c_str(), O_WRONLY | O_CLOEXEC);
  if (fd >= 0) {
    ::ftruncate(fd, 0);
    ::fdatasync(fd);
    ::close(fd);
  }
  auto path = segment_state_path(data_path);
  ::unlink(path.c_str());
  fsync_dir_of(path);
}

} // namespace skyhaul
