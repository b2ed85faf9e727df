#!/usr/bin/env bash
# Installs what a fresh machine lacks to build, test and run CallFS: the npm packages (from
# package-lock.json, among them s3rver, the S3-compatible server of the tests and of
# scripts/s3.sh); when `etcd` is not on the PATH, Debian's etcd-server and etcd-client; when
# Debian's Python gRPC is missing, python3-grpcio and python3-grpc-tools (the Python client test
# generates stubs from proto/ with them; they serve /usr/bin/python3, not another python3); when
# /usr/bin/chromium is missing, Debian's chromium (the web console's browser tests drive it
# headless through playwright-core, which never downloads a browser).
set -euo pipefail
cd "$(dirname "$0")/.."

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "setup: installing npm packages"
  npm ci --no-audit --no-fund --loglevel=error
fi

if [ ! -e node_modules/s3rver/lib/s3rver.js ]; then
  echo "setup: s3rver is missing from node_modules; reinstalling npm packages"
  npm ci --no-audit --no-fund --loglevel=error
fi

if ! command -v etcd >/dev/null 2>&1; then
  echo "setup: installing etcd-server and etcd-client (Debian)"
  sudo_cmd=""
  [ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq etcd-server etcd-client >/dev/null
fi

if ! /usr/bin/python3 -c 'import grpc, grpc_tools' >/dev/null 2>&1; then
  echo "setup: installing python3-grpcio and python3-grpc-tools (Debian)"
  sudo_cmd=""
  [ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq python3-grpcio python3-grpc-tools >/dev/null
fi

if [ ! -x /usr/bin/chromium ]; then
  echo "setup: installing chromium (Debian)"
  sudo_cmd=""
  [ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq chromium >/dev/null
fi
