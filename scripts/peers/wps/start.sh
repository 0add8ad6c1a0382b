#!/usr/bin/env bash
# scripts/peers/wps/start.sh — start the peer WPS (PyWPS 4.5 under waitress, app/serve.py) in
# the background, on loopback only.
#
# Prints the WPS endpoint URL as the last line of stdout once GetCapabilities answers (bounded
# wait). Idempotent: when the server of this state dir is already running it prints the URL and
# exits 0. The server runs in its own session/process group (setsid), so stop.sh can stop it and
# its async job processes without touching anything else.
#
# Env vars:
#   WPS_HOST                bind address, loopback only                  (default 127.0.0.1)
#   WPS_PORT                TCP port                                     (default 5000)
#   WPS_STATE_DIR           pid file, logs, pywps.cfg, outputs/ (status documents and stored
#                           outputs), workdir/, tmp/, job db           (default /tmp/twitcher-peers/wps)
#   WPS_PUBLIC_URL          base URL PyWPS writes into capabilities (Operation hrefs),
#                           statusLocation and output references; set it to a proxy's URL to
#                           make PyWPS advertise the proxy      (default http://$WPS_HOST:$WPS_PORT)
#   WPS_THREADS             waitress worker threads                      (default 8)
#   WPS_CHANNEL_TIMEOUT     seconds waitress keeps an idle connection    (default 300)
#   WPS_PARALLEL_PROCESSES  running sync+async jobs before Execute answers ServerBusy (HTTP 400)
#                                                                        (default 16; PyWPS: 2)
#   WPS_MAX_INPUT_SIZE      maxsingleinputsize and maxrequestsize        (default 200mb; PyWPS: 1mb/3mb)
#   WPS_LOG_LEVEL           PyWPS log level                              (default INFO)
#   WPS_START_TIMEOUT       seconds to wait for GetCapabilities          (default 30)
#   WPS_PYTHON              interpreter with Debian's dist-packages      (default /usr/bin/python3)
#   WPS_CANARY_LOG          when set, a file: the process 'canary' is served too, and each of
#                           its executions appends a JSON line there (app/processes.py)
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
PEER_NAME=wps
# shellcheck source=../lib.sh
. "$HERE/../lib.sh"

export WPS_HOST=${WPS_HOST:-127.0.0.1}
export WPS_PORT=${WPS_PORT:-5000}
WPS_STATE_DIR=${WPS_STATE_DIR:-/tmp/twitcher-peers/wps}
export WPS_PUBLIC_URL=${WPS_PUBLIC_URL:-http://$WPS_HOST:$WPS_PORT}
WPS_START_TIMEOUT=${WPS_START_TIMEOUT:-30}
WPS_PYTHON=${WPS_PYTHON:-/usr/bin/python3}

peers_is_loopback "$WPS_HOST" || {
  peers_log "WPS_HOST=$WPS_HOST is not a loopback address"
  exit 2
}
peers_require_cmd curl setsid "$WPS_PYTHON" || exit 1
"$WPS_PYTHON" -c 'import pywps, waitress' 2>/dev/null || {
  peers_log "$WPS_PYTHON cannot import pywps/waitress: run scripts/peers/install.sh"
  exit 1
}

mkdir -p "$WPS_STATE_DIR"
WPS_STATE_DIR=$(cd "$WPS_STATE_DIR" && pwd)
export WPS_STATE_DIR
PIDFILE=$WPS_STATE_DIR/wps.pid
LOG=$WPS_STATE_DIR/server.log
URL="http://$WPS_HOST:$WPS_PORT/wps"
CAPS="$URL?service=WPS&request=GetCapabilities"
case "$WPS_HOST" in *:*) URL="http://[$WPS_HOST]:$WPS_PORT/wps" CAPS="$URL?service=WPS&request=GetCapabilities" ;; esac

if pid=$(peers_pid_alive "$PIDFILE" "$HERE/app/serve.py"); then
  peers_log "already running (pid $pid)"
  echo "$URL"
  exit 0
fi
rm -f "$PIDFILE"
if peers_port_busy "$WPS_HOST" "$WPS_PORT"; then
  peers_log "$WPS_HOST:$WPS_PORT is already in use by another process"
  exit 1
fi

# no __pycache__ next to the sources (the repository stays clean)
export PYTHONDONTWRITEBYTECODE=1
peers_spawn "$PIDFILE" "$LOG" "$WPS_PYTHON" "$HERE/app/serve.py"
pid=$(<"$PIDFILE")
if ! peers_wait_http "$CAPS" "$WPS_START_TIMEOUT" "$pid" "$LOG"; then
  "$HERE/stop.sh" || true
  exit 1
fi
peers_log "running: pid $pid, log $LOG"
echo "$URL"
