#!/usr/bin/env bash
# Installs every Debian package postamt needs to build, run and test (DESIGN §4).
# Idempotent: packages already present are skipped; apt-get update runs only if
# something is missing. Never starts system services while installing (DESIGN §4:
# a developer's machine must not end up running a second mail server).
set -euo pipefail

PACKAGES=(
  # toolchain
  g++ cmake ninja-build ccache pkg-config clang-14 libclang-rt-14-dev
  # libraries (DESIGN §4) — only versioned Boost 1.81 packages
  libboost1.81-dev libboost-json1.81-dev libboost-url1.81-dev
  libssl-dev libicu-dev libsodium-dev libcrypt-dev libsqlite3-dev
  libtomlplusplus-dev libcli11-dev libspdlog-dev libfmt-dev
  zlib1g-dev libzstd-dev libsystemd-dev
  # tests
  libgtest-dev googletest python3 python3-pytest openssl swaks libnet-ssleay-perl fetchmail dovecot-imapd
  isync neomutt
)

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "setup: all ${#PACKAGES[@]} packages present"
  exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi

echo "setup: installing ${missing[*]}"
# Forbid service starts during the install (policy-rc.d exit 101), then restore.
policy=/usr/sbin/policy-rc.d
had_policy=0
if [ -e "$policy" ]; then had_policy=1; fi
if [ $had_policy -eq 0 ]; then
  printf '#!/bin/sh\nexit 101\n' | $SUDO tee "$policy" >/dev/null
  $SUDO chmod +x "$policy"
  trap '$SUDO rm -f "$policy"' EXIT
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q
$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
echo "setup: done"
