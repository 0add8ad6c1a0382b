#!/usr/bin/env bash
# scripts/peers/wps/stop.sh — stop the peer WPS started by start.sh: the pid in its pid file and
# that pid's process group only (waitress and PyWPS's async job processes). Idempotent.
#
# Env vars:
#   WPS_STATE_DIR  as for start.sh (default /tmp/twitcher-peers/wps); pid file $WPS_STATE_DIR/wps.pid
#   WPS_CLEAN=1    also delete the state dir (outputs, logs, job db)
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
PEER_NAME=wps
# shellcheck source=../lib.sh
. "$HERE/../lib.sh"

WPS_STATE_DIR=${WPS_STATE_DIR:-/tmp/twitcher-peers/wps}
peers_stop "$WPS_STATE_DIR/wps.pid" "$HERE/app/serve.py"
if [ "${WPS_CLEAN:-0}" = "1" ] && [ -d "$WPS_STATE_DIR" ]; then
  rm -rf "$WPS_STATE_DIR"
  peers_log "removed $WPS_STATE_DIR"
fi
