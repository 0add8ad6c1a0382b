#!/usr/bin/env bash
# scripts/peers/myproxy/start.sh — start a throwaway MyProxy server (Globus/GCT myproxy-server 6.2,
# Debian package) on loopback, in stored-credential mode and (as root) online-CA mode at once.
#
# stdout: KEY=value lines only (eval-able); progress goes to stderr. Also written to STATE/env.sh.
# Idempotent: a re-run reuses the CA, certificates, stored credential and a running server (pid
# file + matching command line; the config is reloaded with SIGHUP); it only makes what is missing.
# Installs nothing: the packages come from scripts/peers/install.sh.
#
# What it sets up in MYPROXY_STATE_DIR:
#   ca/            throwaway test CA (ca.pem, ca.key)                       -> MYPROXY_CA_CERT
#   certificates/  hashed trust dir the server serves as trust roots (cert_dir; do not write into it)
#   trust/         a copy of it for clients                                -> X509_CERT_DIR
#   host/          hostcert.pem + hostkey.pem, CN=localhost, SAN DNS:localhost,IP:127.0.0.1
#   storage/       MyProxy repository holding user $MYPROXY_USER: a stored EEC whose key is encrypted
#                  with the passphrase -> GET returns an RFC 3820 proxy signed by it + the EEC (2 certs)
#   client/        usercert.pem, userkey.pem (encrypted), userkey-nopass.pem, proxy.pem (RFC 3820, 12 h)
#   myproxy-server.config, run/myproxy.pid, env.sh
# Online-CA mode (MYPROXY_CA_MODE=1, the default as root): user $MYPROXY_CA_USER has no stored
#   credential; the server is a CA (certificate_issuer_cert) checking the passphrase through PAM
#   (pam_exec + pam-check-pass.sh + a sha256 file in the state dir) -> GET returns one EEC.
#   PAM reads its service files only from /etc/pam.d, so this writes /etc/pam.d/twitcher-myproxy-$PORT
#   (-> MYPROXY_PAM_FILE); stop.sh removes it.
#
# Processes: the server runs as the 'myproxy' system user when started by root (created if
# missing), as the caller otherwise; it daemonises and forks one child per connection.
#
# Env vars:
#   MYPROXY_HOST        bind address, loopback only                   (default 127.0.0.1)
#   MYPROXY_PORT        TCP port                                      (default 17512)
#   MYPROXY_STATE_DIR   state dir; its parents must be searchable by the 'myproxy' user
#                                                                     (default /tmp/twitcher-peers/myproxy-$PORT)
#   MYPROXY_USER / MYPROXY_PASSPHRASE         stored-credential user  (default mpuser / mpuser-pass-1)
#   MYPROXY_CA_MODE     1: also the online CA (needs root)            (default 1 as root, else 0)
#   MYPROXY_CA_USER / MYPROXY_CA_PASSPHRASE   CA-mode user            (default mpca / mpca-pass-1)
#   MYPROXY_SMOKE       1: check with myproxy-logon + openssl after starting (default 1)
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
PEER_NAME=myproxy
# shellcheck source=../lib.sh
. "$HERE/../lib.sh"

HOST=${MYPROXY_HOST:-127.0.0.1}
PORT=${MYPROXY_PORT:-17512}
STATE=${MYPROXY_STATE_DIR:-/tmp/twitcher-peers/myproxy-$PORT}
MP_USER=${MYPROXY_USER:-mpuser}
MP_PASS=${MYPROXY_PASSPHRASE:-mpuser-pass-1}
CA_USER=${MYPROXY_CA_USER:-mpca}
CA_PASS=${MYPROXY_CA_PASSPHRASE:-mpca-pass-1}
SUBJ_BASE="/C=XX/O=TwitcherMyProxyPeer"
PAM_SERVICE=twitcher-myproxy-$PORT
PAM_FILE=/etc/pam.d/$PAM_SERVICE

