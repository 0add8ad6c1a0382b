/**
 * Access-token bench (part of `npm run bench`, or alone: `node --import tsx bench/tokens.bench.ts`):
 * for each kind of token — random, signed (RS256), custom (HS256), a macaroon narrowed to 5 caveats and
 * an external OpenID provider's (oidc-provider, in Keycloak's place) — the token endpoint's throughput
 * and the cost of validating the token on a proxied request, against the same request on a public
 * operation (no token looked at). Then, in-process, the cost of one uncached verification of each of
 * Twitcher's own kinds (what the validation cache spares). BENCH_TOKEN_KINDS=signed,macaroon runs some.
 * Loopback only; Twitcher from dist/; everything stopped at the end.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { attenuateMacaroon } from '../src/client/macaroon-attenuate.js';
import { createCustomTokenIssuer, createCustomTokenVerifier } from '../src/oauth/tokens/custom.js';
import { createMacaroonTokenIssuer, createMacaroonTokenVerifier } from '../src/oauth/tokens/macaroon.js';
import { checkRestrictions } from '../src/oauth/tokens/macaroon-caveats.js';
import { createMacaroonKeyRing } from '../src/oauth/tokens/macaroon-keys.js';
import { createSignedTokenIssuer, createSignedTokenVerifier } from '../src/oauth/tokens/signed.js';
import { generateSigningKey } from '../src/oauth/tokens/signing-key.js';
import type { TokenIssuer, TokenVerifier } from '../src/oauth/tokens/types.js';
import { startProvider } from '../test/helpers/oidc-provider.js';
import { freePort, type Managed, Supervisor, waitForHTTP } from './lib/processes.js';
import { twitcherServeArgs } from './lib/twitcher-command.js';
import { runWrk, type WrkResult, writeFormPostScript } from './lib/wrk.js';

const ROOT = new URL('..', import.meta.url).pathname;
const DURATION = Number.parseInt(process.env['BENCH_TOKEN_DURATION'] ?? '4', 10);
const CONNECTIONS = 32;
const PASSWORD = 'bench-token-admin-password';
const ADMIN = `Basic ${Buffer.from(`admin:${PASSWORD}`).toString('base64')}`;

interface KindResult {
  kind: string;
  tokensPerSec?: number;
  tokenP99Ms?: number;
  publicOp: WrkResult;
  withToken: WrkResult;
  /** Microseconds of Twitcher wall time added per request by validating the token (1/rate difference at equal load). */
  addedUsPerRequest: number;
}

