#!/usr/bin/python3
"""Serve the peer WPS: PyWPS 4.5 under waitress (threaded WSGI), for Twitcher's interop tests.

Routes:
  /wps          the PyWPS service (GetCapabilities, DescribeProcess, Execute; KVP GET and XML POST)
  /outputs/...  stored outputs and async status documents (statusLocation), Cache-Control: no-cache
  /             a short text index

Configured by environment variables (see ../start.sh, which runs this script). It writes
$WPS_STATE_DIR/pywps.cfg and hands PyWPS only that file (PyWPS itself also reads /etc/pywps.cfg,
~/.pywps.cfg and $PYWPS_CFG when they exist). Needs Debian's /usr/bin/python3: PyWPS, waitress and
werkzeug are in its dist-packages.
"""
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)


def env(name, default):
    value = os.environ.get(name)
    return value if value else default


HOST = env('WPS_HOST', '127.0.0.1')
PORT = int(env('WPS_PORT', '5000'))
STATE = os.path.abspath(env('WPS_STATE_DIR', '/tmp/twitcher-peers/wps'))
PUBLIC = env('WPS_PUBLIC_URL', 'http://{}:{}'.format(HOST, PORT)).rstrip('/')
THREADS = int(env('WPS_THREADS', '8'))
MAXSIZE = env('WPS_MAX_INPUT_SIZE', '200mb')
PARALLEL = env('WPS_PARALLEL_PROCESSES', '16')
LOGLEVEL = env('WPS_LOG_LEVEL', 'INFO')
# Seconds an idle connection is kept (waitress checks every second here; gunicorn's default is 2).
CHANNEL_TIMEOUT = int(env('WPS_CHANNEL_TIMEOUT', '300'))

# The service has no authentication of its own: it must not be reachable from other machines.
if not (HOST in ('localhost', '::1') or HOST.startswith('127.')):
    sys.exit('serve.py: refusing to bind non-loopback host {!r}'.format(HOST))

for sub in ('outputs', 'workdir', 'tmp'):
    os.makedirs(os.path.join(STATE, sub), exist_ok=True)

# PyWPS enforces parallelprocesses by counting 'running' jobs in this sqlite db. Jobs killed by
# stop.sh stay 'running' there for ever, so every start begins with an empty db.
# (The default in-memory db does not work: async jobs run in forked processes.)
DB = os.path.join(STATE, 'pywps-logs.sqlite')
if os.path.exists(DB):
    os.remove(DB)


def cfg_value(value):
    # PyWPS's ConfigParser interpolates '%' (and is seeded with os.environ): escape it
    return str(value).replace('%', '%%')


# url        -> every ows:Operation href in capabilities
# outputurl  -> statusLocation and output references (must end with '/'); served from outputpath
# maxsingleinputsize / maxrequestsize: PyWPS defaults are 1mb / 3mb, too small for echo tests
# parallelprocesses counts sync+async jobs; PyWPS's default (2) gives ServerBusy under any load
CFG = os.path.join(STATE, 'pywps.cfg')
with open(CFG, 'w') as f:
    f.write("""[server]
url = {public}/wps
outputurl = {public}/outputs/
outputpath = {state}/outputs
workdir = {state}/workdir
temp_path = {state}/tmp
maxsingleinputsize = {maxsize}
maxrequestsize = {maxsize}
maxprocesses = 30
parallelprocesses = {parallel}
allowedinputpaths =
cleantempdir = true
storagetype = file
storage_copy_function = copy

[processing]
mode = default

[logging]
level = {level}
file = {state}/pywps.log
database = sqlite:///{state}/pywps-logs.sqlite

[metadata:main]
identification_title = Twitcher peer WPS (PyWPS)
identification_abstract = Real PyWPS upstream for the Twitcher security proxy's interop tests.
identification_keywords = PyWPS,WPS,OGC,test
provider_name = twitcher-peers
provider_url = {public}/
""".format(public=cfg_value(PUBLIC), state=cfg_value(STATE), maxsize=cfg_value(MAXSIZE),
           parallel=cfg_value(PARALLEL), level=cfg_value(LOGLEVEL)))

import pywps  # noqa: E402
from pywps import Service  # noqa: E402
from werkzeug.middleware.shared_data import SharedDataMiddleware  # noqa: E402

from processes import all_processes  # noqa: E402

service = Service(processes=all_processes(), cfgfiles=[CFG])


def not_found(environ, start_response):
    body = b'not found\n'
    start_response('404 Not Found', [('Content-Type', 'text/plain'),
                                     ('Content-Length', str(len(body)))])
    return [body]


static_outputs = SharedDataMiddleware(not_found, {'/outputs': os.path.join(STATE, 'outputs')},
                                      cache=False)


def outputs_app(environ, start_response):
    # Status documents change while a job runs; werkzeug would send 'Cache-Control: public'.
    def no_cache(status, headers, exc_info=None):
        headers = [(k, v) for k, v in headers if k.lower() != 'cache-control']
        headers.append(('Cache-Control', 'no-cache'))
        return start_response(status, headers, exc_info)
    return static_outputs(environ, no_cache)


def application(environ, start_response):
    path = environ.get('PATH_INFO') or '/'
    if path in ('/wps', '/wps/'):
        return service(environ, start_response)
    if path.startswith('/outputs/'):
        return outputs_app(environ, start_response)
    if path == '/':
        body = 'Twitcher peer WPS (PyWPS {})\nWPS endpoint: {}/wps\noutputs: {}/outputs/\n'.format(
            pywps.__version__, PUBLIC, PUBLIC).encode()
        start_response('200 OK', [('Content-Type', 'text/plain'),
                                  ('Content-Length', str(len(body)))])
        return [body]
    return not_found(environ, start_response)


if __name__ == '__main__':
    import waitress
    print('peer WPS on http://{}:{}/wps (public URL {}/wps, state {}, {} threads)'.format(
        HOST, PORT, PUBLIC, STATE, THREADS), flush=True)
    waitress.serve(application, host=HOST, port=PORT, threads=THREADS, ident='twitcher-peer-pywps',
                   channel_timeout=CHANNEL_TIMEOUT, cleanup_interval=1,
                   max_request_body_size=1024 * 1024 * 1024)