peers_is_loopback "$HOST" || { peers_log "MYPROXY_HOST=$HOST is not a loopback address"; exit 2; }
case "$PORT" in '' | *[!0-9]*) peers_log "MYPROXY_PORT must be a number"; exit 2 ;; esac
case "$MP_USER$CA_USER" in *[!A-Za-z0-9._-]*) peers_log "user names: letters, digits, . _ - only"; exit 2 ;; esac
if [ "${#MP_PASS}" -lt 6 ] || [ "${#CA_PASS}" -lt 6 ]; then
  peers_log "passphrases need at least 6 characters (MyProxy minimum)"
  exit 2
fi
peers_require_cmd myproxy-server myproxy-logon myproxy-admin-load-credential grid-proxy-init openssl sha256sum

IS_ROOT=0
[ "$(id -u)" = "0" ] && IS_ROOT=1
CA_MODE=${MYPROXY_CA_MODE:-$IS_ROOT}
if [ "$CA_MODE" = "1" ] && [ "$IS_ROOT" != "1" ]; then
  peers_log "MYPROXY_CA_MODE=1 needs root (PAM service file in /etc/pam.d); CA mode disabled"
  CA_MODE=0
fi
T0=$(date +%s%N)

# ---------------------------------------------------------------- state + identities
if [ "$IS_ROOT" = "1" ]; then
  SVC_USER=myproxy
  id "$SVC_USER" >/dev/null 2>&1 || useradd --system --no-create-home --shell /usr/sbin/nologin "$SVC_USER"
  as_svc() { runuser -u "$SVC_USER" -- "$@"; }
else
  SVC_USER=$(id -un)
  as_svc() { "$@"; }
fi
mkdir -p "$STATE"/{ca,certificates,trust,host,user,client,run,storage}
STATE=$(cd "$STATE" && pwd)
chmod 755 "$STATE" "$STATE/certificates" "$STATE/trust" "$STATE/run"
chmod 700 "$STATE/host" "$STATE/user" "$STATE/client" "$STATE/storage"
PIDFILE=$STATE/run/myproxy.pid
MATCH="$STATE/myproxy-server.config"
umask 022
as_svc test -x "$STATE" || {
  peers_log "$STATE is not reachable by user $SVC_USER (its parent dirs must be searchable)"
  exit 1
}

if [ ! -s "$STATE/ca/ca.pem" ]; then
  peers_log "creating the test CA"
  openssl req -x509 -newkey rsa:2048 -nodes -sha256 -days 30 -keyout "$STATE/ca/ca.key" -out "$STATE/ca/ca.pem" \
    -subj "$SUBJ_BASE/CN=MyProxy Peer Test CA" \
    -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" \
    -addext "subjectKeyIdentifier=hash" 2>/dev/null
  rm -f "$STATE/host/hostcert.pem" "$STATE/user/usercert.pem"
fi
HASH=$(openssl x509 -in "$STATE/ca/ca.pem" -noout -subject_hash)
for d in certificates trust; do
  cp "$STATE/ca/ca.pem" "$STATE/$d/$HASH.0"
  # Globus clients (myproxy-logon, grid-proxy-*) refuse a CA without a signing_policy file
  printf "access_id_CA X509 '%s/CN=MyProxy Peer Test CA'\npos_rights globus CA:sign\ncond_subjects globus '\"%s/*\"'\n" \
    "$SUBJ_BASE" "$SUBJ_BASE" >"$STATE/$d/$HASH.signing_policy"
  chmod 644 "$STATE/$d/$HASH.0" "$STATE/$d/$HASH.signing_policy"
done

