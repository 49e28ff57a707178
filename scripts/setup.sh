#!/usr/bin/env bash
# Idempotent set-up on a fresh Debian machine with Python 3.11: system packages, the
# virtualenv with every extra, and the pinned front-end packages. Called by `make`.
set -euo pipefail
cd "$(dirname "$0")/.."

# System libraries the code needs: open3d (libusb, libGL, OpenMP), the browser for the
# end-to-end tests (Debian's Chromium, driven by Playwright), the PostgreSQL and Redis
# servers for the integration tests, wrk for the load benchmark, Node.js/npm for three.js,
# a Java runtime for the Spark engine of the manufacturer statistics (pyspark local mode),
# a C compiler for the gait readers' decimal parser (gait/readers/_decimals.c, built by setup.py).
APT_PACKAGES=(libusb-1.0-0 libgl1 libgomp1 chromium postgresql redis-server wrk nodejs npm default-jre-headless gcc libc6-dev)
PYTHON=${PYTHON:-python3}
# Python's C headers: part of a Python built from source (pyenv, the python images); Debian's
# own Python has them in python3-dev.
if command -v "$PYTHON" >/dev/null && ! "$PYTHON" -c 'import os, sys, sysconfig; sys.exit(not os.path.isfile(os.path.join(sysconfig.get_paths()["include"], "Python.h")))'; then
  APT_PACKAGES+=(python3-dev)
fi
missing=()
for p in "${APT_PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    # nodejs/npm may come from elsewhere (e.g. a preinstalled Node.js): accept the commands
    case "$p" in nodejs) command -v node >/dev/null && continue ;; npm) command -v npm >/dev/null && continue ;; default-jre-headless) command -v java >/dev/null && continue ;; esac
    missing+=("$p")
  fi
done
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then
    SUDO=()
  elif command -v sudo >/dev/null && sudo -n true 2>/dev/null; then
    SUDO=(sudo)
  else
    echo "setup: these Debian packages are missing: ${missing[*]}" >&2
    echo "setup: you are not root and sudo is not available without a password; ask an" >&2
    echo "       administrator to run: apt-get install -y ${missing[*]}  (then run make again)" >&2
    exit 1
  fi
  echo "setup: installing Debian packages: ${missing[*]}"
  "${SUDO[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${SUDO[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if ! "$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 11))'; then
  echo "setup: Python >= 3.11 is needed; found $("$PYTHON" --version 2>&1). Set PYTHON=/path/to/python3.11" >&2
  exit 1
fi
[ -x .venv/bin/python ] || "$PYTHON" -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip
.venv/bin/python -m pip install -q -e ".[all,dev]"

if [ -f package-lock.json ]; then
  npm ci --no-audit --no-fund --loglevel=error
fi
echo "setup: done"