async function main(): Promise<void> {
  const sup = new Supervisor();
  const dir = mkdtempSync(join(tmpdir(), 'twitcher-token-bench-'));
  const results: KindResult[] = [];
  const provider = await startProvider();
  const stop = async () => {
    await sup.stopAll();
    await provider.stop();
    rmSync(dir, { recursive: true, force: true });
  };
  process.once('SIGINT', () => void stop().then(() => process.exit(130)));
  try {
    const sinkPort = await freePort();
    const sink = sup.start('upstream', process.execPath, [
      '--import',
      'tsx',
      join(ROOT, 'bench/lib/sink-server.ts'),
      String(sinkPort),
    ]);
    await waitForHTTP(`http://127.0.0.1:${sinkPort}/`, sink, 10_000);

    const kinds: [string, Record<string, string>][] = [
      ['random', { TWITCHER_TOKEN_TYPE: 'random' }],
      ['signed', { TWITCHER_TOKEN_TYPE: 'signed', TWITCHER_TOKEN_KEY_DIR: join(dir, 'keys') }],
      [
        'custom',
        { TWITCHER_TOKEN_TYPE: 'custom', TWITCHER_TOKEN_SECRET: 'a-bench-secret-of-at-least-32-chars!!' },
      ],
      ['macaroon', { TWITCHER_TOKEN_TYPE: 'macaroon', TWITCHER_TOKEN_KEY_DIR: join(dir, 'macaroon-keys') }],
      [
        'external',
        {
          TWITCHER_TOKEN_TYPE: 'keycloak',
          TWITCHER_TOKEN_TRUSTED_ISSUERS: JSON.stringify([{ issuer: provider.issuer, audience: 'twitcher' }]),
        },
      ],
    ];
    const only = process.env['BENCH_TOKEN_KINDS']?.split(',');
    for (const [kind, env] of kinds.filter(([k]) => !only || only.includes(k))) {
      const port = await freePort();
      const base = `http://127.0.0.1:${port}`;
      const tw: Managed = sup.start('twitcher', process.execPath, twitcherServeArgs(), {
        PATH: process.env['PATH'] ?? '',
        TWITCHER_PORT: String(port),
        TWITCHER_DATABASE_URL: `sqlite:${join(dir, `${kind}.sqlite`)}`,
        TWITCHER_ADMIN_PASSWORD: PASSWORD,
        TWITCHER_LOG_LEVEL: 'warn',
        ...env,
      });
      await waitForHTTP(`${base}/health`, tw, 15_000);
      const json = { authorization: ADMIN, 'content-type': 'application/json' };
      await fetch(`${base}/services`, {
        method: 'POST',
        headers: json,
        body: JSON.stringify({ name: 'wps', url: `http://127.0.0.1:${sinkPort}/wps`, auth: 'token' }),
      });
      const client = (await (
        await fetch(`${base}/clients`, { method: 'POST', headers: json, body: '{}' })
      ).json()) as {
        client_id: string;
        client_secret: string;
      };
      const basic = `Basic ${Buffer.from(`${client.client_id}:${client.client_secret}`).toString('base64')}`;
      let token: string;
      let tokensPerSec: number | undefined;
      let tokenP99Ms: number | undefined;
      if (kind === 'external') {
        token = await provider.token();
      } else {
        const script = writeFormPostScript(
          join(dir, `${kind}.lua`),
          'grant_type=client_credentials&scope=compute',
          basic,
        );
        const issued = await runWrk(sup, {
          url: `${base}/oauth/token`,
          threads: 1,
          connections: CONNECTIONS,
          durationSec: DURATION,
          script,
        });
        tokensPerSec = issued.requestsPerSec;
        tokenP99Ms = issued.p99Ms;
        const res = await fetch(`${base}/oauth/token`, {
          method: 'POST',
          headers: { authorization: basic, 'content-type': 'application/x-www-form-urlencoded' },
          body: 'grant_type=client_credentials&scope=compute',
        });
        token = ((await res.json()) as { access_token: string }).access_token;
        // client, scope and time from Twitcher, service and process from the holder: 5 caveats, all
        // checked on each request
        if (kind === 'macaroon') token = attenuateMacaroon(token, ['service = wps', 'process = hello']);
      }
      const url = `${base}/ows/proxy/wps`;
      const publicOp = await runWrk(sup, {
        url: `${url}?service=WPS&request=GetCapabilities`,
        threads: 1,
        connections: CONNECTIONS,
        durationSec: DURATION,
      });
      const withToken = await runWrk(sup, {
        url: `${url}?service=WPS&request=Execute&version=1.0.0&identifier=hello`,
        threads: 1,
        connections: CONNECTIONS,
        durationSec: DURATION,
        headers: [`Authorization: Bearer ${token}`],
      });
      if (withToken.non2xx > 0)
        throw new Error(`${kind}: ${withToken.non2xx} requests with the token were refused`);
      const added = 1e6 / withToken.requestsPerSec - 1e6 / publicOp.requestsPerSec;
      results.push({
        kind: kind === 'macaroon' ? 'macaroon (5 caveats)' : kind,
        ...(tokensPerSec !== undefined && { tokensPerSec, tokenP99Ms }),
        publicOp,
        withToken,
        addedUsPerRequest: added,
      });
      process.stderr.write(`token bench: ${kind} done\n`);
      tw.proc.kill('SIGTERM');
      await tw.exited;
    }
  } finally {
    await stop();
  }

  const f = (n: number | undefined, d = 0) => (n === undefined || !Number.isFinite(n) ? '–' : n.toFixed(d));
  const lines = [
    '### Access tokens',
    '',
    `wrk -t1 -c${CONNECTIONS} -d${DURATION}s; token endpoint: client credentials with HTTP Basic on SQLite (goal ≥ 2,000 tokens/s for random tokens).`,
    'Validation cost: the same proxied request on a token service, as a public operation (no token looked at) and as Execute with the token.',
    '',
    '| Kind | tokens/s | token p99 ms | public op req/s | with token req/s | validation cost µs/req (at -c32) |',
    '|---|---:|---:|---:|---:|---:|',
    ...results.map(
      (r) =>
        `| ${r.kind} | ${f(r.tokensPerSec)} | ${f(r.tokenP99Ms, 2)} | ${f(r.publicOp.requestsPerSec)} | ${f(r.withToken.requestsPerSec)} | ${f(r.addedUsPerRequest, 1)} |`,
    ),
  ];
  const uncached = await uncachedVerification();
  lines.push(
    '',
    'Uncached verification, in-process (what the validation cache spares; the macaroon also checks its request caveats):',
    '',
    '| Kind | verifications/s | µs each |',
    '|---|---:|---:|',
    ...uncached.map((u) => `| ${u.kind} | ${f(u.perSec)} | ${f(1e6 / u.perSec, 1)} |`),
  );
  process.stdout.write(`${lines.join('\n')}\n`);
}

