#!/bin/sh
# PAM helper of the MyProxy peer's online-CA mode (copied into the state dir by start.sh).
# pam_exec with 'expose_authtok' passes the passphrase on stdin (NUL-terminated) and the user name
# in $PAM_USER. Succeeds when sha256("user:passphrase") is the digest listed for that user in
# users.sha256 beside this script (lines "user:hexdigest").
pw=$(tr -d '\000' | head -c 1024)
db="$(dirname "$0")/users.sha256"
want=$(awk -F: -v u="$PAM_USER" '$1 == u { print $2 }' "$db")
[ -n "$want" ] || exit 1
got=$(printf '%s:%s' "$PAM_USER" "$pw" | sha256sum | cut -d' ' -f1)
[ "$got" = "$want" ]
