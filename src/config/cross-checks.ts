/**
 * The rules between settings, and the whole-value checks of the JSON settings, in the order their
 * problems are reported (after those of single settings). A setting that was refused reads as unset.
 */
import { addressRangeProblem } from '../util/address-ranges.js';
import { rateLimitProblems } from './ratelimit-config.js';
import type { SettingReader } from './read-settings.js';

/** Every problem of the rules between settings. */
export function crossSettingProblems(settings: SettingReader): string[] {
  const { peek } = settings;
  const problems: string[] = [];
  const problem = (text: string | undefined) => {
    if (text !== undefined) problems.push(text);
  };
  if (peek('admin.password') !== undefined && peek('admin.passwordHash') !== undefined) {
    problem('set either admin.password (TWITCHER_ADMIN_PASSWORD) or admin.passwordHash, not both');
  }
  const tokenType = peek('token.type');
  if (tokenType === 'custom' && peek('token.secret') === undefined) {
    problem('token.type custom needs token.secret (TWITCHER_TOKEN_SECRET)');
  }
  if ((peek('token.signingKeyFile') === undefined) !== (peek('token.signingCertFile') === undefined)) {
    problem('token.signingKeyFile and token.signingCertFile go together');
  }
  problem(settings.jsonProblem('token.trustedIssuers'));
  if (tokenType === 'keycloak' && peek('token.trustedIssuers')?.length === 0) {
    problem('token.type keycloak needs at least one entry in token.trustedIssuers');
  }
  if (peek('certs.backend') === 'myproxy') {
    // fail closed: no MyProxy server is guessed, and none is trusted without its CA
    if (peek('certs.myproxy.host') === undefined) {
      problem('certs.backend myproxy needs certs.myproxy.host (TWITCHER_CERTS_MYPROXY_HOST)');
    }
    if (peek('certs.myproxy.caFile') === undefined) {
      problem('certs.backend myproxy needs certs.myproxy.caFile (TWITCHER_CERTS_MYPROXY_CA_FILE)');
    }
  }
  if ((peek('tls.certFile') === undefined) !== (peek('tls.keyFile') === undefined)) {
    problem('tls.certFile and tls.keyFile go together');
  }
  const headerFrom = peek('clientCerts.headerFrom');
  if (peek('clientCerts.header') !== undefined && headerFrom?.length === 0) {
    problem(
      'clientCerts.header needs clientCerts.headerFrom (TWITCHER_CLIENT_CERTS_HEADER_FROM): the addresses of the front proxies that set it',
    );
  }
  for (const entry of headerFrom ?? []) {
    const range = addressRangeProblem(entry);
    if (range !== undefined) problem(`clientCerts.headerFrom: ${range}`);
  }
  problem(settings.jsonProblem('token.macaroonKeys'));
  problem(settings.jsonProblem('proxy.publicOperations'));
  problems.push(...rateLimitProblems(settings));
  return problems;
}
