# shellcheck shell=bash
# scripts/peers/lib.sh — helpers sourced by the peers' start.sh / stop.sh. Not run directly.
#
# The caller sets PEER_NAME (used in log lines) before sourcing. Only bash builtins, coreutils,
# util-linux (setsid) and curl are used: no procps (pgrep/ps are not on a minimal Debian).

peers_log() { echo "[peers/${PEER_NAME:-?}] $*" >&2; }

# peers_is_loopback HOST -> 0 when HOST is a loopback address or name. The peers have no
# authentication of their own, so they must never listen on a reachable interface.
peers_is_loopback() {
  case "$1" in
    127.*.*.* | localhost | ::1 | '[::1]') return 0 ;;
    *) return 1 ;;
  esac
}

# peers_require_cmd CMD... -> fails with a hint when one of the commands is missing
peers_require_cmd() {
  local c
  for c in "$@"; do
    command -v "$c" >/dev/null 2>&1 || {
      peers_log "missing '$c': run scripts/peers/install.sh"
      return 1
    }
  done
}

# peers_cmdline PID -> prints the command line of PID (NULs turned into spaces)
peers_cmdline() { tr '\0' ' ' <"/proc/$1/cmdline" 2>/dev/null; }

# peers_pid_alive PIDFILE MATCH -> prints the pid and returns 0 when the pid in PIDFILE is alive
# and its command line contains MATCH (guards against a recycled pid).
peers_pid_alive() {
  local pidfile=$1 match=$2 pid
  [ -s "$pidfile" ] || return 1
  pid=$(<"$pidfile")
  case "$pid" in '' | *[!0-9]*) return 1 ;; esac
  [ -d "/proc/$pid" ] || return 1
  peers_cmdline "$pid" | grep -qF -- "$match" || return 1
  echo "$pid"
}

# peers_port_busy HOST PORT -> 0 when something already accepts connections there
peers_port_busy() { (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null; }

# peers_group_members PGID -> prints the pids of the live (non-zombie) members of process group PGID.
# Zombies are skipped: PyWPS leaves finished async job processes unreaped, and once re-parented
# they may linger in a container whose init does not reap; they hold no resources.
peers_group_members() {
  local pgid=$1 f stat rest state pgrp
  for f in /proc/[0-9]*/stat; do
    { stat=$(<"$f"); } 2>/dev/null || continue # the process may have just exited
    rest=${stat##*) }           # fields after "(comm)": state ppid pgrp ...
    read -r state _ pgrp _ <<<"$rest"
    if [ "$pgrp" = "$pgid" ] && [ "$state" != "Z" ]; then
      f=${f#/proc/}
      echo "${f%/stat}"
    fi
  done
}

# peers_group_alive PGID -> 0 while a live process of that group exists
peers_group_alive() { [ -n "$(peers_group_members "$1")" ]; }

# peers_spawn PIDFILE LOGFILE CMD... -> runs CMD in a new session (so its own process group, led
# by CMD itself) in the background, stdin from /dev/null, stdout+stderr appended to LOGFILE.
# The session leader writes its own pid to PIDFILE before exec'ing CMD, which is right whether or
# not setsid had to fork. Returns once PIDFILE is written (bounded: 5 s).
peers_spawn() {
  local pidfile=$1 log=$2 i
  shift 2
  rm -f "$pidfile"
  # shellcheck disable=SC2016 # $$ and "$@" are expanded by the inner shell
  setsid --fork bash -c 'echo $$ >"$0"; exec "$@"' "$pidfile" "$@" >>"$log" 2>&1 </dev/null
  for i in $(seq 1 50); do
    [ -s "$pidfile" ] && return 0
    sleep 0.1
  done
  peers_log "server did not start (no pid in $pidfile)"
  return 1
}

# peers_wait_http URL TIMEOUT_S PID LOGFILE -> waits until URL answers HTTP 200 with a body that
# contains 'Capabilities'; fails early when PID dies, and after TIMEOUT_S seconds.
peers_wait_http() {
  local url=$1 timeout=$2 pid=$3 log=$4 deadline out code
  deadline=$(($(date +%s) + timeout))
  while :; do
    if ! [ -d "/proc/$pid" ]; then
      peers_log "process $pid exited during startup; last log lines:"
      tail -n 30 "$log" >&2 || true
      return 1
    fi
    out=$(curl -s --max-time 5 -w '\n%{http_code}' "$url" 2>/dev/null || true)
    code=${out##*$'\n'}
    if [ "$code" = "200" ] && [[ $out == *Capabilities* ]]; then
      return 0
    fi
    if [ "$(date +%s)" -ge "$deadline" ]; then
      peers_log "timeout after ${timeout}s waiting for $url (last HTTP code: ${code:-none}); last log lines:"
      tail -n 30 "$log" >&2 || true
      return 1
    fi
    sleep 0.1
  done
}

# peers_stop PIDFILE MATCH [GRACE_S] -> stops the process group led by the pid in PIDFILE and only
# that group (the server and its own children: PyWPS async jobs, lighttpd's mapserv workers).
# SIGTERM first; whatever is left of the group after GRACE_S seconds (default 1) gets SIGKILL:
# mapserv FastCGI workers catch SIGTERM and exit only after their next request, so they would
# otherwise outlive lighttpd. Idempotent: no live pid -> nothing to do.
peers_stop() {
  local pidfile=$1 match=$2 grace=${3:-1} pid i
  if ! pid=$(peers_pid_alive "$pidfile" "$match"); then
    peers_log "not running (no live pid in $pidfile)"
    rm -f "$pidfile"
    return 0
  fi
  peers_log "stopping pid $pid (process group $pid)"
  kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
  for i in $(seq 1 $((grace * 10))); do
    peers_group_alive "$pid" || break
    sleep 0.1
  done
  if peers_group_alive "$pid"; then
    peers_log "process group $pid still has members ($(peers_group_members "$pid" | tr '\n' ' ')), sending KILL"
    kill -KILL -- "-$pid" 2>/dev/null || true
    for i in $(seq 1 40); do
      peers_group_alive "$pid" || break
      sleep 0.05
    done
    if peers_group_alive "$pid"; then
      peers_log "process group $pid survived SIGKILL: $(peers_group_members "$pid" | tr '\n' ' ')"
      return 1
    fi
  fi
  rm -f "$pidfile"
  peers_log "stopped"
}

# peers_render TEMPLATE OUTPUT KEY=VALUE... -> copies TEMPLATE to OUTPUT replacing every @KEY@
# with VALUE (VALUE is taken literally: sed's special characters are escaped).
peers_render() {
  local template=$1 output=$2 kv key value
  shift 2
  local args=()
  for kv in "$@"; do
    key=${kv%%=*}
    value=${kv#*=}
    value=$(printf '%s' "$value" | sed -e 's/[\\|&]/\\&/g')
    args+=(-e "s|@${key}@|${value}|g")
  done
  sed "${args[@]}" "$template" >"$output.tmp" && mv -f "$output.tmp" "$output"
}
