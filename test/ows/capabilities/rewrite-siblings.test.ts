import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { buildRewriteRules } from '../../../src/ows/capabilities/rewrite-rules.js';
import { rewriteBuffer } from '../../../src/ows/capabilities/rewrite-stream.js';

const UP = 'http://127.0.0.1:5000';
const PROXY = 'http://127.0.0.1:8000/ows/proxy';
const rules = buildRewriteRules({
  upstreamURL: `${UP}/wps`,
  proxyURL: `${PROXY}/emu`,
  publicOrigin: 'http://127.0.0.1:8000',
  siblings: [{ upstreamURL: `${UP}/outputs`, proxyURL: `${PROXY}/emu_outputs` }],
  originRoot: 'http://127.0.0.1:8000/',
});
const rw = (s: string) => rewriteBuffer(rules, Buffer.from(s)).toString();

describe('rewriting: sibling services and the upstream origin', () => {
  test('a URL of a sibling service on the same origin becomes that service’s proxy URL', () => {
    assert.equal(
      rw(`<wps:ExecuteResponse statusLocation="${UP}/outputs/7f.xml">`),
      `<wps:ExecuteResponse statusLocation="${PROXY}/emu_outputs/7f.xml">`,
    );
    assert.equal(
      rw(`<wps:Reference href="${UP}/outputs/x/out.txt"/>`),
      `<wps:Reference href="${PROXY}/emu_outputs/x/out.txt"/>`,
    );
  });

  test('the service’s own URLs still map to it', () => {
    assert.equal(rw(`<Get xlink:href="${UP}/wps?"/>`), `<Get xlink:href="${PROXY}/emu?"/>`);
  });

  test('the bare upstream origin (a provider-site link) becomes the public front page', () => {
    assert.equal(
      rw(`<ows:ProviderSite xlink:href="${UP}/"/>`),
      '<ows:ProviderSite xlink:href="http://127.0.0.1:8000/"/>',
    );
    assert.equal(rw(`<a>${UP}</a>`), '<a>http://127.0.0.1:8000/</a>');
  });

  test('other paths on the upstream origin are not turned into wrong proxy URLs', () => {
    assert.equal(rw(`<a href="${UP}/admin/x"/>`), `<a href="${UP}/admin/x"/>`);
    assert.equal(rw(`<a href="${UP}/outputsx/y"/>`), `<a href="${UP}/outputsx/y"/>`);
  });

  test('without a sibling, /outputs/ stays foreign (no wrong mapping under /wps)', () => {
    const alone = buildRewriteRules({ upstreamURL: `${UP}/wps`, proxyURL: `${PROXY}/emu` });
    const out = rewriteBuffer(alone, Buffer.from(`"${UP}/outputs/7f.xml"`)).toString();
    assert.equal(out, `"${UP}/outputs/7f.xml"`);
  });
});
