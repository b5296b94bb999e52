#!/usr/bin/env bash
# Installs the Debian packages that the real-client tests need (the `influx` 1.x CLI), when they are
# missing. Run as root (CI is); apt must reach Debian's archive.
set -euo pipefail
if ! command -v influx >/dev/null 2>&1; then
  echo "installing influxdb-client (the influx CLI) for the real-client tests"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q >/dev/null
  apt-get install -y -q influxdb-client >/dev/null
fi
influx -version
