#!/usr/bin/env bash
# scripts/peers/wms/start.sh — start the peer MapServer 8 (WMS 1.1.1/1.3.0, WFS 1.0/1.1/2.0,
# WCS 1.0/1.1/2.0, OGC API Features), mapserv FastCGI workers under lighttpd, in the background,
# on loopback only.
#
# Builds its data in the state dir from data/*.geojson with gdal-bin (shapefiles + a GeoTIFF),
# renders the configs from the *.in templates, starts lighttpd in its own session/process group,
# waits (bounded) for WMS GetCapabilities and prints the endpoint URL as the last stdout line.
# Idempotent: when the server of this state dir already runs it prints the URL and exits 0.
#
# Endpoints, all on one port:
#   /ows                  WMS, WFS, WCS (by SERVICE=); /wms /wfs /wcs are aliases
#   /ows/peers/ogcapi     OGC API Features landing page (JSON by default, ?f=html)
# Layers: regions (polygons) and cities (points): WMS, WFS, OGC API; elevation (raster): WMS, WCS.
#
# Env vars:
#   WMS_HOST           bind address, loopback only                        (default 127.0.0.1)
#   WMS_PORT           TCP port                                           (default 5001)
#   WMS_STATE_DIR      pid file, logs, generated data and configs   (default /tmp/twitcher-peers/wms)
#   WMS_PUBLIC_URL     when set, "$WMS_PUBLIC_URL/ows?" is the fixed ows_onlineresource of every
#                      capabilities document; when unset MapServer derives it per request (Host,
#                      X-Forwarded-Host/-Port/-Proto). The OGC API root is always
#                      "${WMS_PUBLIC_URL:-http://$WMS_HOST:$WMS_PORT}/ows/peers/ogcapi".
#   WMS_FCGI_PROCS     mapserv FastCGI worker processes                   (default 4)
#   WMS_KEEPALIVE_IDLE seconds lighttpd keeps an idle keep-alive connection (default 5, lighttpd's)
#   WMS_DEBUG          MapServer MS_DEBUGLEVEL 0-5, log in the state dir  (default 0)
#   WMS_START_TIMEOUT  seconds to wait for GetCapabilities                (default 30)
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
PEER_NAME=wms
# shellcheck source=../lib.sh
. "$HERE/../lib.sh"

WMS_HOST=${WMS_HOST:-127.0.0.1}
WMS_PORT=${WMS_PORT:-5001}
WMS_STATE_DIR=${WMS_STATE_DIR:-/tmp/twitcher-peers/wms}
WMS_PUBLIC_URL=${WMS_PUBLIC_URL:-}
WMS_FCGI_PROCS=${WMS_FCGI_PROCS:-4}
WMS_KEEPALIVE_IDLE=${WMS_KEEPALIVE_IDLE:-5}
WMS_DEBUG=${WMS_DEBUG:-0}
WMS_START_TIMEOUT=${WMS_START_TIMEOUT:-30}
MAPSERV=/usr/lib/cgi-bin/mapserv

peers_is_loopback "$WMS_HOST" || {
  peers_log "WMS_HOST=$WMS_HOST is not a loopback address"
  exit 2
}
peers_require_cmd lighttpd "$MAPSERV" ogr2ogr gdal_rasterize shptree curl setsid || exit 1

mkdir -p "$WMS_STATE_DIR"
STATE=$(cd "$WMS_STATE_DIR" && pwd)
PIDFILE=$STATE/wms.pid
LOG=$STATE/server.log
HOSTPORT="$WMS_HOST:$WMS_PORT"
case "$WMS_HOST" in *:*) HOSTPORT="[$WMS_HOST]:$WMS_PORT" ;; esac
URL="http://$HOSTPORT/ows"
CAPS="$URL?SERVICE=WMS&REQUEST=GetCapabilities&VERSION=1.3.0"

if pid=$(peers_pid_alive "$PIDFILE" "$STATE/lighttpd.conf"); then
  peers_log "already running (pid $pid)"
  echo "$URL"
  exit 0
