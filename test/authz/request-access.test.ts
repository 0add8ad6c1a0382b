import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { checkAccess } from '../../src/authz/check-access.js';
import { requiredAccess } from '../../src/authz/request-access.js';
import { parseOWSRequest } from '../../src/ows/parse-request.js';
import type { OWSRequestInput } from '../../src/ows/types.js';
import type { ServiceType } from '../../src/registry/service.js';
import { ACLBuilder, principal } from './fixtures.js';

const LIMITS = { maxBytes: 1 << 20, maxDepth: 32 };

function parse(type: ServiceType, over: Omit<Partial<OWSRequestInput>, 'body'> & { body?: string }) {
  const { body, ...rest } = over;
  return parseOWSRequest(
    {
      method: 'GET',
      query: '',
      path: '',
      serviceType: type,
      ...rest,
      ...(body !== undefined && { body: Buffer.from(body) }),
    },
    LIMITS,
  );
}

const get = (type: ServiceType, query: string, path = '') => parse(type, { query, path });
const post = (type: ServiceType, body: string, contentType = 'text/xml') =>
  parse(type, { method: 'POST', body, contentType });

describe('authz: request → permission and resources', () => {
  const cases: [string, ServiceType, ReturnType<typeof get>, string, unknown[]][] = [
    [
      'WPS GetCapabilities: the service',
      'wps',
      get('wps', 'service=WPS&request=GetCapabilities'),
      'getcapabilities',
      [{ kind: 'service' }],
    ],
    [
      'WPS Execute GET: the process',
      'wps',
      get('wps', 'service=WPS&version=1.0.0&request=Execute&identifier=hello'),
      'execute',
      [{ kind: 'named', resourceKind: 'process', name: 'hello' }],
    ],
    [
      'WPS Execute POST XML: the same',
      'wps',
      post(
        'wps',
        '<wps:Execute service="WPS" version="1.0.0" xmlns:wps="http://www.opengis.net/wps/1.0.0" xmlns:ows="http://www.opengis.net/ows/1.1"><ows:Identifier>hello</ows:Identifier></wps:Execute>',
      ),
      'execute',
      [{ kind: 'named', resourceKind: 'process', name: 'hello' }],
    ],
    [
      'WPS Execute form POST: the same',
      'wps',
      parse('wps', {
        method: 'POST',
        contentType: 'application/x-www-form-urlencoded',
        body: 'service=WPS&version=1.0.0&request=execute&identifier=hello',
      }),
      'execute',
      [{ kind: 'named', resourceKind: 'process', name: 'hello' }],
    ],
    [
      'WPS DescribeProcess ALL: every process',
      'wps',
      get('wps', 'service=WPS&version=1.0.0&request=DescribeProcess&identifier=all'),
      'describeprocess',
      [{ kind: 'all', resourceKind: 'process' }],
    ],
    [
      'WPS 2.0 GetStatus: the service',
      'wps',
      get('wps', 'service=WPS&version=2.0.0&request=GetStatus&jobid=j1'),
      'getstatus',
      [{ kind: 'service' }],
    ],
    [
      'WMS GetMap of two layers: both',
      'wms',
      get('wms', 'SERVICE=WMS&VERSION=1.3.0&REQUEST=GetMap&LAYERS=a,b'),
      'getmap',
      [
        { kind: 'named', resourceKind: 'layer', name: 'a' },
        { kind: 'named', resourceKind: 'layer', name: 'b' },
      ],
    ],
    [
      'WMS without SERVICE (many clients omit it): the registered type',
      'wms',
      get('wms', 'REQUEST=GetFeatureInfo&VERSION=1.1.1&LAYERS=a&QUERY_LAYERS=b'),
      'getfeatureinfo',
      [
        { kind: 'named', resourceKind: 'layer', name: 'a' },
        { kind: 'named', resourceKind: 'layer', name: 'b' },
      ],
    ],
    [
      'WFS GetFeature typeNames a,b: both feature types',
      'wfs',
      get('wfs', 'service=WFS&version=2.0.0&request=GetFeature&typeNames=ms:a,b'),
      'getfeature',
      [
        { kind: 'named', resourceKind: 'featuretype', name: 'ms:a' },
        { kind: 'named', resourceKind: 'featuretype', name: 'b' },
      ],
    ],
    [
      'WFS GetFeature by resource id (no type named): every feature type',
      'wfs',
      get('wfs', 'service=WFS&version=2.0.0&request=GetFeature&resourceId=C01'),
      'getfeature',
      [{ kind: 'all', resourceKind: 'featuretype' }],
    ],
    [
      'WFS DescribeFeatureType without a type: every feature type',
      'wfs',
      get('wfs', 'service=WFS&version=1.1.0&request=DescribeFeatureType'),
      'describefeaturetype',
      [{ kind: 'all', resourceKind: 'featuretype' }],
    ],
    [
      'WCS GetCoverage: the coverage',
      'wcs',
      get('wcs', 'service=WCS&version=2.0.1&request=GetCoverage&coverageId=dem'),
      'getcoverage',
      [{ kind: 'named', resourceKind: 'coverage', name: 'dem' }],
    ],
    [
      'WMTS RESTful GetTile: the layer',
      'wmts',
      parse('wmts', { path: '/1.0.0/topo/default/g/3/1/2.png' }),
      'gettile',
      [{ kind: 'named', resourceKind: 'layer', name: 'topo' }],
    ],
    [
      'CSW GetRecordById: the record',
      'csw',
      get('csw', 'service=CSW&version=2.0.2&request=GetRecordById&id=r1'),
      'getrecordbyid',
      [{ kind: 'named', resourceKind: 'record', name: 'r1' }],
    ],
    [
      'a stored output beside a WPS (GET): read on the path',
      'wps',
      get('wps', '', '/outputs/x.nc'),
      'read',
      [{ kind: 'path', segments: ['outputs', 'x.nc'] }],
    ],
    [
      // the proxy never reads the body of a non-OWS service: method and path decide
      'OGC API POST: write on the path',
      'ogcapi',
      parse('ogcapi', {
        method: 'POST',
        path: '/processes/x/execution',
        contentType: 'application/json',
      }),
      'write',
      [{ kind: 'path', segments: ['processes', 'x', 'execution'] }],
    ],
    [
      'percent-encoded segments are decoded',
      'http',
      get('http', '', '/d%61ta/a%20b.nc'),
      'read',
      [{ kind: 'path', segments: ['data', 'a b.nc'] }],
    ],
    [
      'THREDDS catalog: browse on the directory',
      'thredds',
      get('thredds', '', '/catalog/birdhouse/cmip6/catalog.xml'),
      'browse',
      [{ kind: 'path', segments: ['birdhouse', 'cmip6'] }],
    ],
    [
      'THREDDS root catalog: browse on the service',
      'thredds',
      get('thredds', '', '/catalog.html'),
      'browse',
      [{ kind: 'service' }],
    ],
    [
      'THREDDS behind /thredds: the context path is skipped',
      'thredds',
      get('thredds', '', '/thredds/fileServer/a/x.nc'),
      'read',
      [{ kind: 'path', segments: ['a', 'x.nc'] }],
    ],
    [
      'THREDDS ncml: browse on the file',
      'thredds',
      get('thredds', '', '/ncml/a/x.nc'),
      'browse',
      [{ kind: 'path', segments: ['a', 'x.nc'] }],
    ],
    [
      'THREDDS fileServer: read on the file',
      'thredds',
      get('thredds', '', '/fileServer/a/x.nc'),
      'read',
      [{ kind: 'path', segments: ['a', 'x.nc'] }],
    ],
    [
      'THREDDS OPeNDAP x.nc.dds: read on the file x.nc',
      'thredds',
      get('thredds', '', '/dodsC/a/x.nc.dds'),
      'read',
      [{ kind: 'path', segments: ['a', 'x.nc'] }],
    ],
    [
      'THREDDS ncss/grid: read on the file',
      'thredds',
      get('thredds', '', '/ncss/grid/a/x.nc'),
      'read',
      [{ kind: 'path', segments: ['a', 'x.nc'] }],
    ],
    [
      'THREDDS WMS with an OWS query string: still read on the path (not an OWS getmap on the service)',
      'thredds',
      get('thredds', 'service=WMS&request=GetMap&version=1.3.0&layers=tas', '/wms/a/x.nc'),
      'read',
      [{ kind: 'path', segments: ['a', 'x.nc'] }],
    ],
  ];
  for (const [title, type, request, permission, targets] of cases) {
    test(title, () => {
      const need = requiredAccess(type, request);
      assert.equal(need.refused, undefined);
      assert.equal(need.permission, permission);
      assert.deepEqual(need.targets, targets);
    });
  }

  test('THREDDS: an unknown first segment is refused (no match → deny)', () => {
    const need = requiredAccess('thredds', get('thredds', '', '/admin/debug'));
    assert.equal(need.refused, true);
  });

  test('a segment that does not decode is refused', () => {
    assert.equal(requiredAccess('http', get('http', '', '/a/%E0%A4%A')).refused, true);
  });
});

