#!/usr/bin/python3
"""owslib_client.py — drive a real OGC client, OWSLib (Debian python3-owslib 0.27), against a URL.

Usage:
  owslib_client.py wps    URL [options]   e.g. http://127.0.0.1:5000/wps
  owslib_client.py wms    URL [options]   e.g. http://127.0.0.1:5001/ows
  owslib_client.py wfs    URL [options]
  owslib_client.py wcs    URL [options]
  owslib_client.py ogcapi URL [options]   OGC API Features root, e.g. http://127.0.0.1:5001/ows/peers/ogcapi

Steps (select with --steps KEY,KEY; the default runs all of the service's steps):
  wps     caps      wps.GetCapabilities            list the process ids
          describe  wps.DescribeProcess.hello
          hello     wps.Execute.hello.sync         expects "Hello OWSLib"
          sleep     wps.Execute.sleep.async        polls statusLocation until the job completes
          echo      wps.Execute.echo.asReference   output stored as a reference, fetched with retrieveData
          process   wps.Execute.<ID>               only with --process ID (inputs from --input)
  wms     caps      wms.GetCapabilities            getmap  wms.GetMap.png
  wfs     caps      wfs.GetCapabilities            getfeature  wfs.GetFeature
  wcs     caps      wcs.GetCapabilities            getcoverage  wcs.GetCoverage.tiff
  ogcapi  landing   ogcapi.landing                 collections  ogcapi.collections   items  ogcapi.items
For wms, wfs, wcs and ogcapi the first step always runs when a later one is selected (OWSLib needs
the capabilities / landing page); when it fails, the later steps are skipped. For wps every selected step runs even when an earlier one failed.

Options:
  --token T             send 'Authorization: Bearer T' on every request (OWSLib's headers=)
  --header 'K: V'       extra request header (repeatable)
  --cert FILE           wps: present this client certificate (PEM with its key, e.g. an RFC 3820
                        proxy file from grid-proxy-init or myproxy-logon; OWSLib's cert=)
  --insecure            wps: do not verify the server's TLS certificate (OWSLib's verify=False)
  --expect-fail         succeed only when every step that ran failed (e.g. a proxy without a token)
  --steps a,b           run only these steps (keys above, or full step names)
  --process ID          add an Execute step for process ID (sync; outputs reported)
  --input NAME=VALUE    input for --process (repeatable); VALUE 'href:URL' is passed by reference
  --timeout S           per-request timeout and bound of the async polling (default 60)
  --allow-foreign-urls  do not fail a step that requested a URL outside URL's scheme://host:port
  --sleep-delay S       delay input of the async sleep step (default 1)
  --echo-bytes N        size of the echo step's text/plain payload (default 65536)
  --out DIR             where GetMap PNG / GetCoverage TIFF are written (default: a new temp dir)
  --layers L1,L2 --typename T --coverage C --collection C --wms-version V --wfs-version V

Output: one JSON object per line per step,
  {"step": "wps.GetCapabilities", "ok": true, "ms": 12.3,
   "requests": [{"method": "GET", "url": "...", "status": 200, "auth": false, "bytes": 4734}], ...data}
with "error" when the step failed, then a final {"step": "summary", "ok": ..., ...} line.
Every HTTP request OWSLib makes is recorded by wrapping requests.Session.send. A step FAILS when
one of its requests left URL's scheme://host:port (behind a proxy: a capabilities/status/output
URL was not rewritten, the client went around the proxy) unless --allow-foreign-urls, and when
--token was given but a request went out without an Authorization header.
Exit status: 0 all steps passed, 1 otherwise, 2 usage error (or OWSLib missing).
Run it with Debian's /usr/bin/python3: OWSLib lives in its dist-packages.
"""
import argparse
import json
import os
import sys
import tempfile
import time
import traceback
from urllib.parse import urlsplit

try:
    import owslib
    import requests
except ImportError as e:  # pragma: no cover
    sys.stderr.write('owslib_client: {} (install python3-owslib, run with /usr/bin/python3)\n'.format(e))
    sys.exit(2)

