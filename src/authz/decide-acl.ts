/**
 * The proxy's one call into fine-grained authorization: decide a request to an `auth: acl` service,
 * and say what its capabilities document may list. A refusal is a `TwitcherError` the OGC routes
 * render as an ExceptionReport: 401 with a Bearer challenge for a request without a credential
 * (anonymous: a credential might help), 403 for one with a credential that is not enough.
 */
import { TwitcherError } from '../errors.js';
import type { ACLDecision, AccessControl, DecideACLInput } from './access-control.js';
import type { Principal } from './model.js';
import { LISTED } from './visibility.js';

export const ACL_CHALLENGE = 'Bearer realm="twitcher"';
/** With `authz.basicAuth`: Twitcher's users may also give their password (RFC 7617). */
export const ACL_CHALLENGE_WITH_BASIC = `${ACL_CHALLENGE}, Basic realm="twitcher", charset="UTF-8"`;

export interface ACLGrant {
  principal: Principal;
  /** GetCapabilities: whether a listed process, layer, feature type or coverage may stay in it. */
  visible?: ((name: string) => boolean) | undefined;
}

export async function decideACL(
  accessControl: AccessControl | undefined,
  input: DecideACLInput,
  challenge = ACL_CHALLENGE,
): Promise<ACLGrant> {
  // Fail closed: an acl service without the machinery to decide is refused, never opened.
  if (!accessControl) {
    throw new TwitcherError('unavailable', {
      description: 'Authorization is not available on this instance.',
    });
  }
  const decision = await accessControl.decide(input);
  if (!decision.allow) throw refusal(decision, challenge);
  const { request, service } = input;
  const ows = request.service;
  if (request.kind === 'ows' && request.operation === 'GetCapabilities' && ows !== undefined && LISTED[ows]) {
    return {
      principal: decision.principal,
      visible: await accessControl.visibility(service, ows, decision.principal),
    };
  }
  return { principal: decision.principal };
}

function refusal(d: ACLDecision, challenge: string): TwitcherError {
  const detail = `${d.principal.label}: ${d.need.permission} refused by ${d.result.rule}`;
  if (!d.principal.authenticated) {
    return new TwitcherError('authentication_required', {
      description: `${d.need.what} on this service needs a credential with the "${d.need.permission}" permission.`,
      detail,
      headers: { 'WWW-Authenticate': challenge },
    });
  }
  return new TwitcherError('forbidden', {
    description: `${d.need.what} on this service needs the "${d.need.permission}" permission, which is not granted.`,
    detail,
  });
}