sign() { # sign CSR OUT EXTFILE
  openssl x509 -req -in "$1" -CA "$STATE/ca/ca.pem" -CAkey "$STATE/ca/ca.key" -CAcreateserial \
    -CAserial "$STATE/ca/ca.srl" -days 30 -sha256 -extfile "$3" -out "$2" 2>/dev/null
}
if [ ! -s "$STATE/host/hostcert.pem" ] || ! openssl x509 -in "$STATE/host/hostcert.pem" -noout -checkend 3600 >/dev/null; then
  peers_log "creating the host certificate CN=localhost"
  printf '%s\n' "basicConstraints=critical,CA:FALSE" "keyUsage=critical,digitalSignature,keyEncipherment" \
    "extendedKeyUsage=serverAuth,clientAuth" "subjectAltName=DNS:localhost,IP:127.0.0.1" \
    "subjectKeyIdentifier=hash" "authorityKeyIdentifier=keyid" >"$STATE/host/ext.cnf"
  openssl req -new -newkey rsa:2048 -nodes -keyout "$STATE/host/hostkey.pem" -out "$STATE/host/host.csr" \
    -subj "$SUBJ_BASE/CN=localhost" 2>/dev/null
  sign "$STATE/host/host.csr" "$STATE/host/hostcert.pem" "$STATE/host/ext.cnf"
fi
# a changed MYPROXY_USER or MYPROXY_PASSPHRASE since the last run: make the user credential again
if [ -s "$STATE/user/usercert.pem" ] && {
  ! openssl x509 -in "$STATE/user/usercert.pem" -noout -subject -nameopt compat | grep -q "/CN=$MP_USER\$" ||
    ! openssl rsa -in "$STATE/user/userkey.pem" -passin "pass:$MP_PASS" -noout 2>/dev/null
}; then
  peers_log "user or passphrase changed; making the user credential again"
  rm -f "$STATE/user/usercert.pem" "$STATE/storage/"*.creds "$STATE/storage/"*.data
fi
if [ ! -s "$STATE/user/usercert.pem" ]; then
  peers_log "creating the user certificate of $MP_USER (key encrypted with the MyProxy passphrase)"
  printf '%s\n' "basicConstraints=critical,CA:FALSE" "keyUsage=critical,digitalSignature,keyEncipherment,dataEncipherment" \
    "extendedKeyUsage=clientAuth" "subjectKeyIdentifier=hash" "authorityKeyIdentifier=keyid" >"$STATE/user/ext.cnf"
  openssl genrsa -traditional -aes256 -passout "pass:$MP_PASS" -out "$STATE/user/userkey.pem" 2048 2>/dev/null
  openssl req -new -key "$STATE/user/userkey.pem" -passin "pass:$MP_PASS" -out "$STATE/user/user.csr" \
    -subj "$SUBJ_BASE/OU=Users/CN=$MP_USER" 2>/dev/null
  sign "$STATE/user/user.csr" "$STATE/user/usercert.pem" "$STATE/user/ext.cnf"
  rm -f "$STATE/storage/$MP_USER.creds" "$STATE/storage/$MP_USER.data" "$STATE/client/proxy.pem"
fi

# client-side copies, owned by the caller (Globus tools insist on owner == current user)
cp "$STATE/user/usercert.pem" "$STATE/client/usercert.pem"
cp "$STATE/user/userkey.pem" "$STATE/client/userkey.pem"
openssl rsa -in "$STATE/user/userkey.pem" -passin "pass:$MP_PASS" -out "$STATE/client/userkey-nopass.pem" 2>/dev/null
chmod 644 "$STATE/client/usercert.pem"
chmod 600 "$STATE/client/userkey.pem" "$STATE/client/userkey-nopass.pem"