STEPS = {
    'wps': [('caps', 'wps.GetCapabilities'), ('describe', 'wps.DescribeProcess.hello'),
            ('hello', 'wps.Execute.hello.sync'), ('sleep', 'wps.Execute.sleep.async'),
            ('echo', 'wps.Execute.echo.asReference'), ('process', 'wps.Execute.<ID>')],
    'wms': [('caps', 'wms.GetCapabilities'), ('getmap', 'wms.GetMap.png')],
    'wfs': [('caps', 'wfs.GetCapabilities'), ('getfeature', 'wfs.GetFeature')],
    'wcs': [('caps', 'wcs.GetCapabilities'), ('getcoverage', 'wcs.GetCoverage.tiff')],
    'ogcapi': [('landing', 'ogcapi.landing'), ('collections', 'ogcapi.collections'),
               ('items', 'ogcapi.items')],
}

# ------------------------------------------------------------------ request recording
_requests = []
_original_send = requests.Session.send


def _recording_send(self, request, **kwargs):
    entry = {'method': request.method, 'url': request.url,
             'auth': 'Authorization' in request.headers}
    _requests.append(entry)
    try:
        resp = _original_send(self, request, **kwargs)
    except Exception as e:
        entry['error'] = type(e).__name__
        raise
    entry['status'] = resp.status_code
    if not kwargs.get('stream'):
        entry['bytes'] = len(resp.content)
    return resp


requests.Session.send = _recording_send


def origin(url):
    p = urlsplit(url)
    return (p.scheme, (p.hostname or '').lower(), p.port or (443 if p.scheme == 'https' else 80))


class StepSkipped(Exception):
    pass