/** verify() of one token, as often as fits in about a second, after a warm-up. */
async function rate(verifier: TokenVerifier, token: string, after?: () => void): Promise<number> {
  for (let i = 0; i < 200; i++) await verifier.verify(token);
  let n = 0;
  const start = process.hrtime.bigint();
  const end = start + 1_000_000_000n;
  while (process.hrtime.bigint() < end) {
    for (let i = 0; i < 50; i++) {
      await verifier.verify(token);
      after?.();
    }
    n += 50;
  }
  return n / (Number(process.hrtime.bigint() - start) / 1e9);
}

async function uncachedVerification(): Promise<{ kind: string; perSec: number }[]> {
  const dir = mkdtempSync(join(tmpdir(), 'twitcher-token-bench-keys-'));
  try {
    const iss = 'https://twitcher.example.org';
    const revocations = { isRevoked: async () => false };
    const request = { clientId: 'bench', scopes: ['compute'], lifetime: 3600, data: {} };
    const key = await generateSigningKey(dir);
    const secret = 'a-bench-secret-of-at-least-32-chars!!';
    const keys = createMacaroonKeyRing([{ id: 'bench', secret }]);
    const kinds: [string, TokenIssuer, TokenVerifier][] = [
      [
        'signed (RS256)',
        createSignedTokenIssuer({ key, issuer: iss, audience: iss }),
        createSignedTokenVerifier({ keys: [key], issuer: iss, audience: iss, revocations }),
      ],
      [
        'custom (HS256)',
        createCustomTokenIssuer({ secret, issuer: iss, audience: iss }),
        createCustomTokenVerifier({ secret, issuer: iss, audience: iss, revocations }),
      ],
      [
        'macaroon (5 caveats)',
        createMacaroonTokenIssuer({ keys, location: iss }),
        createMacaroonTokenVerifier({ keys, location: iss, revocations }),
      ],
    ];
    const out: { kind: string; perSec: number }[] = [];
    for (const [kind, issuer, verifier] of kinds) {
      let token = (await issuer.issue(request)).accessToken;
      let after: (() => void) | undefined;
      if (kind.startsWith('macaroon')) {
        token = attenuateMacaroon(token, ['service = wps', 'process = hello']);
        const info = await verifier.verify(token);
        const ctx = {
          service: 'wps',
          operation: 'Execute',
          processes: ['hello'],
          layers: [],
          method: 'GET',
          path: '',
          clientAddress: '127.0.0.1',
          now: Date.now(),
        };
        after = () => {
          if (!checkRestrictions(info?.restrictions ?? [], ctx).ok) throw new Error('caveats not met');
        };
      }
      out.push({ kind, perSec: await rate(verifier, token, after) });
    }
    return out;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`token bench failed: ${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
