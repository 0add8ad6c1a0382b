import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { loadTrustAnchors, TrustAnchorError } from '../../src/pki/x509/trust-anchors.js';
import { validateClientChain } from '../../src/pki/x509/validate-chain.js';
import { makeCA, makeEEC, makeIntermediate } from '../helpers/certs.js';

const dir = mkdtempSync(join(tmpdir(), 'twitcher-anchors-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const rootA = await makeCA('Root A');
const rootB = await makeCA('Root B');
const interB = await makeIntermediate(rootB, 'Intermediate B');
const user = await makeEEC(rootA, 'user');
const userB = await makeEEC(interB, 'user-b');

describe('loadTrustAnchors', () => {
  test('a grid-security style directory: <hash>.0, .pem and DER .crt files; other files ignored, bad ones reported', () => {
    const certs = join(dir, 'certificates');
    mkdirSync(certs);
    writeFileSync(join(certs, '1a2b3c4d.0'), rootA.pem);
    writeFileSync(
      join(certs, '1a2b3c4d.signing_policy'),
      "access_id_CA X509 '/C=XX/O=Twitcher Test/CN=Root A'\n",
    );
    writeFileSync(
      join(certs, '1a2b3c4d.namespaces'),
      'TO Issuer "/C=XX/O=Twitcher Test/CN=Root A" PERMIT Subject ".*"\n',
    );
    writeFileSync(join(certs, '1a2b3c4d.r0'), 'not a certificate, a CRL');
    writeFileSync(join(certs, 'intermediate-b.crt'), interB.der); // DER
    symlinkSync(join(certs, '1a2b3c4d.0'), join(certs, 'root-a-link.pem')); // the same CA twice
    writeFileSync(join(certs, 'user.pem'), user.pem); // not a CA
    writeFileSync(join(certs, 'garbage.pem'), 'hello');
    symlinkSync(join(dir, 'nowhere'), join(certs, '99999999.0')); // dangling: unreadable
    mkdirSync(join(certs, '88888888.0')); // a directory with a certificate-like name
    const anchors = loadTrustAnchors({ caDir: certs });
    assert.deepEqual(
      anchors.certificates.map((c) => c.subject.rfc4514),
      ['CN=Root A,O=Twitcher Test,C=XX', 'CN=Intermediate B,O=Twitcher Test,C=XX'],
    );
    const skipped = anchors.skipped.map((s) => s.source.replace(`${certs}/`, ''));
    assert.deepEqual(skipped.sort(), ['99999999.0', 'garbage.pem', 'user.pem#1'].sort());
    assert.match(anchors.skipped.find((s) => s.source.endsWith('user.pem#1'))?.reason ?? '', /not a CA/);
    assert.equal(validateClientChain([user.der], anchors).subjectDN, 'CN=user,OU=Users,O=Twitcher Test,C=XX');
    // an intermediate CA can be a trust anchor by itself (RFC 5280 §6.1.1(d))
    assert.equal(
      validateClientChain([userB.der], anchors).anchorDN,
      'CN=Intermediate B,O=Twitcher Test,C=XX',
    );
  });

  test('a PEM bundle file, together with a directory', () => {
    const bundle = join(dir, 'bundle.pem');
    writeFileSync(bundle, `# bundle\n${rootB.pem}\n${user.pem}`);
    const only = join(dir, 'only-a');
    mkdirSync(only);
    writeFileSync(join(only, 'a.pem'), rootA.pem);
    const anchors = loadTrustAnchors({ caFile: bundle, caDir: only });
    assert.equal(anchors.certificates.length, 2);
    assert.equal(anchors.skipped.length, 1);
    assert.ok(validateClientChain([userB.der, interB.der], anchors));
    assert.ok(validateClientChain([user.der], anchors));
  });

  test('no source, an unreadable file or directory, or no CA at all, throw TrustAnchorError', () => {
    assert.throws(() => loadTrustAnchors({}), TrustAnchorError);
    assert.throws(() => loadTrustAnchors({ caFile: join(dir, 'missing.pem') }), /cannot read CA file/);
    assert.throws(() => loadTrustAnchors({ caDir: join(dir, 'missing') }), /cannot read CA directory/);
    const noCa = join(dir, 'no-ca.pem');
    writeFileSync(noCa, user.pem);
    assert.throws(() => loadTrustAnchors({ caFile: noCa }), /no CA certificate found .*not a CA/);
    const keyOnly = join(dir, 'key-only.pem');
    writeFileSync(keyOnly, '-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n');
    assert.throws(() => loadTrustAnchors({ caFile: keyOnly }), TrustAnchorError);
  });
});
