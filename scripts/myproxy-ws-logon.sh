#!/usr/bin/env bash
# Gets a short-lived certificate from a MyProxyWebService-compatible certificate service (Twitcher's
# {certs.prefix}/logon): makes an RSA 2048 key and a certificate request with openssl, posts the
# request with HTTP Basic, and writes the certificate chain and then the key to one file (mode 0600),
# as myproxy-logon does. Needs only bash, curl and openssl; the key never leaves this machine.
set -euo pipefail

PROG=${0##*/}

usage() {
  cat <<EOF
Usage: $PROG -b URL -U USER [-S] [-t HOURS] [-o FILE] [-c CA_FILE | -C CA_DIR | -k]

Gets a short-lived certificate and writes it, followed by its private key, to FILE.

  -b URL      base URL of the service, e.g. https://twitcher.example.org/myproxy
              (/logon is appended)
  -U USER     user name
  -S          read the password from standard input (one line) instead of prompting
  -t HOURS    lifetime asked for, in whole hours (the service may give less)
  -o FILE     where to write certificate + key (default: /tmp/x509up_u\$(id -u))
  -c CA_FILE  PEM file with the CA certificate(s) of the service's HTTPS certificate
  -C CA_DIR   directory of hashed CA certificates (as written by myproxy-ws-get-trustroots.sh);
              default: \$X509_CERT_DIR when set
  -k          do not check the service's HTTPS certificate (testing only)
  -h          this help

Exit status: 0 done, 1 refused by the service or a tool failed, 2 usage.
EOF
}

die() {
  echo "$PROG: $*" >&2
  exit 1
}
usage_error() {
  echo "$PROG: $*" >&2
  usage >&2
  exit 2
}

base_url=''
user=''
password_stdin=0
hours=''
out="/tmp/x509up_u$(id -u)"
curl_tls=()
[[ -n ${X509_CERT_DIR:-} && -d ${X509_CERT_DIR:-} ]] && curl_tls=(--capath "$X509_CERT_DIR")
while getopts ':b:U:St:o:c:C:kh' opt; do
  case $opt in
    b) base_url=$OPTARG ;;
    U) user=$OPTARG ;;
    S) password_stdin=1 ;;
    t) hours=$OPTARG ;;
    o) out=$OPTARG ;;
    c) [[ -r $OPTARG ]] || die "cannot read CA file $OPTARG"; curl_tls=(--cacert "$OPTARG") ;;
    C) [[ -d $OPTARG ]] || die "no CA directory $OPTARG"; curl_tls=(--capath "$OPTARG") ;;
    k) curl_tls=(--insecure) ;;
    h) usage; exit 0 ;;
    :) usage_error "option -$OPTARG needs a value" ;;
    *) usage_error "unknown option -$OPTARG" ;;
  esac
done
shift $((OPTIND - 1))
[[ $# -eq 0 ]] || usage_error "unexpected argument $1"
[[ -n $base_url ]] || usage_error 'the base URL (-b) is required'
[[ -n $user ]] || usage_error 'the user name (-U) is required'
# HTTP Basic ends the user name at the first colon (RFC 7617 §2)
[[ $user != *:* ]] || usage_error 'a user name cannot contain ":"'
lifetime=()
if [[ -n $hours ]]; then
  [[ $hours =~ ^[1-9][0-9]{0,5}$ ]] || usage_error "-t wants a whole number of hours, not '$hours'"
  lifetime=(--data "lifetime=$((hours * 3600))")
fi
for tool in curl openssl; do
  command -v "$tool" >/dev/null || die "$tool is not installed"
done

if [[ $password_stdin == 1 ]]; then
  IFS= read -r password || [[ -n ${password:-} ]] || die 'no password on standard input'
else
  [[ -r /dev/tty ]] || die 'no terminal to ask for the password on: use -S'
  IFS= read -r -s -p "Password for $user: " password </dev/tty || die 'no password given'
  echo >/dev/tty
fi

umask 077
tmp=$(mktemp -d "${TMPDIR:-/tmp}/myproxy-ws-logon.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

# The subject is ignored: the service decides it from the user name.
openssl req -new -newkey rsa:2048 -nodes -subj /CN=dummy -keyout "$tmp/key.pem" -out "$tmp/req.pem" \
  2>"$tmp/openssl.err" || die "openssl could not make a key and request: $(tail -n 1 "$tmp/openssl.err")"

# The credentials go to curl in a config on standard input, never on its command line (ps would show
# them). In a quoted config value a backslash and a double quote are escaped with a backslash.
quoted=${user//\\/\\\\}:${password//\\/\\\\}
quoted=${quoted//\"/\\\"}
url="${base_url%/}/logon"
code=$(printf 'user = "%s"\n' "$quoted" | curl -sS -K - --proto =http,https --connect-timeout 30 \
  --max-time 120 ${curl_tls[@]+"${curl_tls[@]}"} --data-urlencode "certificate_request@$tmp/req.pem" \
  ${lifetime[@]+"${lifetime[@]}"} -o "$tmp/body" -w '%{http_code}' "$url") || die "cannot reach $url"
if [[ $code != 200 ]]; then
  die "$url answered HTTP $code: $(head -n 1 "$tmp/body" 2>/dev/null | tr -d '\r')"
fi
[[ $(head -n 1 "$tmp/body") == '-----BEGIN CERTIFICATE-----' ]] ||
  die "$url did not answer with a certificate"

# certificate chain first, then the key (myproxy-logon's layout); replaced in one rename
out_dir=$(dirname -- "$out")
new=$(mktemp "$out_dir/.x509up.XXXXXX") || die "cannot write in $out_dir"
trap 'rm -rf "$tmp"; rm -f "$new"' EXIT
cat "$tmp/body" "$tmp/key.pem" >"$new"
chmod 0600 "$new"
mv -f "$new" "$out" || die "cannot write $out"
subject=$(openssl x509 -in "$out" -noout -subject -nameopt RFC2253 2>/dev/null | sed 's/^subject=//')
until=$(openssl x509 -in "$out" -noout -enddate 2>/dev/null | sed 's/^notAfter=//')
echo "A certificate for ${subject:-$user} has been written to $out (valid until ${until:-?})." >&2
