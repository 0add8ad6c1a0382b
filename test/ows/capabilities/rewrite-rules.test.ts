import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isTwitcherError } from '../../../src/errors.js';
import { buildRewriteRules, type RewriteRules } from '../../../src/ows/capabilities/rewrite-rules.js';

function table(rules: RewriteRules): Array<[string, string, string]> {
  return rules.rules.map((r) => [r.kind, r.pattern.toString('latin1'), r.replacement.toString('latin1')]);
}

describe('buildRewriteRules', () => {
  it('maps the upstream URL and marks its origin foreign when registered below the root', () => {
    const rules = buildRewriteRules({
      upstreamURL: 'http://127.0.0.1:5000/wps?service=WPS',
      proxyURL: 'http://127.0.0.1:8000/ows/proxy/emu/',
    });
    assert.deepEqual(table(rules), [
      ['rewrite', 'http://127.0.0.1:5000/wps', 'http://127.0.0.1:8000/ows/proxy/emu'],
      ['foreign', 'http://127.0.0.1:5000', 'http://127.0.0.1:5000'],
    ]);
    assert.equal(rules.maxLength, 'http://127.0.0.1:5000/wps'.length);
    assert.equal(rules.json, false);
  });

  it('has no foreign rule when the service is registered at the upstream origin', () => {
    const rules = buildRewriteRules({
      upstreamURL: 'http://127.0.0.1:5000/',
      proxyURL: 'http://127.0.0.1:8000/ows/proxy/emu',
    });
    assert.deepEqual(table(rules), [
      ['rewrite', 'http://127.0.0.1:5000', 'http://127.0.0.1:8000/ows/proxy/emu'],
    ]);
  });

  it('adds the default-port variants (omitted and spelled out) but never host aliases', () => {
    const rules = buildRewriteRules({
      upstreamURL: 'http://wps.local:80/wps/',
      proxyURL: 'https://p.example/x',
    });
    const patterns = rules.rules.map((r) => r.pattern.toString('latin1'));
    assert.ok(patterns.includes('http://wps.local/wps'));
    assert.ok(patterns.includes('http://wps.local:80/wps'));
    assert.ok(!patterns.some((p) => p.includes('127.0.0.1') || p.includes('localhost')));
    const https = buildRewriteRules({ upstreamURL: 'https://h/ows', proxyURL: 'https://p.example/x' });
    assert.ok(https.rules.some((r) => r.pattern.toString('latin1') === 'https://h:443/ows'));
  });

  it('adds the MapServer forwarded-host forms and keeps the proxy URL that they prefix', () => {
    const rules = buildRewriteRules({
      upstreamURL: 'http://127.0.0.1:5001/ows',
      proxyURL: 'http://127.0.0.1:8000/ows/proxy/wms',
      publicOrigin: 'http://127.0.0.1:8000',
    });
    const t = table(rules);
    const proxy = 'http://127.0.0.1:8000/ows/proxy/wms';
    assert.deepEqual(t[0], ['keep', proxy, proxy]);
    for (const p of [
      'http://127.0.0.1:8000:5001/ows',
      'http://127.0.0.1:8000:8000/ows',
      'http://127.0.0.1:8000/ows',
      'http://127.0.0.1:5001/ows',
    ]) {
      assert.ok(
        t.some(([k, pat, rep]) => k === 'rewrite' && pat === p && rep === proxy),
        p,
      );
    }
  });

  it('drops the keep rule when no shorter rule could fire inside the proxy URL', () => {
    const rules = buildRewriteRules({
      upstreamURL: 'http://127.0.0.1:5000/wps',
      proxyURL: 'http://127.0.0.1:8000/ows/proxy/emu',
    });
    assert.ok(rules.rules.every((r) => r.kind !== 'keep'));
  });

  it('does not make a bare public origin a pattern when the upstream is registered at its root', () => {
    const rules = buildRewriteRules({
      upstreamURL: 'http://127.0.0.1:5000',
      proxyURL: 'http://127.0.0.1:8000/ows/proxy/emu',
      publicOrigin: 'http://127.0.0.1:8000',
    });
    const patterns = rules.rules.map((r) => r.pattern.toString('latin1'));
    assert.ok(!patterns.includes('http://127.0.0.1:8000'));
    assert.ok(patterns.includes('http://127.0.0.1:8000:5000'));
  });

  it('does not count the proxy origin as foreign when upstream and proxy share it', () => {
    const rules = buildRewriteRules({
      upstreamURL: 'http://127.0.0.1:8000/legacy/wps',
      proxyURL: 'http://127.0.0.1:8000/ows/proxy/emu',
    });
    assert.ok(rules.rules.every((r) => r.kind !== 'foreign'));
  });

  it('adds \\/ variants of every pattern and replacement for JSON', () => {
    const rules = buildRewriteRules({
      upstreamURL: 'http://127.0.0.1:5001/ows/peers/ogcapi',
      proxyURL: 'http://127.0.0.1:8000/ows/proxy/api',
      json: true,
    });
    const t = table(rules);
    assert.ok(
      t.some(
        ([k, p, r]) =>
          k === 'rewrite' &&
          p === 'http:\\/\\/127.0.0.1:5001\\/ows\\/peers\\/ogcapi' &&
          r === 'http:\\/\\/127.0.0.1:8000\\/ows\\/proxy\\/api',
      ),
    );
    assert.ok(t.some(([k, p]) => k === 'foreign' && p === 'http:\\/\\/127.0.0.1:5001'));
    assert.equal(rules.json, true);
  });

  it('sorts longest first, deduplicates, and groups by a shared anchor', () => {
    const rules = buildRewriteRules({
      upstreamURL: 'http://127.0.0.1:5001/ows',
      proxyURL: 'http://127.0.0.1:8000/ows/proxy/wms',
      publicOrigin: 'http://127.0.0.1:8000',
      json: true,
      keep: ['http://127.0.0.1:8000/ows/proxy/'],
    });
    const lengths = rules.rules.map((r) => r.pattern.length);
    assert.deepEqual(
      lengths,
      [...lengths].sort((a, b) => b - a),
    );
    const patterns = rules.rules.map((r) => r.pattern.toString('latin1'));
    assert.equal(new Set(patterns).size, patterns.length);
    let grouped = 0;
    for (const g of rules.groups) {
      for (const r of g.rules) assert.equal(r.pattern.indexOf(g.prefix), 0);
      grouped += g.rules.length;
    }
    assert.equal(grouped, rules.rules.length);
    assert.ok(rules.groups.every((g) => g.prefix.length >= 'http://127.0.0.1:'.length));
  });

  it('throws a TwitcherError for a URL that is not http(s)', () => {
    for (const upstreamURL of ['not a url', 'ftp://h/x']) {
      assert.throws(
        () => buildRewriteRules({ upstreamURL, proxyURL: 'http://p/x' }),
        (e: unknown) => isTwitcherError(e) && e.code === 'internal_error',
      );
    }
  });
});
