/** Whole-document rewrites: what must change and, beside each, what must not. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildRewriteRules } from '../../../src/ows/capabilities/rewrite-rules.js';
import {
  countForeignURLs,
  rewriteBuffer,
  rewriteBufferWithCounts,
} from '../../../src/ows/capabilities/rewrite-stream.js';
import {
  MAPSERVER_WFS_PAGE,
  MAPSERVER_WMS_CAPABILITIES,
  OGCAPI_LANDING,
  PROXY,
  PUBLIC_ORIGIN,
  PYWPS_CAPABILITIES,
  PYWPS_EXECUTE_RESPONSE,
} from './fixtures.js';

function rewrite(rules: ReturnType<typeof buildRewriteRules>, doc: string) {
  const { body, counts } = rewriteBufferWithCounts(rules, Buffer.from(doc, 'utf8'));
  return { text: body.toString('utf8'), ...counts };
}

const emuAtWps = buildRewriteRules({ upstreamURL: 'http://127.0.0.1:5000/wps', proxyURL: `${PROXY}/emu` });
const emuAtOrigin = buildRewriteRules({ upstreamURL: 'http://127.0.0.1:5000', proxyURL: `${PROXY}/emu` });

describe('PyWPS 1.0.0 capabilities', () => {
  it('rewrites every DCP href and nothing else', () => {
    const r = rewrite(emuAtWps, PYWPS_CAPABILITIES);
    assert.equal(r.replacements, 6);
    assert.equal(r.text.split(`xlink:href="${PROXY}/emu"`).length - 1, 6);
    assert.ok(!r.text.includes('xlink:href="http://127.0.0.1:5000/wps"'));
    // must not: ProviderSite on another host, /wpsx (same prefix, no boundary), an unconfigured alias
    assert.ok(r.text.includes('xlink:href="http://emu.readthedocs.org/en/latest/"'));
    assert.ok(r.text.includes('xlink:href="http://127.0.0.1:5000/wpsx/docs"'));
    assert.ok(r.text.includes('xlink:href="http://localhost:5000/wps?about"'));
    assert.ok(r.text.includes('xmlns:wps="http://www.opengis.net/wps/1.0.0"'));
    // /wpsx is outside /wps: reported, not rewritten
    assert.equal(r.foreign, 1);
  });

  it('maps the DCP hrefs to {proxy}/wps when the service is registered at the origin', () => {
    const r = rewrite(emuAtOrigin, PYWPS_CAPABILITIES);
    assert.equal(r.text.split(`xlink:href="${PROXY}/emu/wps"`).length - 1, 6);
    assert.ok(r.text.includes(`xlink:href="${PROXY}/emu/wpsx/docs"`));
    assert.equal(r.foreign, 0);
  });

  it('returns the body unchanged when nothing matches', () => {
    const rules = buildRewriteRules({ upstreamURL: 'http://10.0.0.9:5000/wps', proxyURL: `${PROXY}/emu` });
    const input = Buffer.from(PYWPS_CAPABILITIES);
    assert.ok(rewriteBuffer(rules, input).equals(input));
  });
});

describe('PyWPS ExecuteResponse', () => {
  it('service registered at /wps: serviceInstance rewritten, /outputs/ left alone and reported', () => {
    const r = rewrite(emuAtWps, PYWPS_EXECUTE_RESPONSE);
    assert.ok(r.text.includes(`serviceInstance="${PROXY}/emu?request=GetCapabilities&amp;amp;service=WPS"`));
    assert.ok(
      r.text.includes(
        'statusLocation="http://127.0.0.1:5000/outputs/7c1f4e52-8a0b-11ee-9d4c-0242ac120002.xml"',
      ),
    );
    assert.ok(
      r.text.includes('href="http://127.0.0.1:5000/outputs/7c1f4e52-8a0b-11ee-9d4c-0242ac120002/out.json"'),
    );
    assert.equal(r.replacements, 1);
    assert.equal(r.foreign, 2);
    assert.equal(countForeignURLs(emuAtWps, Buffer.from(PYWPS_EXECUTE_RESPONSE)), 2);
  });

  it('service registered at the origin: statusLocation and the output href go through the proxy', () => {
    const r = rewrite(emuAtOrigin, PYWPS_EXECUTE_RESPONSE);
    assert.ok(
      r.text.includes(`serviceInstance="${PROXY}/emu/wps?request=GetCapabilities&amp;amp;service=WPS"`),
    );
    assert.ok(
      r.text.includes(`statusLocation="${PROXY}/emu/outputs/7c1f4e52-8a0b-11ee-9d4c-0242ac120002.xml"`),
    );
    assert.ok(
      r.text.includes(
        `<wps:Reference href="${PROXY}/emu/outputs/7c1f4e52-8a0b-11ee-9d4c-0242ac120002/out.json" mimeType`,
      ),
    );
    // the input reference already on the proxy is untouched
    assert.ok(r.text.includes(`xlink:href="${PROXY}/emu/outputs/input.txt"`));
    assert.ok(r.text.includes('http://schemas.opengis.net/wps/1.0.0/wpsExecute_response.xsd'));
    assert.equal(r.replacements, 3);
    assert.equal(r.foreign, 0);
  });
});

describe('MapServer WMS 1.3.0 capabilities', () => {
  const wms = buildRewriteRules({
    upstreamURL: 'http://127.0.0.1:5001/ows',
    proxyURL: `${PROXY}/wms`,
    publicOrigin: PUBLIC_ORIGIN,
  });

  it('rewrites OnlineResource, LegendURL and the schemaLocation GetSchemaExtension URL', () => {
    const r = rewrite(wms, MAPSERVER_WMS_CAPABILITIES);
    assert.equal(r.text.split(`xlink:href="${PROXY}/wms?"`).length - 1, 4);
    assert.ok(
      r.text.includes(`xlink:href="${PROXY}/wms?version=1.3.0&amp;service=WMS&amp;request=GetLegendGraphic`),
    );
    assert.ok(
      r.text.includes(` ${PROXY}/wms?service=WMS&amp;version=1.3.0&amp;request=GetSchemaExtension">`),
    );
    assert.ok(!r.text.includes('127.0.0.1:5001'));
    assert.equal(r.replacements, 6);
  });

  for (const forwarded of [
    'http://127.0.0.1:8000:5001/ows', // forwarded host:port plus MapServer's own port
    'http://127.0.0.1:8000:8000/ows', // forwarded host:port plus the forwarded port
    'http://127.0.0.1:8000/ows', // forwarded host:port, path still SCRIPT_NAME
  ]) {
    it(`maps the forwarded-header form ${forwarded}`, () => {
      const doc = MAPSERVER_WMS_CAPABILITIES.replaceAll('http://127.0.0.1:5001/ows', forwarded);
      const r = rewrite(wms, doc);
      assert.equal(r.text.split(`xlink:href="${PROXY}/wms?"`).length - 1, 4);
      assert.equal(r.replacements, 6);
    });
  }

  it('leaves alone a URL already on the proxy, though the forwarded /ows pattern prefixes it', () => {
    const doc = MAPSERVER_WMS_CAPABILITIES.replaceAll('http://127.0.0.1:5001/ows', `${PROXY}/wms`);
    const r = rewrite(wms, doc);
    assert.equal(r.text, doc);
    assert.equal(r.replacements, 0);
  });

  it('leaves alone other hosts, /owsx and a longer port', () => {
    const doc = [
      'http://127.0.0.1:5001/owsx?',
      'http://127.0.0.1:50011/ows?',
      'http://127.0.0.2:5001/ows?',
      'https://127.0.0.1:5001/ows?',
      'http://127.0.0.1:5001.evil.example/ows?',
      'http://127.0.0.1:8000/owsx?',
    ]
      .map((u) => `<OnlineResource xlink:href="${u}"/>`)
      .join('\n');
    const r = rewrite(wms, doc);
    assert.equal(r.text, doc);
    assert.equal(r.replacements, 0);
  });

  it('protects other services on the proxy with an explicit keep prefix', () => {
    const rules = buildRewriteRules({
      upstreamURL: 'http://127.0.0.1:5001/ows',
      proxyURL: `${PROXY}/wms`,
      publicOrigin: PUBLIC_ORIGIN,
      keep: [`${PROXY}/`],
    });
    const doc = `<a href="${PROXY}/emu?x"/><a href="http://127.0.0.1:8000/ows?x"/>`;
    assert.equal(
      rewriteBuffer(rules, Buffer.from(doc)).toString(),
      `<a href="${PROXY}/emu?x"/><a href="${PROXY}/wms?x"/>`,
    );
  });
});

describe('MapServer WFS 2.0 GetFeature', () => {
  it('rewrites next and the DescribeFeatureType schemaLocation, not /owsx data', () => {
    const wfs = buildRewriteRules({ upstreamURL: 'http://127.0.0.1:5001/ows', proxyURL: `${PROXY}/wfs` });
    const r = rewrite(wfs, MAPSERVER_WFS_PAGE);
    assert.ok(
      r.text.includes(
        `next="${PROXY}/wfs?SERVICE=WFS&amp;VERSION=2.0.0&amp;REQUEST=GetFeature&amp;TYPENAMES=cities&amp;STARTINDEX=10&amp;COUNT=10"`,
      ),
    );
    assert.ok(
      r.text.includes(` ${PROXY}/wfs?SERVICE=WFS&amp;VERSION=2.0.0&amp;REQUEST=DescribeFeatureType&amp;`),
    );
    assert.ok(r.text.includes('<ms:url>http://127.0.0.1:5001/owsx/not-the-service</ms:url>'));
    assert.ok(r.text.includes('<ms:name>Zürich</ms:name>'));
    assert.equal(r.replacements, 2);
    assert.equal(r.foreign, 1);
  });

  it('works on ISO-8859-1 bytes without decoding them', () => {
    const wfs = buildRewriteRules({ upstreamURL: 'http://127.0.0.1:5001/ows', proxyURL: `${PROXY}/wfs` });
    const latin1 = Buffer.from(MAPSERVER_WFS_PAGE, 'latin1');
    const out = rewriteBuffer(wfs, latin1);
    assert.ok(out.includes(Buffer.from('<ms:name>Zürich</ms:name>', 'latin1')));
    assert.ok(out.includes(Buffer.from(`next="${PROXY}/wfs?SERVICE=WFS`, 'latin1')));
  });
});

describe('OGC API JSON landing page', () => {
  const api = buildRewriteRules({
    upstreamURL: 'http://127.0.0.1:5001/ows/peers/ogcapi',
    proxyURL: `${PROXY}/api`,
    json: true,
  });

  it('rewrites plain and \\/-escaped links, keeping each spelling', () => {
    const r = rewrite(api, OGCAPI_LANDING);
    assert.ok(r.text.includes(`"href":"${PROXY}/api?f=json"`));
    assert.ok(r.text.includes(`"href":"${PROXY}/api/collections?f=json"`));
    assert.ok(r.text.includes('"href":"http:\\/\\/127.0.0.1:8000\\/ows\\/proxy\\/api?f=html"'));
    assert.ok(r.text.includes('"href":"http:\\/\\/127.0.0.1:8000\\/ows\\/proxy\\/api\\/conformance?f=json"'));
    assert.equal(r.replacements, 4);
    // must not: ogcapix (no boundary, foreign), another host
    assert.ok(r.text.includes('"href":"http:\\/\\/127.0.0.1:5001\\/ows\\/peers\\/ogcapix"'));
    assert.ok(r.text.includes('"href":"https:\\/\\/creativecommons.org\\/licenses\\/by\\/4.0\\/"'));
    assert.equal(r.foreign, 1);
    assert.doesNotThrow(() => JSON.parse(r.text));
  });

  it('does not rewrite \\/ spellings when built for XML', () => {
    const xmlRules = buildRewriteRules({
      upstreamURL: 'http://127.0.0.1:5001/ows/peers/ogcapi',
      proxyURL: `${PROXY}/api`,
    });
    const r = rewrite(xmlRules, OGCAPI_LANDING);
    assert.equal(r.replacements, 2);
    assert.ok(r.text.includes('http:\\/\\/127.0.0.1:5001\\/ows\\/peers\\/ogcapi?f=html'));
  });
});

describe('boundaries', () => {
  const rules = buildRewriteRules({ upstreamURL: 'http://h:5000/wps', proxyURL: 'http://p/x' });
  for (const next of ['/', '?', '#', '"', "'", '<', '>', '&', ';', ')', ' ', '\t', '\n', '\r', '\\', '']) {
    it(`matches before ${JSON.stringify(next)}`, () => {
      assert.equal(
        rewriteBuffer(rules, Buffer.from(`http://h:5000/wps${next}`)).toString(),
        `http://p/x${next}`,
      );
    });
  }
  for (const next of ['x', '1', '.', '-', '_', ':', '%', '@', ',']) {
    it(`does not match before ${JSON.stringify(next)}`, () => {
      const s = `http://h:5000/wps${next}`;
      assert.equal(rewriteBuffer(rules, Buffer.from(s)).toString(), s);
    });
  }

  it('handles adjacent and back-to-back URLs and an empty body', () => {
    const s = 'http://h:5000/wps http://h:5000/wps;http://h:5000/wps';
    assert.equal(rewriteBuffer(rules, Buffer.from(s)).toString(), 'http://p/x http://p/x;http://p/x');
    assert.equal(rewriteBuffer(rules, Buffer.alloc(0)).length, 0);
  });

  it('never rewrites its own output again', () => {
    const loop = buildRewriteRules({ upstreamURL: 'http://h:5000/wps', proxyURL: 'http://h:5000/wps/wps' });
    assert.equal(
      rewriteBuffer(loop, Buffer.from('"http://h:5000/wps"')).toString(),
      '"http://h:5000/wps/wps"',
    );
  });
});