# ---------------------------------------------------------------- server config
{
  echo "# generated by scripts/peers/myproxy/start.sh: MyProxy peer for tests (loopback only)"
  echo 'accepted_credentials  "*"'
  echo 'authorized_retrievers "*"'
  echo 'default_retrievers    "*"'
  echo 'authorized_renewers   "*"'
  echo "cert_dir $STATE/certificates"
  echo "max_proxy_lifetime 24"
  echo "request_timeout 30"
  if [ "$CA_MODE" = "1" ]; then
    echo "certificate_issuer_cert $STATE/ca/ca.pem"
    echo "certificate_issuer_key $STATE/ca/ca.key"
    echo "certificate_serialfile $STATE/ca/myproxy-serial"
    echo "certificate_mapfile $STATE/grid-mapfile"
    echo "max_cert_lifetime 12"
    echo "min_keylen 2048"
    echo "pam sufficient"
    echo "pam_id $PAM_SERVICE"
  fi
} >"$STATE/myproxy-server.config"
chmod 644 "$STATE/myproxy-server.config"

if [ "$CA_MODE" = "1" ]; then
  printf '"%s/OU=Users/CN=%s" %s\n' "$SUBJ_BASE" "$CA_USER" "$CA_USER" >"$STATE/grid-mapfile"
  printf '%s:%s\n' "$CA_USER" "$(printf '%s:%s' "$CA_USER" "$CA_PASS" | sha256sum | cut -d' ' -f1)" >"$STATE/users.sha256"
  install -m 755 "$HERE/pam-check-pass.sh" "$STATE/pam-check-pass.sh"
  printf '%s\n' "# generated by scripts/peers/myproxy/start.sh (state $STATE); removed by stop.sh" \
    "auth    required pam_exec.so quiet expose_authtok $STATE/pam-check-pass.sh" \
    "account required pam_permit.so" >"$PAM_FILE"
  chmod 644 "$PAM_FILE" "$STATE/grid-mapfile" "$STATE/users.sha256"
fi

# ownership for the service account (the server and myproxy-admin-load-credential run as it)
if [ "$IS_ROOT" = "1" ]; then
  chown -R "$SVC_USER:" "$STATE/ca" "$STATE/host" "$STATE/user" "$STATE/storage" "$STATE/run"
  if [ "$CA_MODE" = "1" ]; then chown "$SVC_USER:" "$STATE/users.sha256" "$STATE/grid-mapfile" "$STATE/pam-check-pass.sh"; fi
fi
chmod 755 "$STATE/ca"
chmod 644 "$STATE/ca/ca.pem" # the CA certificate stays readable by clients
chmod 600 "$STATE/ca/ca.key" "$STATE/host/hostkey.pem" "$STATE/user/userkey.pem"

# ---------------------------------------------------------------- stored credential
if [ ! -s "$STATE/storage/$MP_USER.creds" ]; then
  peers_log "loading the credential of $MP_USER into the repository"
  as_svc myproxy-admin-load-credential -s "$STATE/storage" -c "$STATE/user/usercert.pem" \
    -y "$STATE/user/userkey.pem" -l "$MP_USER" -t 12 >&2
fi

# ---------------------------------------------------------------- start the server
if PID=$(peers_pid_alive "$PIDFILE" "$MATCH"); then
  peers_log "already running (pid $PID); reloading its config with SIGHUP"
  kill -HUP "$PID"
else
  rm -f "$PIDFILE"
  if peers_port_busy "$HOST" "$PORT"; then
    peers_log "port $HOST:$PORT is already in use"
    exit 1
  fi
  peers_log "starting myproxy-server on $HOST:$PORT"
  # daemon mode (a child per connection; -d would serve one request and exit); logs go to syslog
  as_svc env X509_USER_CERT="$STATE/host/hostcert.pem" X509_USER_KEY="$STATE/host/hostkey.pem" \
    X509_CERT_DIR="$STATE/certificates" \
    myproxy-server -c "$STATE/myproxy-server.config" -s "$STATE/storage" -l "$HOST" -p "$PORT" -P "$PIDFILE" -v >&2
  for _ in $(seq 1 100); do
    PID=$(peers_pid_alive "$PIDFILE" "$MATCH") && peers_port_busy "$HOST" "$PORT" && break
    sleep 0.1
  done
  PID=$(peers_pid_alive "$PIDFILE" "$MATCH") || { peers_log "server did not start (no live pid in $PIDFILE)"; exit 1; }
  peers_port_busy "$HOST" "$PORT" || { peers_log "server pid $PID does not listen on $HOST:$PORT"; exit 1; }
