#!/usr/bin/env bash
# Installs the Debian packages Skyhaul builds, tests and benchmarks with.
# Idempotent: quiet and fast when everything is already there.
set -euo pipefail
pkgs=(cmake ninja-build g++ ccache pkg-config python3
      libcaf-dev libtorrent-rasterbar-dev liblmdb-dev libboost-dev
      libboost-test-dev libboost-system-dev libcurl4-openssl-dev rapidjson-dev
      libssl-dev libsodium-dev libarchive-dev zlib1g-dev curl nginx-light aria2
      s3cmd python3-boto3 python3-libtorrent opentracker transmission-cli)
pkgs+=(zip p7zip-full zstd)  # archive tests: archives made by the real tools
pkgs+=(tinyproxy microsocks)  # proxy tests: an HTTP and a SOCKS5 proxy
pkgs+=(python3-pyftpdlib python3-openssl openssh-server openssh-client openssl)  # remote pushes: FTP/FTPS and SFTP servers of the tests
missing=()
# npm may come with a nodejs from elsewhere; Debian's package otherwise.
command -v npm >/dev/null || pkgs+=(npm)
pkgs+=(python3-requests)  # the Offcloud tests' client, written as debrid managers write theirs
pkgs+=(tmux)  # the CLI tests: progress bars drawn in a real terminal
pkgs+=(chromium chromium-driver python3-selenium)  # web UI tests: a real headless browser
pkgs+=(prometheus python3-jsonschema)  # metrics and API document tests: promtool, JSON Schema validation
pkgs+=(transmission-cli)  # tracker tests: a BitTorrent client of another make beside aria2c
pkgs+=(lmdb-utils)  # the crash loop: mdb_stat reads the readers table
pkgs+=(clang libclang-rt-14-dev)  # make fuzz: libFuzzer targets built with clang
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" \
    || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing: ${missing[*]}"
  sudo=""
  [ "$(id -u)" -ne 0 ] && sudo="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -qq
  $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
# s3rver (npm): the local S3-compatible server that IDC replica tests upload
# to. Kept inside the checkout, pinned.
npm_dir="$(cd "$(dirname "$0")/.." && pwd)/.deps/npm"
if [ ! -x "$npm_dir/node_modules/.bin/s3rver" ]; then
  echo "installing: s3rver (npm)"
  mkdir -p "$npm_dir"
  npm install --prefix "$npm_dir" --no-audit --no-fund --loglevel=error \
    s3rver@3.7.1 >/dev/null
fi
