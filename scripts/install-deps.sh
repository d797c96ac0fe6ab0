#!/usr/bin/env bash
# Installs the Debian packages Skyhaul builds, tests and benchmarks with.
# Idempotent: quiet and fast when everything is already there.
set -euo pipefail
pkgs=(cmake ninja-build g++ ccache pkg-config python3
      libcaf-dev libtorrent-rasterbar-dev liblmdb-dev libboost-dev
      libboost-test-dev libboost-system-dev libcurl4-openssl-dev rapidjson-dev
      libssl-dev libarchive-dev zlib1g-dev curl nginx-light aria2
      s3cmd python3-boto3)
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" \
    || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
echo "installing: ${missing[*]}"
sudo=""
[ "$(id -u)" -ne 0 ] && sudo="sudo"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