fi

# ---------------------------------------------------------------- an RFC 3820 proxy for client-certificate tests
if [ ! -s "$STATE/client/proxy.pem" ] || ! openssl x509 -in "$STATE/client/proxy.pem" -noout -checkend 3600 >/dev/null 2>&1; then
  rm -f "$STATE/client/proxy.pem"
  printf '%s\n' "$MP_PASS" | X509_CERT_DIR="$STATE/trust" grid-proxy-init -rfc -pwstdin -q -valid 12:00 \
    -cert "$STATE/client/usercert.pem" -key "$STATE/client/userkey.pem" -out "$STATE/client/proxy.pem" >&2
fi

# ---------------------------------------------------------------- smoke test
if [ "${MYPROXY_SMOKE:-1}" = "1" ]; then
  out=$(mktemp -d)
  printf '%s\n' "$MP_PASS" | X509_CERT_DIR="$STATE/trust" myproxy-logon -s localhost -p "$PORT" -l "$MP_USER" -S -t 1 -o "$out/p.pem" >&2
  awk '/BEGIN CERTIFICATE/{n++} n==1' "$out/p.pem" | sed '/END CERTIFICATE/q' >"$out/leaf.pem"
  awk '/BEGIN CERTIFICATE/{n++} n==2' "$out/p.pem" >"$out/eec.pem"
  openssl verify -allow_proxy_certs -CApath "$STATE/trust" -untrusted "$out/eec.pem" "$out/leaf.pem" >&2
  if [ "$CA_MODE" = "1" ]; then
    printf '%s\n' "$CA_PASS" | X509_CERT_DIR="$STATE/trust" myproxy-logon -s localhost -p "$PORT" -l "$CA_USER" -S -t 1 -o "$out/ca.pem" >&2
    openssl verify -CApath "$STATE/trust" "$out/ca.pem" >&2
  fi
  rm -rf "$out"
  peers_log "smoke test OK"
fi

# ---------------------------------------------------------------- environment for tests
{
  echo "MYPROXY_HOST=$HOST"
  echo "MYPROXY_SERVERNAME=localhost"
  echo "MYPROXY_PORT=$PORT"
  echo "MYPROXY_STATE_DIR=$STATE"
  echo "MYPROXY_PID_FILE=$PIDFILE"
  echo "MYPROXY_PID=$PID"
  echo "MYPROXY_CA_CERT=$STATE/ca/ca.pem"
  echo "MYPROXY_SERVER_DN='$SUBJ_BASE/CN=localhost'"
  echo "X509_CERT_DIR=$STATE/trust"
  echo "MYPROXY_USER=$MP_USER"
  echo "MYPROXY_PASSPHRASE=$MP_PASS"
  if [ "$CA_MODE" = "1" ]; then
    echo "MYPROXY_CA_USER=$CA_USER"
    echo "MYPROXY_CA_PASSPHRASE=$CA_PASS"
    echo "MYPROXY_CA_USER_DN='$SUBJ_BASE/OU=Users/CN=$CA_USER'"
    echo "MYPROXY_PAM_FILE=$PAM_FILE"
  fi
  echo "MYPROXY_USER_CERT=$STATE/client/usercert.pem"
  echo "MYPROXY_USER_KEY=$STATE/client/userkey-nopass.pem"
  echo "MYPROXY_USER_DN='$SUBJ_BASE/OU=Users/CN=$MP_USER'"
  echo "MYPROXY_TEST_PROXY=$STATE/client/proxy.pem"
} | tee "$STATE/env.sh"
peers_log "ready in $((($(date +%s%N) - T0) / 1000000)) ms (pid $PID, CA mode $CA_MODE); env in $STATE/env.sh"
