#!/usr/bin/python3
"""oauth_client.py — fetch an access token with a real OAuth2 client library.

Uses Debian's python3-requests-oauthlib: BackendApplicationClient (the client credentials grant,
RFC 6749 §4.4), as the seeds' twitcherctl gentoken does.

Usage: oauth_client.py TOKEN_URL CLIENT_ID CLIENT_SECRET [SCOPE ...]
Prints the token response as one JSON line; exit 0 on success, 1 when the server refused
(the error is printed as JSON on stdout too), 2 on usage errors.
Run with /usr/bin/python3 (the Debian modules live in dist-packages).
"""
import json
import os
import sys

# oauthlib refuses plain http unless told otherwise; the tests run on loopback.
os.environ.setdefault('OAUTHLIB_INSECURE_TRANSPORT', '1')

from oauthlib.oauth2 import BackendApplicationClient  # noqa: E402
from oauthlib.oauth2.rfc6749.errors import OAuth2Error  # noqa: E402
from requests_oauthlib import OAuth2Session  # noqa: E402


def main(argv):
    if len(argv) < 3:
        print(__doc__, file=sys.stderr)
        return 2
    token_url, client_id, client_secret, *scopes = argv
    session = OAuth2Session(client=BackendApplicationClient(client_id=client_id, scope=scopes or None))
    try:
        token = session.fetch_token(token_url=token_url, client_id=client_id,
                                    client_secret=client_secret, scope=scopes or None, timeout=30)
    except OAuth2Error as e:
        print(json.dumps({'error': e.error, 'description': e.description, 'status': e.status_code}))
        return 1
    print(json.dumps(dict(token)))
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
