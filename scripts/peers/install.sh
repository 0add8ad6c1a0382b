#!/usr/bin/env bash
# scripts/peers/install.sh — install the Debian 12 (bookworm) packages of the real OGC peers,
# clients and tools that Twitcher's interop tests and benchmarks use.
#
# Idempotent: packages that are already installed are not touched; when everything is present the
# script only prints so and exits 0. Runs as root directly, or through sudo for other users.
# 'apt-get update' runs only when a missing package has no install candidate (fresh machine,
# empty package lists). Exit status is non-zero when anything fails.
#
# Env vars:
#   PEERS_SKIP_APT_UPDATE=1     never run 'apt-get update'
#   PEERS_ALLOW_SERVICE_START=1 let the packages' maintainer scripts start their system services
#                               (lighttpd, nginx, myproxy-server). By default, when the machine
#                               has no /usr/sbin/policy-rc.d, a temporary one (exit 101) is
#                               installed for the duration of apt-get so that no daemon starts
#                               listening on public interfaces; the tests run their own
#                               instances on 127.0.0.1 with private configs.
#
# Packages, by purpose:
#   python3-pywps python3-waitress      WPS upstream: PyWPS 4.5 served by waitress
#   cgi-mapserver mapserver-bin         WMS/WFS/WCS/OGC API Features upstream: MapServer 8 (+ shptree)
#   lighttpd                            spawns mapserv as FastCGI workers
#   gdal-bin                            test data (ogr2ogr, gdal_rasterize) and the GDAL/OGR client
#   python3-owslib                      OWSLib, the Python OGC client (scripts/peers/clients/)
#   python3-requests-oauthlib           OAuth2 client side for the token tests
#   python3-pymacaroons                 macaroon client side
#   curl wrk                            readiness checks, smoke checks, load tests
#   nginx-light                         reverse proxy in front of Twitcher (TLS / X-Forwarded-* tests)
#   docker-compose                      reads docker-compose.yml as compose does (`config`, no daemon;
#                                       without recommends: no container runtime)
#   libnginx-mod-stream                 nginx TLS passthrough to Twitcher's own TLS listener (proxy certificates)
#   openssl                             test CA and certificates
#   myproxy-server myproxy myproxy-admin globus-gsi-cert-utils-progs globus-proxy-utils
#                                       X.509 proxy certificates (MyProxy server and clients)
set -euo pipefail

PKGS=(
  python3-pywps python3-waitress python3-owslib python3-requests-oauthlib python3-pymacaroons
  cgi-mapserver mapserver-bin lighttpd gdal-bin
  curl wrk nginx-light libnginx-mod-stream openssl docker-compose
  myproxy-server myproxy myproxy-admin globus-gsi-cert-utils-progs globus-proxy-utils
)

log() { echo "[peers/install] $*"; }
die() { echo "[peers/install] ERROR: $*" >&2; exit 1; }

command -v dpkg-query >/dev/null 2>&1 && command -v apt-get >/dev/null 2>&1 \
  || die "needs a Debian/Ubuntu system with apt-get (Debian 12 bookworm expected)"

if [ "$(id -u)" = "0" ]; then
  SUDO=()
elif command -v sudo >/dev/null 2>&1; then
  SUDO=(sudo)
else
  SUDO=()  # only a problem if something has to be installed; checked below
fi

installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'; }

missing=()
for p in "${PKGS[@]}"; do
  installed "$p" || missing+=("$p")
done

if [ "${#missing[@]}" -eq 0 ]; then
  log "all ${#PKGS[@]} packages already installed, nothing to do"
  exit 0
fi
log "missing: ${missing[*]}"
if [ "$(id -u)" != "0" ] && [ "${#SUDO[@]}" -eq 0 ]; then
  die "not root and no sudo: run as root to install ${missing[*]}"
fi

# candidate <pkg> -> prints the candidate version, or nothing when apt does not know the package
candidate() { apt-cache policy "$1" 2>/dev/null | awk '/Candidate:/ {print $2}' | grep -v '^(none)$' || true; }

if [ "${PEERS_SKIP_APT_UPDATE:-0}" != "1" ]; then
  need_update=0
  for p in "${missing[@]}"; do
    if [ -z "$(candidate "$p")" ]; then need_update=1; break; fi
  done
  if [ "$need_update" = "1" ]; then
    log "running apt-get update (no install candidate for some packages)"
    "${SUDO[@]}" apt-get update -q
  fi
fi
for p in "${missing[@]}"; do
  [ -n "$(candidate "$p")" ] || die "package '$p' has no install candidate (are the bookworm main sources configured?)"
done

# Keep the packages' own system services from starting during the install (see header).
POLICY=/usr/sbin/policy-rc.d
created_policy=0
cleanup() {
  if [ "$created_policy" = "1" ]; then "${SUDO[@]}" rm -f "$POLICY"; fi
}
trap cleanup EXIT
if [ "${PEERS_ALLOW_SERVICE_START:-0}" != "1" ] && [ ! -e "$POLICY" ]; then
  printf '#!/bin/sh\n# temporary, created by twitcher scripts/peers/install.sh\nexit 101\n' \
    | "${SUDO[@]}" tee "$POLICY" >/dev/null
  "${SUDO[@]}" chmod 755 "$POLICY"
  created_policy=1
  log "temporary $POLICY installed: package services will not be started"
fi

log "installing: ${missing[*]}"
"${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive \
  apt-get install -y -q --no-install-recommends "${missing[@]}"

still=()
for p in "${missing[@]}"; do installed "$p" || still+=("$p"); done
[ "${#still[@]}" -eq 0 ] || die "still not installed: ${still[*]}"
log "installed ${#missing[@]} package(s): ${missing[*]}"
