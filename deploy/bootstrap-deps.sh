#!/usr/bin/env bash
# Installs the Debian packages PropBot needs to build, test and run.
#
# Idempotent: when every package is already installed it prints one line and
# changes nothing (no apt-get update, no network). Works as root (CI) or as a
# normal user through sudo. Never runs autoremove: the base image relies on
# packages that autoremove would take away.
set -euo pipefail

# Each package is here for a reason; keep this list and ARCHITECTURE.md in step.
packages=(
  g++ make cmake ninja-build pkg-config ccache   # toolchain; ccache keeps CI rebuilds cheap
  libluajit-5.1-dev luajit                       # scripting host (and the luajit CLI for quants)
  libboost1.81-dev                               # Asio + Beast headers (HTTP/WebSocket, timers)
  nlohmann-json3-dev                             # JSON for the API and configs
  libssl-dev                                     # TLS, HMAC, SHA-256, AES-256-GCM
  libsqlite3-dev sqlite3                         # store; the CLI is used by tamper tests
  libspdlog-dev                                  # structured logging
  libyaml-cpp-dev                                # YAML profiles
  libgtest-dev libgmock-dev                      # unit tests
  libbenchmark-dev                               # tests/bench
  ca-certificates curl                           # smoke checks in README/make run
  prometheus                                     # promtool: the suite validates GET /metrics' exposition format
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q '^install ok installed$'; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "bootstrap-deps: all ${#packages[@]} packages present"
  exit 0
fi

if [ "$(id -u)" -eq 0 ]; then
  as_root=()
elif command -v sudo >/dev/null 2>&1; then
  as_root=(sudo)
else
  echo "bootstrap-deps: missing packages (${missing[*]}) and not root; install sudo or run as root" >&2
  exit 1
fi

echo "bootstrap-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
"${as_root[@]}" apt-get update -qq
"${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
echo "bootstrap-deps: done"