describe('authz: decisions on parsed requests (pitfalls of reference §9 and §11)', () => {
  const wps = () => {
    const b = new ACLBuilder('emu');
    b.add('process', 'hello');
    b.add('process', 'secret');
    return b;
  };
  const decide = (
    b: ACLBuilder,
    type: ServiceType,
    request: ReturnType<typeof get>,
    who = principal('alice'),
  ) => checkAccess(b.index(), who, requiredAccess(type, request));

  test('weaver#22: a deny holds for GET KVP, form POST and XML POST alike', () => {
    const b = wps()
      .grant('group:authenticated', 'execute', 'allow', 'recursive')
      .grant('user:alice', 'execute', 'deny', 'match', 'secret');
    const requests = [
      get('wps', 'service=WPS&version=1.0.0&request=Execute&identifier=secret'),
      get('wps', 'SERVICE=wps&VERSION=1.0.0&REQUEST=execute&IDENTIFIER=secret'),
      parse('wps', {
        method: 'POST',
        contentType: 'application/x-www-form-urlencoded',
        body: 'service=WPS&version=1.0.0&request=Execute&identifier=secret',
      }),
      post(
        'wps',
        '<Execute service="WPS" version="1.0.0" xmlns="http://www.opengis.net/wps/1.0.0"><Identifier xmlns="http://www.opengis.net/ows/1.1">secret</Identifier></Execute>',
      ),
      post(
        'wps',
        '<Execute service="WPS" version="1.0.0"><Identifier>secret</Identifier></Execute>',
        'text/plain',
      ),
    ];
    for (const r of requests) assert.equal(decide(b, 'wps', r).allow, false, JSON.stringify(r));
    assert.equal(
      decide(b, 'wps', get('wps', 'service=WPS&version=1.0.0&request=Execute&identifier=hello')).allow,
      true,
    );
  });

  test('names compare case-insensitively: a deny on "Secret" holds for "SECRET"', () => {
    const b = new ACLBuilder('map');
    b.add('layer', 'Secret');
    b.grant('group:anonymous', 'getmap', 'allow', 'recursive').grant(
      'group:anonymous',
      'getmap',
      'deny',
      'match',
      'Secret',
    );
    const r = decide(
      b,
      'wms',
      get('wms', 'SERVICE=WMS&VERSION=1.3.0&REQUEST=GetMap&LAYERS=SECRET'),
      principal(undefined),
    );
    assert.equal(r.allow, false);
  });

  test('a path spelt in another case than its resource is refused both ways; the exact spelling is judged; admins pass', () => {
    const b = new ACLBuilder('files');
    b.add('path', 'pub');
    b.add('path', 'secret');
    b.grant('group:anonymous', 'read', 'allow', 'recursive', 'pub').grant(
      'group:anonymous',
      'read',
      'deny',
      'recursive',
      'secret',
    );
    const anon = principal(undefined);
    assert.equal(decide(b, 'http', get('http', '', '/pub/a.nc'), anon).allow, true);
    // an allow on pub must not open PUB (another directory on a case-sensitive file system)…
    assert.equal(decide(b, 'http', get('http', '', '/PUB/a.nc'), anon).allow, false);
    // …and a deny on secret must hold for SECRET (the same one on a case-insensitive file system)
    assert.equal(decide(b, 'http', get('http', '', '/SECRET/a.nc'), anon).allow, false);
    assert.equal(decide(b, 'http', get('http', '', '/Pub/a.nc'), principal('root', [], true)).allow, true);
  });

  test('WFS prefixes: a deny on ms:roads holds for roads, and one on roads for ms:roads', () => {
    for (const [registered, asked] of [
      ['ms:roads', 'roads'],
      ['roads', 'ms:roads'],
    ]) {
      const b = new ACLBuilder('wfs');
      b.add('featuretype', registered as string);
      b.grant('group:anonymous', 'getfeature', 'allow', 'recursive').grant(
        'group:anonymous',
        'getfeature',
        'deny',
        'match',
        registered,
      );
      const r = decide(
        b,
        'wfs',
        get('wfs', `service=WFS&version=1.1.0&request=GetFeature&typename=${asked}`),
        principal(undefined),
      );
      assert.equal(r.allow, false, `${registered} / ${asked}`);
    }
  });

  test('several layers: every one must be allowed, the first deny decides', () => {
    const b = new ACLBuilder('map');
    b.add('layer', 'a');
    b.add('layer', 'b');
    b.grant('user:alice', 'getmap', 'allow', 'match', 'a');
    const both = decide(b, 'wms', get('wms', 'SERVICE=WMS&VERSION=1.3.0&REQUEST=GetMap&LAYERS=a,b'));
    assert.equal(both.allow, false);
    assert.deepEqual(both.resources, ['a', 'b']);
    assert.equal(
      decide(b, 'wms', get('wms', 'SERVICE=WMS&VERSION=1.3.0&REQUEST=GetMap&LAYERS=a')).allow,
      true,
    );
  });

  test('an unregistered resource needs a recursive permission on the service', () => {
    const b = wps().grant('user:alice', 'execute', 'allow', 'match');
    assert.equal(
      decide(b, 'wps', get('wps', 'service=WPS&version=1.0.0&request=Execute&identifier=new')).allow,
      false,
    );
    const c = wps().grant('user:alice', 'execute', 'allow', 'recursive');
    assert.equal(
      decide(c, 'wps', get('wps', 'service=WPS&version=1.0.0&request=Execute&identifier=new')).allow,
      true,
    );
  });

  test('DescribeProcess ALL is refused while one registered process is denied', () => {
    const b = wps()
      .grant('user:alice', 'describeprocess', 'allow', 'recursive')
      .grant('user:alice', 'describeprocess', 'deny', 'match', 'secret');
    assert.equal(
      decide(b, 'wps', get('wps', 'service=WPS&version=1.0.0&request=DescribeProcess&identifier=ALL')).allow,
      false,
    );
    assert.equal(
      decide(b, 'wps', get('wps', 'service=WPS&version=1.0.0&request=DescribeProcess&identifier=hello'))
        .allow,
      true,
    );
  });

  test('an unknown (vendor) operation cannot be granted: refused to users, allowed to administrators', () => {
    const b = wps().grant('user:alice', 'execute', 'allow', 'recursive');
    const vendor = get('wps', 'service=WPS&version=1.0.0&request=Frobnicate');
    assert.equal(vendor.knownOperation, false);
    const r = decide(b, 'wps', vendor);
    assert.equal(r.allow, false);
    assert.equal(r.rule, 'unknown-permission');
    assert.equal(decide(b, 'wps', vendor, principal('root', [], true)).allow, true);
  });

  test('path prefix mismatch does not fail open: /data-secret is not under /data', () => {
    const b = new ACLBuilder('files');
    b.add('path', 'data');
    b.add('path', 'data-secret');
    b.grant('group:anonymous', 'read', 'allow', 'recursive', 'data');
    const open = decide(b, 'http', get('http', '', '/data/x.nc'), principal(undefined));
    assert.equal(open.allow, true);
    for (const path of ['/data-secret/x.nc', '/datax/x.nc', '/other/data/x.nc', '/x.nc']) {
      assert.equal(decide(b, 'http', get('http', '', path), principal(undefined)).allow, false, path);
    }
  });

  test('THREDDS: public metadata, private data (pavics-sdi#111)', () => {
    const b = new ACLBuilder('thredds');
    b.add('path', 'secure');
    b.grant('group:anonymous', 'browse', 'allow', 'recursive').grant(
      'group:staff',
      'read',
      'allow',
      'recursive',
      'secure',
    );
    const anon = principal(undefined);
    const staff = principal('alice', ['staff:0']);
    const t = (path: string, who = anon) => decide(b, 'thredds', get('thredds', '', path), who).allow;
    assert.equal(t('/catalog/secure/catalog.xml'), true);
    assert.equal(t('/dodsC/secure/x.nc.html'), false);
    assert.equal(t('/fileServer/secure/x.nc'), false);
    assert.equal(t('/wms/secure/x.nc'), false);
    assert.equal(t('/dodsC/secure/x.nc.html', staff), true);
    assert.equal(t('/fileServer/public/x.nc', staff), false);
  });

  test('THREDDS: a match permission on a file holds for its OPeNDAP views', () => {
    const b = new ACLBuilder('thredds');
    b.add('path', 'a');
    b.add('path', 'x.nc', 'a');
    b.grant('user:alice', 'read', 'allow', 'match', 'x.nc');
    for (const path of [
      '/dodsC/a/x.nc.dds',
      '/dodsC/a/x.nc.das',
      '/dodsC/a/x.nc.ascii',
      '/fileServer/a/x.nc',
      '/dap4/a/x.nc.dmr.xml',
    ]) {
      assert.equal(decide(b, 'thredds', get('thredds', '', path)).allow, true, path);
    }
    assert.equal(decide(b, 'thredds', get('thredds', '', '/dodsC/a/y.nc.dds')).allow, false);
  });
});
