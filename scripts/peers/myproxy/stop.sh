#!/usr/bin/env bash
# scripts/peers/myproxy/stop.sh — stop the MyProxy peer started by start.sh, then remove the PAM
# service file start.sh wrote (/etc/pam.d/twitcher-myproxy-$PORT, only when it names this state dir).
# Idempotent.
#
# What is stopped: the pid in STATE/run/myproxy.pid when its command line names this state dir's
# config, and any other live process whose command line names it (the daemon forks one child per
# connection; the children are not in a process group of their own that could be signalled).
# SIGTERM, then SIGKILL for whatever is left after 2 s. Nothing else is touched.
#
# Env vars:
#   MYPROXY_PORT, MYPROXY_STATE_DIR   as for start.sh
#   MYPROXY_CLEAN=1                   also delete the state dir
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
PEER_NAME=myproxy
# shellcheck source=../lib.sh
. "$HERE/../lib.sh"

PORT=${MYPROXY_PORT:-17512}
STATE=${MYPROXY_STATE_DIR:-/tmp/twitcher-peers/myproxy-$PORT}
[ -d "$STATE" ] && STATE=$(cd "$STATE" && pwd)
PIDFILE=$STATE/run/myproxy.pid
MATCH="myproxy-server -c $STATE/myproxy-server.config "
PAM_FILE=/etc/pam.d/twitcher-myproxy-$PORT

# live (non-zombie) processes whose command line contains MATCH
servers() {
  local f pid stat
  for f in /proc/[0-9]*/cmdline; do
    pid=${f#/proc/}
    pid=${pid%/cmdline}
    peers_cmdline "$pid" | grep -qF -- "$MATCH" || continue
    { stat=$(<"/proc/$pid/stat"); } 2>/dev/null || continue
    stat=${stat##*) }
    [ "${stat%% *}" = "Z" ] || echo "$pid"
  done
}

if pid=$(peers_pid_alive "$PIDFILE" "$MATCH"); then
  peers_log "stopping myproxy-server pid $pid"
  kill -TERM "$pid" 2>/dev/null || true
fi
left=$(servers)
if [ -n "$left" ]; then
  # shellcheck disable=SC2086 # one pid per word
  kill -TERM $left 2>/dev/null || true
  for _ in $(seq 1 20); do
    left=$(servers)
    [ -z "$left" ] && break
    sleep 0.1
  done
  if [ -n "$left" ]; then
    peers_log "still alive after 2 s, sending KILL: $(echo $left)"
    # shellcheck disable=SC2086
    kill -KILL $left 2>/dev/null || true
    for _ in $(seq 1 20); do
      left=$(servers)
      [ -z "$left" ] && break
      sleep 0.1
    done
    [ -z "$left" ] || { peers_log "survived SIGKILL: $(echo $left)"; exit 1; }
  fi
  peers_log "stopped"
else
  peers_log "not running"
fi
rm -f "$PIDFILE"
if [ -f "$PAM_FILE" ] && grep -qF "(state $STATE)" "$PAM_FILE"; then
  rm -f "$PAM_FILE"
  peers_log "removed $PAM_FILE"
fi
if [ "${MYPROXY_CLEAN:-0}" = "1" ] && [ -d "$STATE" ]; then
  rm -rf "$STATE"
  peers_log "removed $STATE"
fi
