#pragma once

// A temporary folder for one test, removed with everything in it at the
// end of its scope (also when an assertion ends the test early).

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <system_error>
#include <vector>

#include <stdlib.h>

namespace skyhaul::test {

struct scratch {
  std::string dir;

  /// A fresh folder /tmp/<prefix>-XXXXXX.
  explicit scratch(const std::string& prefix = "skyhaul-test") {
    auto tmpl = "/tmp/" + prefix + "-XXXXXX";
    std::vector<char> buf(tmpl.begin(), tmpl.end());
    buf.push_back('\0');
    if (::mkdtemp(buf.data()) == nullptr)
      throw std::runtime_error("mkdtemp " + tmpl + ": "
                               + std::strerror(errno));
    dir = buf.data();
  }

  ~scratch() {
    std::error_code err;
    std::filesystem::remove_all(dir, err);
  }

  scratch(const scratch&) = delete;
  scratch& operator=(const scratch&) = delete;
};

} // namespace skyhaul::test
