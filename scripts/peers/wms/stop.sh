#!/usr/bin/env bash
# scripts/peers/wms/stop.sh — stop the peer MapServer started by start.sh: the lighttpd pid in
# its pid file and that pid's process group (its mapserv FastCGI workers), nothing else.
# mapserv workers ignore SIGTERM until their next request, so after a 1 s grace period whatever
# is left of the group is killed with SIGKILL. Idempotent.
#
# Env vars:
#   WMS_STATE_DIR  as for start.sh (default /tmp/twitcher-peers/wms); pid file $WMS_STATE_DIR/wms.pid
#   WMS_CLEAN=1    also delete the state dir (generated data, configs, logs)
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
PEER_NAME=wms
# shellcheck source=../lib.sh
. "$HERE/../lib.sh"

WMS_STATE_DIR=${WMS_STATE_DIR:-/tmp/twitcher-peers/wms}
STATE=$WMS_STATE_DIR
[ -d "$STATE" ] && STATE=$(cd "$STATE" && pwd)
peers_stop "$STATE/wms.pid" "$STATE/lighttpd.conf" 1
rm -f "$STATE"/mapserv.sock* 2>/dev/null || true
if [ "${WMS_CLEAN:-0}" = "1" ] && [ -d "$STATE" ]; then
  rm -rf "$STATE"
  peers_log "removed $STATE"
fi
