/** Who a request counts against, once its credentials are known: the token's client, and the user. */
import type { Principal } from '../authz/model.js';
import type { Subject } from '../policy/subject.js';

export interface RateLimitSubject {
  /** The OAuth2 client of the token. */
  clientId?: string | undefined;
  /** The user, labelled by kind so that names of different kinds never share a budget. */
  user?: string | undefined;
}

/**
 * The client of a token; the user of the request: the Twitcher user an `acl` service resolved, a
 * password's user, an external token's subject (at its issuer), or a certificate's DN. A token of
 * the client credentials grant has a client and no user.
 */
export function rateLimitSubject(subject: Subject, principal?: Principal): RateLimitSubject {
  const clientId = subject.kind === 'token' ? subject.token.clientId : undefined;
  let user: string | undefined;
  if (principal?.user !== undefined) user = `user:${principal.user}`;
  else if (subject.kind === 'user') user = `user:${subject.username}`;
  else if (subject.kind === 'certificate') user = `dn:${subject.certificate.subjectDN}`;
  else if (subject.kind === 'token' && subject.token.kind === 'external' && subject.token.subject) {
    user = `external:${subject.token.issuer ?? ''} ${subject.token.subject}`;
  }
  return { clientId, user };
}