fi
rm -f "$PIDFILE"
if peers_port_busy "$WMS_HOST" "$WMS_PORT"; then
  peers_log "$HOSTPORT is already in use by another process"
  exit 1
fi

# --- data: rebuilt when missing or older than the GeoJSON sources -----------------------------
DATA=$STATE/data
mkdir -p "$DATA" "$STATE/htdocs" "$STATE/tmp"
for layer in regions cities; do
  src=$HERE/data/$layer.geojson
  if [ ! -f "$DATA/$layer.qix" ] || [ "$src" -nt "$DATA/$layer.qix" ]; then
    rm -f "$DATA/$layer".*
    ogr2ogr -f "ESRI Shapefile" "$DATA/$layer.shp" "$src" -nln "$layer" -lco ENCODING=UTF-8 >>"$LOG" 2>&1
    shptree "$DATA/$layer.shp" >>"$LOG" 2>&1 # spatial index (.qix)
  fi
done
if [ ! -f "$DATA/elevation.tif" ] || [ "$HERE/data/regions.geojson" -nt "$DATA/elevation.tif" ]; then
  rm -f "$DATA/elevation.tif"
  # 360x180 Byte raster, 1 degree cells: each region's "value", 0 elsewhere
  gdal_rasterize -q -l regions -a value -ot Byte -init 0 -te -180 -90 180 90 -tr 1 1 \
    -a_srs EPSG:4326 -of GTiff "$HERE/data/regions.geojson" "$DATA/elevation.tif" >>"$LOG" 2>&1
fi

# --- configs --------------------------------------------------------------------------------
ONLINE_LINE=""
if [ -n "$WMS_PUBLIC_URL" ]; then
  ONLINE_LINE="      \"ows_onlineresource\"      \"${WMS_PUBLIC_URL%/}/ows?\""
fi
OGA_ONLINE=${WMS_PUBLIC_URL:-http://$HOSTPORT}
OGA_ONLINE="${OGA_ONLINE%/}/ows/peers/ogcapi"
peers_render "$HERE/peers.map.in" "$STATE/peers.map" \
  "DATA=$DATA" "STATE=$STATE" "OGA_ONLINE=$OGA_ONLINE" "ONLINE_RESOURCE_LINE=$ONLINE_LINE"
peers_render "$HERE/mapserver.conf.in" "$STATE/mapserver.conf" "STATE=$STATE" "DEBUG=$WMS_DEBUG"
peers_render "$HERE/lighttpd.conf.in" "$STATE/lighttpd.conf" \
  "STATE=$STATE" "HOST=$WMS_HOST" "PORT=$WMS_PORT" "PROCS=$WMS_FCGI_PROCS" \
  "IDLE=$WMS_KEEPALIVE_IDLE"
printf 'Twitcher peer MapServer: WMS/WFS/WCS at /ows, OGC API Features at /ows/peers/ogcapi\n' \
  >"$STATE/htdocs/index.txt"
rm -f "$STATE"/mapserv.sock*
lighttpd -tt -f "$STATE/lighttpd.conf" >>"$LOG" 2>&1 || {
  peers_log "invalid lighttpd config $STATE/lighttpd.conf"
  tail -n 20 "$LOG" >&2
  exit 1
}

# -D: stay in the foreground (peers_spawn backgrounds it in its own process group, which then
# holds lighttpd and its mapserv workers, and nothing else)
peers_spawn "$PIDFILE" "$LOG" lighttpd -D -f "$STATE/lighttpd.conf"
pid=$(<"$PIDFILE")
if ! peers_wait_http "$CAPS" "$WMS_START_TIMEOUT" "$pid" "$LOG"; then
  tail -n 20 "$STATE/lighttpd-error.log" "$STATE/mapserver.log" >&2 2>/dev/null || true
  WMS_STATE_DIR=$STATE "$HERE/stop.sh" || true
  exit 1
fi
peers_log "running: pid $pid (lighttpd + $WMS_FCGI_PROCS mapserv FastCGI workers), log $LOG"
echo "$URL"
