#!/usr/bin/env bash
# Fetches the trust roots of a MyProxyWebService-compatible certificate service (Twitcher's
# {certs.prefix}/get-trustroots) and writes each file (<hash>.0, <hash>.signing_policy, ...) into a
# directory, as MyProxyWebService's own client does. Needs only bash, curl and openssl.
set -euo pipefail

PROG=${0##*/}

usage() {
  cat <<EOF
Usage: $PROG -b URL [-d DIR] [-c CA_FILE | -k]

Fetches the trust roots of a certificate service and writes them into DIR.

  -b URL      base URL of the service, e.g. https://twitcher.example.org/myproxy
              (/get-trustroots is appended)
  -d DIR      where to write the files (default: \$X509_CERT_DIR, else ~/.globus/certificates)
  -c CA_FILE  PEM file with the CA certificate(s) of the service's HTTPS certificate
  -k          do not check the service's HTTPS certificate (bootstrapping only: anyone on the path
              could hand you their trust roots)
  -h          this help

Exit status: 0 done, 1 the service or a tool failed, 2 usage.
EOF
}

die() {
  echo "$PROG: $*" >&2
  exit 1
}

base_url=''
dir=${X509_CERT_DIR:-$HOME/.globus/certificates}
curl_tls=()
while getopts ':b:d:c:kh' opt; do
  case $opt in
    b) base_url=$OPTARG ;;
    d) dir=$OPTARG ;;
    c) [[ -r $OPTARG ]] || die "cannot read CA file $OPTARG"; curl_tls=(--cacert "$OPTARG") ;;
    k) curl_tls=(--insecure) ;;
    h) usage; exit 0 ;;
    :) echo "$PROG: option -$OPTARG needs a value" >&2; usage >&2; exit 2 ;;
    *) echo "$PROG: unknown option -$OPTARG" >&2; usage >&2; exit 2 ;;
  esac
done
shift $((OPTIND - 1))
if [[ $# -gt 0 || -z $base_url ]]; then
  [[ -z $base_url ]] && echo "$PROG: the base URL (-b) is required" >&2
  [[ $# -gt 0 ]] && echo "$PROG: unexpected argument $1" >&2
  usage >&2
  exit 2
fi
for tool in curl openssl; do
  command -v "$tool" >/dev/null || die "$tool is not installed"
done

tmp=$(mktemp -d "${TMPDIR:-/tmp}/myproxy-ws-trustroots.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

url="${base_url%/}/get-trustroots"
code=$(curl -sS --proto =http,https --connect-timeout 30 --max-time 120 ${curl_tls[@]+"${curl_tls[@]}"} \
  -o "$tmp/body" -w '%{http_code}' "$url") || die "cannot reach $url"
if [[ $code != 200 ]]; then
  die "$url answered HTTP $code: $(head -n 1 "$tmp/body" 2>/dev/null | tr -d '\r')"
fi

mkdir -p "$dir" || die "cannot create $dir"
count=0
# one "name=base64" line per file; the last line may lack a newline
while IFS= read -r line || [[ -n $line ]]; do
  line=${line%$'\r'}
  [[ -z $line ]] && continue
  name=${line%%=*}
  data=${line#*=}
  # a plain file name only: never a path, never a hidden file
  if [[ $line != *=* || ! $name =~ ^[A-Za-z0-9_][A-Za-z0-9._+-]*$ || ${#name} -gt 255 ]]; then
    die "unexpected line in the answer: ${line:0:60}"
  fi
  printf '%s' "$data" | openssl base64 -d -A >"$tmp/$name" || die "$name is not base64"
  chmod 0644 "$tmp/$name"
  mv -f "$tmp/$name" "$dir/$name" || die "cannot write $dir/$name"
  echo "$dir/$name"
  count=$((count + 1))
done <"$tmp/body"
[[ $count -gt 0 ]] || die "$url returned no trust roots"