class Client:
    def __init__(self, args):
        self.args = args
        self.results = []
        self.skipped = []
        self.headers = {}
        if args.token:
            self.headers['Authorization'] = 'Bearer ' + args.token
        for h in args.header or []:
            k, _, v = h.partition(':')
            self.headers[k.strip()] = v.strip()
        self.out = args.out or tempfile.mkdtemp(prefix='owslib_client_')
        os.makedirs(self.out, exist_ok=True)
        self.base_origin = origin(args.url)
        self.selected = None
        if args.steps:
            self.selected = set(s.strip() for s in args.steps.split(',') if s.strip())

    def hdrs(self):
        # A fresh dict every time: openURL adds Content-Type to the dict it gets on POST, and
        # owslib.ogcapi merges headers into a module-global dict.
        return dict(self.headers) if self.headers else None

    def wants(self, key, name):
        return self.selected is None or key in self.selected or name in self.selected

    def step(self, name, fn):
        del _requests[:]
        res = {'step': name, 'ok': False}
        t0 = time.perf_counter()
        try:
            res.update(fn() or {})
            res['ok'] = True
        except Exception as e:  # noqa: BLE001 — every failure is a step result
            res['error'] = '{}: {}'.format(type(e).__name__, str(e)[:500])
            if os.environ.get('OWSLIB_CLIENT_DEBUG'):
                traceback.print_exc()
        res['ms'] = round((time.perf_counter() - t0) * 1000, 1)
        res['requests'] = list(_requests)
        foreign = sorted({r['url'] for r in _requests if origin(r['url']) != self.base_origin})
        if foreign:
            res['foreign_urls'] = foreign
            if res['ok'] and not self.args.allow_foreign_urls:
                res['ok'] = False
                res['error'] = 'requested URL(s) outside {}://{}:{} (not rewritten by the proxy?)'.format(
                    *self.base_origin)
        if 'Authorization' in self.headers:
            missing = [r['url'] for r in _requests if not r['auth']]
            if missing:
                res['auth_header_missing'] = missing
                if res['ok']:
                    res['ok'] = False
                    res['error'] = 'a request went out without the Authorization header'
        if self.args.expect_fail:
            res['expected_failure'] = not res['ok']
        print(json.dumps(res), flush=True)
        self.results.append(res)
        return res

    def passed(self, res):
        return not res['ok'] if self.args.expect_fail else res['ok']

    # -------------------------------------------------------------- WPS
    def wps(self):
        # OWSLib 0.27: execute() compares mode with 'is' (use the SYNC/ASYNC constants), and writes
        # a ResponseForm (storeExecuteResponse + status) only when output= is given: without it an
        # "async" execute silently runs synchronously.
        from owslib.wps import ASYNC, SYNC, ComplexDataInput, WebProcessingService
        a = self.args
        # skip_caps: no request yet, so each step stands alone (and fails alone)
        tls = {}
        if a.cert:
            tls['cert'] = a.cert
        if a.insecure:
            tls['verify'] = False
        wps = WebProcessingService(a.url, version='1.0.0', headers=self.hdrs(), skip_caps=True,
                                   timeout=a.timeout, **tls)

        def check_succeeded(ex):
            if not ex.isSucceded():
                raise RuntimeError('status {}: {}'.format(ex.status, [e.text for e in ex.errors]))

        def caps():
            wps.getcapabilities()
            return {'title': wps.identification.title,
                    'processes': [p.identifier for p in wps.processes],
                    'operation_urls': {o.name: [m.get('url') for m in o.methods]
                                       for o in wps.operations}}

        def describe():
            p = wps.describeprocess('hello')
            return {'identifier': p.identifier, 'inputs': [i.identifier for i in p.dataInputs],
                    'outputs': [o.identifier for o in p.processOutputs],
                    'storeSupported': p.storeSupported, 'statusSupported': p.statusSupported}

        def hello():
            ex = wps.execute('hello', [('name', 'OWSLib')], output=[('output', False, None)], mode=SYNC)
            check_succeeded(ex)
            data = ex.processOutputs[0].data
            if data != ['Hello OWSLib']:
                raise RuntimeError('unexpected output {!r}'.format(data))
            return {'status': ex.status, 'output': data[0]}

        def sleep():
            ex = wps.execute('sleep', [('delay', str(a.sleep_delay))], output=[('output', False, None)],
                             mode=ASYNC)
            location = ex.statusLocation
            if not location:
                raise RuntimeError('no statusLocation: the job ran synchronously ({})'.format(ex.status))
            seen = [ex.status]
            deadline = time.time() + a.timeout
            while not ex.isComplete():
                if time.time() > deadline:
                    raise RuntimeError('job not complete after {}s (status {})'.format(a.timeout, ex.status))
                ex.checkStatus(sleepSecs=0.3)
                if ex.status is None:
                    raise RuntimeError('could not read the status document ' + str(location))
                seen.append(ex.status)
            check_succeeded(ex)
            # PyWPS rewrites status documents in place: a poll may read an empty 200. OWSLib then
            # keeps the previous status, so these reads are counted, not failed.
            empty = sum(1 for r in _requests if r['url'] == location and r.get('bytes') == 0)
            return {'statusLocation': location, 'polls': len(seen) - 1, 'empty_status_reads': empty,
                    'statuses': sorted(set(s for s in seen if s)), 'output': ex.processOutputs[0].data}

        def echo():
            line = 'x' * 1023 + '\n'
            payload = (line * (a.echo_bytes // len(line) + 1))[:a.echo_bytes]
            ex = wps.execute('echo', [('input', ComplexDataInput(payload, mimeType='text/plain'))],
                             output=[('output', True, 'text/plain')], mode=SYNC)
            check_succeeded(ex)
            out = ex.processOutputs[0]
            if not out.reference:
                raise RuntimeError('output was not returned as a reference')
            got = out.retrieveData(headers=self.hdrs())
            got = got.decode() if isinstance(got, bytes) else got
            if got != payload:
                raise RuntimeError('echo mismatch: sent {} bytes, got {}'.format(len(payload), len(got)))
            return {'bytes': len(payload), 'reference': out.reference}

        def process():
            inputs = []
            for item in a.input or []:
                name, _, value = item.partition('=')
                if value.startswith('href:'):
                    inputs.append((name, ComplexDataInput(value[5:])))
                else:
                    inputs.append((name, value))
            ex = wps.execute(a.process, inputs, mode=SYNC)
            check_succeeded(ex)
            outputs = {}
            for o in ex.processOutputs:
                outputs[o.identifier] = o.reference or [str(d)[:200] for d in (o.data or [])]
            return {'process': a.process, 'status': ex.status, 'outputs': outputs}

        fns = {'caps': caps, 'describe': describe, 'hello': hello, 'sleep': sleep, 'echo': echo}
        for key, name in STEPS['wps']:
            if key == 'process':
                if a.process and self.wants(key, 'wps.Execute.' + a.process):
                    self.step('wps.Execute.' + a.process, process)
            elif self.wants(key, name):
                self.step(name, fns[key])

    # -------------------------------------------------------------- WMS / WFS / WCS
    def _caps_then(self, service, make, caps_data, rest):
        """Runs the service's first step (capabilities / landing page: always, when any step of
        the service is selected), then the selected later steps, which need its object."""
        keys = STEPS[service]
        later = [(k, n) for k, n in keys[1:] if self.wants(k, n)]
        if not later and not self.wants(*keys[0]):
            return
        state = {}

        def caps():
            state['svc'] = make()
            return caps_data(state['svc'])

        self.step(keys[0][1], caps)
        for key, name in later:
            if 'svc' in state:
                self.step(name, lambda fn=rest[key]: fn(state['svc']))
            else:
                self.skipped.append(name)

    def wms(self):
        from owslib.wms import WebMapService
        a = self.args

        def getmap(w):
            # default: the first two leaf layers (MapServer lists the map itself as the root layer)
            layers = a.layers.split(',') if a.layers else [n for n, lay in w.contents.items()
                                                           if not lay.layers][:2]
            img = w.getmap(layers=layers, styles=[''] * len(layers), srs='EPSG:4326',
                           bbox=(-180.0, -90.0, 180.0, 90.0), size=(512, 256), format='image/png',
                           transparent=False)
            data = img.read()
            if not data.startswith(b'\x89PNG\r\n\x1a\n'):
                raise RuntimeError('not a PNG: {!r}'.format(data[:300]))
            path = os.path.join(self.out, 'getmap.png')
            with open(path, 'wb') as f:
                f.write(data)
            return {'layers': layers, 'bytes': len(data), 'png': path}

        self._caps_then(
            'wms',
            lambda: WebMapService(a.url, version=a.wms_version, headers=self.hdrs(), timeout=a.timeout),
            lambda w: {'title': w.identification.title, 'version': w.version, 'layers': list(w.contents),
                       'getmap_urls': [m.get('url') for m in w.getOperationByName('GetMap').methods]},
            {'getmap': getmap})

    def wfs(self):
        from owslib.wfs import WebFeatureService
        a = self.args

        def getfeature(w):
            typename = a.typename or list(w.contents)[0]
            data = w.getfeature(typename=[typename], maxfeatures=5).read()
            data = data.encode() if isinstance(data, str) else data
            if b'FeatureCollection' not in data[:4000]:
                raise RuntimeError('no FeatureCollection: {!r}'.format(data[:300]))
            return {'typename': typename, 'bytes': len(data),
                    'features': data.count(b'<wfs:member>') + data.count(b'<gml:featureMember>')}

        self._caps_then(
            'wfs',
            lambda: WebFeatureService(a.url, version=a.wfs_version, headers=self.hdrs(), timeout=a.timeout),
            lambda w: {'title': w.identification.title, 'version': w.version,
                       'typenames': list(w.contents)},
            {'getfeature': getfeature})

    def wcs(self):
        from owslib.wcs import WebCoverageService
        a = self.args

        def getcoverage(w):
            cid = a.coverage or list(w.contents)[0]
            data = w.getCoverage(identifier=cid, bbox=(-180, -90, 180, 90), crs='EPSG:4326',
                                 format='GTiff', width=360, height=180).read()
            if data[:4] not in (b'II*\x00', b'MM\x00*'):
                raise RuntimeError('not a TIFF: {!r}'.format(data[:300]))
            path = os.path.join(self.out, 'getcoverage.tif')
            with open(path, 'wb') as f:
                f.write(data)
            return {'coverage': cid, 'bytes': len(data), 'tiff': path}

        self._caps_then(
            'wcs',
            lambda: WebCoverageService(a.url, version='1.0.0', headers=self.hdrs(), timeout=a.timeout),
            lambda w: {'title': w.identification.title, 'coverages': list(w.contents)},
            {'getcoverage': getcoverage})

    # -------------------------------------------------------------- OGC API Features
    def ogcapi(self):
        from owslib.ogcapi.features import Features
        a = self.args
        ids = []

        def make():
            headers = self.hdrs() or {}
            headers.setdefault('Accept', 'application/json')
            return Features(a.url, headers=headers, timeout=a.timeout)  # fetches the landing page

        def collections(api):
            ids[:] = api.feature_collections()
            return {'collections': ids}

        def items(api):
            cid = a.collection or (ids or api.feature_collections())[0]
            fc = api.collection_items(cid, limit=3)
            n = len(fc.get('features', []))
            if fc.get('type') != 'FeatureCollection' or n == 0:
                raise RuntimeError('unexpected items response: {}'.format(str(fc)[:300]))
            return {'collection': cid, 'features': n,
                    'next': [lk['href'] for lk in fc.get('links', []) if lk.get('rel') == 'next'][:1]}

        self._caps_then(
            'ogcapi', make,
            lambda api: {'links': len(api.links),
                         'conformance': len(api.conformance().get('conformsTo', []))},
            {'collections': collections, 'items': items})


def parse_args(argv):
    ap = argparse.ArgumentParser(prog='owslib_client.py',
                                 description='Drive OWSLib against an OGC service; one JSON line per step.')
    ap.add_argument('service', choices=sorted(STEPS))
    ap.add_argument('url')
    ap.add_argument('--token')
    ap.add_argument('--header', action='append', metavar='K: V')
    ap.add_argument('--cert', metavar='FILE')
    ap.add_argument('--insecure', action='store_true')
    ap.add_argument('--expect-fail', action='store_true')
    ap.add_argument('--steps')
    ap.add_argument('--process', metavar='ID')
    ap.add_argument('--input', action='append', metavar='NAME=VALUE')
    ap.add_argument('--timeout', type=float, default=60)
    ap.add_argument('--allow-foreign-urls', action='store_true')
    ap.add_argument('--sleep-delay', type=float, default=1.0)
    ap.add_argument('--echo-bytes', type=int, default=65536)
    ap.add_argument('--out')
    ap.add_argument('--layers')
    ap.add_argument('--typename')
    ap.add_argument('--coverage')
    ap.add_argument('--collection')
    ap.add_argument('--wms-version', default='1.1.1')
    ap.add_argument('--wfs-version', default='1.1.0')
    a = ap.parse_args(argv)
    if urlsplit(a.url).scheme not in ('http', 'https'):
        ap.error('URL must be http(s): {}'.format(a.url))
    for h in a.header or []:
        if ':' not in h:
            ap.error("--header needs 'Name: value', got {!r}".format(h))
    for i in a.input or []:
        if '=' not in i:
            ap.error('--input needs NAME=VALUE, got {!r}'.format(i))
    if a.input and not a.process:
        ap.error('--input needs --process')
    if a.steps:
        known = set()
        for key, name in STEPS[a.service]:
            known.update((key, name))
        if a.process:
            known.add('wps.Execute.' + a.process)
        unknown = [s.strip() for s in a.steps.split(',') if s.strip() and s.strip() not in known]
        if unknown:
            ap.error('unknown step(s) for {}: {} (known: {})'.format(
                a.service, ', '.join(unknown), ', '.join(k for k, _ in STEPS[a.service])))
    return a


def main(argv=None):
    args = parse_args(argv)
    client = Client(args)
    getattr(client, args.service)()
    npass = sum(1 for r in client.results if client.passed(r))
    nfail = len(client.results) - npass
    # skipped steps (their capabilities step failed) only count against a run that expects success
    ok = nfail == 0 and len(client.results) > 0 and (args.expect_fail or not client.skipped)
    print(json.dumps({'step': 'summary', 'ok': ok, 'passed': npass, 'failed': nfail,
                      'skipped': client.skipped, 'expect_fail': args.expect_fail,
                      'owslib': owslib.__version__, 'out': client.out}), flush=True)
    print('owslib_client {}: {} passed, {} failed{}'.format(
        args.service, npass, nfail,
        ', skipped: ' + ', '.join(client.skipped) if client.skipped else ''), file=sys.stderr)
    return 0 if ok else 1


if __name__ == '__main__':
    sys.exit(main())
