# Shared by tools/run and tools/test: package check/install and the CMake build.
# Sourced, not executed. Every step is idempotent: a second run installs nothing
# and rebuilds only what changed.

SEQUENT_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)

# Debian 12 packages the build and tests need. Add to this list, never install by hand.
SEQUENT_PACKAGES=(
  build-essential cmake ninja-build ccache pkg-config
  libgtest-dev libgmock-dev libbenchmark-dev
  libboost-dev libconcurrentqueue-dev
  libcli11-dev libtomlplusplus-dev
  liblmdb-dev libxxhash-dev libssl-dev
  zlib1g-dev libminizip-dev
  libsimdjson-dev libedit-dev
)
# What only the tests need: a WebSocket client the project does not implement itself (the console
# end-to-end tests) and a headless browser with its driver (the web console test).
SEQUENT_TEST_PACKAGES=(
  python3 python3-websockets python3-selenium chromium chromium-driver
)

log() { printf '[sequent] %s\n' "$*" >&2; }

# Installs whatever of SEQUENT_PACKAGES is missing; `dpkg -s` first so a second run is a no-op.
ensure_packages() {
  local missing=()
  local p
  for p in "${SEQUENT_PACKAGES[@]}" "$@"; do
    dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
  done
  if [ ${#missing[@]} -eq 0 ]; then
    return 0
  fi
  log "installing missing packages: ${missing[*]}"
  local sudo=""
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null 2>&1 || { log "need root (or sudo) to install: ${missing[*]}"; return 1; }
    sudo=sudo
  fi
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -qq || { log "apt-get update failed"; return 1; }
  $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null \
    || { log "apt-get install failed for: ${missing[*]}"; return 1; }
}

# configure_and_build BUILD_DIR BUILD_TYPE [extra cmake args...] [-- targets...]
configure_and_build() {
  local dir=$1 type=$2
  shift 2
  local cmake_args=() targets=()
  while [ $# -gt 0 ]; do
    if [ "$1" = "--" ]; then shift; targets=("$@"); break; fi
    cmake_args+=("$1"); shift
  done
  local launcher=()
  command -v ccache >/dev/null 2>&1 && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache -DCMAKE_C_COMPILER_LAUNCHER=ccache)
  if [ ! -f "$dir/CMakeCache.txt" ]; then
    cmake -S "$SEQUENT_ROOT" -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE="$type" "${launcher[@]}" "${cmake_args[@]}" >/dev/null \
      || { log "cmake configure failed ($dir)"; return 1; }
  else
    cmake "$dir" "${cmake_args[@]}" >/dev/null || { log "cmake re-configure failed ($dir)"; return 1; }
  fi
  local tflags=()
  [ ${#targets[@]} -gt 0 ] && tflags=(--target "${targets[@]}")
  cmake --build "$dir" -j2 "${tflags[@]}" || { log "build failed ($dir)"; return 1; }
}
