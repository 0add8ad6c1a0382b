import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { OWN_PROXY_PROBLEM, type OwnAddress, ownProxyProblem } from '../../src/registry/own-url.js';

/** Public behind a front proxy with a path prefix; listening on loopback port 8000. */
const own: OwnAddress = {
  publicURL: 'https://ows.example.org/twitcher',
  listenHost: '127.0.0.1',
  listenPort: 8000,
  protectedPath: '/ows',
};

// Each denied URL has an allowed twin that differs in one thing.
const table: { denied: string; allowed: string; why: string }[] = [
  {
    denied: 'http://127.0.0.1:8000/ows/proxy/emu',
    allowed: 'http://127.0.0.1:8001/ows/proxy/emu',
    why: 'listen address; other port',
  },
  {
    denied: 'http://localhost:8000/ows/proxy/x',
    allowed: 'http://example.com:8000/ows/proxy/x',
    why: 'localhost; other host',
  },
  {
    denied: 'http://localhost.:8000/ows/proxy/x',
    allowed: 'http://localhostx:8000/ows/proxy/x',
    why: 'trailing dot',
  },
  { denied: 'http://[::1]:8000/ows/proxy/x', allowed: 'http://[::2]:8000/ows/proxy/x', why: 'IPv6 loopback' },
  {
    denied: 'http://[::ffff:127.0.0.1]:8000/ows/proxy/x',
    allowed: 'http://[::ffff:10.0.0.1]:8000/ows/proxy/x',
    why: 'IPv4-mapped loopback',
  },
  {
    denied: 'http://0.0.0.0:8000/ows/verify/x',
    allowed: 'http://0.0.0.0:8000/wps',
    why: 'path outside /ows',
  },
  { denied: 'http://127.1:8000/ows/proxy/x', allowed: 'http://128.1:8000/ows/proxy/x', why: 'short IPv4' },
  {
    denied: 'http://LOCALHOST:8000/ows',
    allowed: 'http://localhost:8000/owsx',
    why: 'the protected path itself',
  },
  {
    denied: 'http://localhost:8000/ows/proxy',
    allowed: 'http://localhost:8000/OWS/proxy',
    why: 'case as given',
  },
  {
    denied: 'http://localhost:8000/ows/./proxy/x',
    allowed: 'http://localhost:8000/ows/../proxy/x',
    why: 'dots',
  },
  {
    denied: 'http://localhost:8000/foo/../ows/proxy/x',
    allowed: 'http://localhost:8000/ows/../foo/proxy/x',
    why: 'dot-dot into and out of /ows',
  },
  {
    denied: 'http://localhost:8000/ows/%2e%2e/ows/proxy',
    allowed: 'http://localhost:8000/ows/%2e%2e/wps',
    why: 'encoded dots',
  },
  {
    denied: 'http://localhost:8000/x%2F..%2Fows/proxy',
    allowed: 'http://localhost:8000/x%2Fows/proxy',
    why: 'encoded slash',
  },
  {
    denied: 'http://localhost:8000/%6Fws/proxy/x',
    allowed: 'http://localhost:8000/%6Fwt/proxy/x',
    why: 'escapes',
  },
  {
    denied: 'http://localhost:8000//ows/proxy/x',
    allowed: 'http://localhost:8000/a/ows/proxy/x',
    why: 'empty segment',
  },
  {
    denied: 'https://ows.example.org/twitcher/ows/proxy/emu',
    allowed: 'https://ows.example.org/ows/proxy/emu',
    why: 'public URL: under its prefix only',
  },
  {
    denied: 'https://ows.example.org:443/twitcher/ows/proxy/emu?x=1',
    allowed: 'https://ows.example.org:8443/twitcher/ows/proxy/emu',
    why: 'public URL: default port written out; other port',
  },
  {
    denied: 'http://OWS.example.org.:443/twitcher/ows/proxy/emu',
    allowed: 'http://ows.example.org/twitcher/ows/proxy/emu',
    why: 'public URL: another scheme on the same port still reaches it; port 80 does not',
  },
];

describe('ownProxyProblem: a service URL pointing at Twitcher itself', () => {
  for (const { denied, allowed, why } of table) {
    test(`${why}: ${denied} refused, ${allowed} allowed`, () => {
      assert.equal(ownProxyProblem(denied, own), OWN_PROXY_PROBLEM);
      assert.equal(ownProxyProblem(allowed, own), undefined);
    });
  }

  test('the configured listen host counts as this machine (on the listen port only)', () => {
    const lan = { ...own, listenHost: '10.1.2.3' };
    assert.equal(ownProxyProblem('http://10.1.2.3:8000/ows/proxy/x', lan), OWN_PROXY_PROBLEM);
    assert.equal(ownProxyProblem('http://10.1.2.3:8000/ows/proxy/x', own), undefined);
    assert.equal(ownProxyProblem('http://10.1.2.3:9000/ows/proxy/x', lan), undefined);
    const v6 = { ...own, listenHost: 'fd00::5' };
    assert.equal(ownProxyProblem('http://[fd00::5]:8000/ows/proxy/x', v6), OWN_PROXY_PROBLEM);
  });

  test('another protected path is followed', () => {
    const deep = { ...own, protectedPath: '/geo/ows' };
    assert.equal(ownProxyProblem('http://localhost:8000/geo/ows/proxy/x', deep), OWN_PROXY_PROBLEM);
    assert.equal(ownProxyProblem('http://localhost:8000/ows/proxy/x', deep), undefined);
  });
});
