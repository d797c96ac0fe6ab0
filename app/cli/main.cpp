// skyhaul: the command-line client of skyhauld's Task API and event
// stream. See app/cli/args.cpp for the command line.

#include <curl/curl.h>

#include "app/cli/commands.hpp"

int main(int argc, char** argv) {
  curl_global_init(CURL_GLOBAL_DEFAULT);
  auto a = skyhaul::cli::parse_args(argc, argv);
  auto code = skyhaul::cli::run(a);
  curl_global_cleanup();
  return code;
}
