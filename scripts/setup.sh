#!/usr/bin/env bash
# Installs every Debian package modelvet needs to build, test, fuzz and generate fixtures.
# Idempotent; run as root (or with sudo available). The real loaders that `modelvet reproduce`
# runs in its sandbox (and its tests need) are always installed; set
# MODELVET_SETUP_FIXTURE_TOOLS=1 to also install what regenerating fixtures needs.
set -euo pipefail
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi

BUILD_PKGS=(
  build-essential cmake ninja-build pkg-config git python3 bsdextrautils
  clang clang-format clang-tidy libclang-rt-dev valgrind
  libgtest-dev libgmock-dev libbenchmark-dev
  nlohmann-json3-dev libcli11-dev libfmt-dev libtomlplusplus-dev
  zlib1g-dev libbz2-dev liblzma-dev libzstd-dev liblz4-dev libarchive-dev
  libsqlite3-dev sqlite3 libcurl4-openssl-dev libcpp-httplib-dev libssl-dev
  libhdf5-dev libprotobuf-dev protobuf-compiler
  python3-zstandard
  bubblewrap strace libseccomp-dev
)
# `modelvet reproduce`: the loaders it runs inside the sandbox (tests/e2e/test_reproduce*.py).
REPRODUCE_PKGS=(
  python3-torch python3-numpy python3-joblib python3-h5py python3-sklearn
)
FIXTURE_PKGS=(
  python3-torch python3-numpy python3-sklearn python3-joblib python3-h5py python3-onnx
  python3-lz4 python3-py7zr
)

missing=()
want=("${BUILD_PKGS[@]}" "${REPRODUCE_PKGS[@]}")
if [ "${MODELVET_SETUP_FIXTURE_TOOLS:-0}" = "1" ]; then want+=("${FIXTURE_PKGS[@]}"); fi
for p in "${want[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  echo "setup: installing ${missing[*]}" >&2
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
echo "setup: all packages present" >&2
