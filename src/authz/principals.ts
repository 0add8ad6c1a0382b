/**
 * Who a request is, for the resolver: a Subject (anonymous, an access token, a client certificate)
 * becomes a Principal — a Twitcher user and its groups, or a userless identity in the implicit
 * groups only. Lookups are cached, bounded, and dropped on every change of users, groups, clients
 * or memberships (of any instance, through the store's change feed).
 *
 * - A token of Twitcher's own acts for the user that owns its client (none: no user of its own).
 * - An external provider's token acts for the user named by `authz.externalUserClaim` (never for the
 *   administrator account), with the groups Twitcher has among those in `authz.externalGroupsClaim`
 *   (never `administrators`).
 * - A certificate acts for the user registered with its subject DN, or — issued by Twitcher's own
 *   CA — for the user `name` of the subject `certs.baseDN` + `CN=name`.
 * - A user who gave its password (HTTP Basic, `authz.basicAuth`): that user.
 * - No credential: `anonymous`.
 */
import { claimAt } from '../oauth/tokens/external-claims.js';
import type { AccessTokenInfo } from '../oauth/tokens/types.js';
import { dnKey, keyOf, parseDN, tryDNKey } from '../pki/x509/dn/index.js';
import { OID_COMMON_NAME } from '../pki/x509/oids.js';
import type { CertificateIdentity, Subject } from '../policy/subject.js';
import { type CacheStats, ChangeCache } from '../store/change-cache.js';
import type { Store, UserRecord } from '../store/types.js';
import {
  ADMINISTRATORS,
  ANONYMOUS_GROUP,
  AUTHENTICATED_GROUP,
  type Principal,
  type PrincipalGroup,
  SPECIAL_GROUP_PRIORITIES,
} from './model.js';

const CACHE_MAX = 10_000;
/** Group names taken from an external token: at most this many, of at most this length. */
const MAX_CLAIM_GROUPS = 256;
const MAX_GROUP_NAME = 64;

export interface PrincipalOptions {
  externalUserClaim: string;
  externalGroupsClaim: string;
  /** `certs.baseDN`: users of Twitcher's own CA have the subject baseDN + CN=<user name>. */
  certificateBaseDN?: string | undefined;
  /** The subject DN of Twitcher's own CA (undefined: it has none, or it is off). */
  ownCASubjectDN?: string | undefined;
}

export const ANONYMOUS_PRINCIPAL_LABEL = 'anonymous';

export class PrincipalResolver {
  readonly #store: Store;
  readonly #options: PrincipalOptions;
  readonly #cache: ChangeCache<Principal>;
  #groupPriorities: Promise<Map<string, number>> | undefined;

  constructor(store: Store, options: PrincipalOptions) {
    this.#store = store;
    this.#options = options;
    // Users, groups and memberships (authz), or clients and their owners, may alter who a subject is.
    this.#cache = new ChangeCache({
      max: CACHE_MAX,
      changes: { feed: store.changes, drop: { authz: 'all', clients: 'all' } },
      onChange: () => {
        this.#groupPriorities = undefined;
      },
    });
  }

  /** Hits and misses of the principal cache (read by the metrics). */
  get cacheStats(): CacheStats {
    return this.#cache.stats;
  }

  /** The principal of a subject (cached). */
  resolve(subject: Subject): Promise<Principal> {
    return this.#cache.get(cacheKey(subject), () => this.#lookup(subject));
  }

  /** The principal of a Twitcher user by name (for "effective permissions"); undefined when unknown. */
  async ofUser(username: string): Promise<Principal | undefined> {
    const user = await this.#store.users.get(username);
    return user ? this.#build(`user:${user.username}`, user, []) : undefined;
  }

  /** The principal of no credential at all. */
  anonymous(): Promise<Principal> {
    return this.#build(ANONYMOUS_PRINCIPAL_LABEL, undefined, [], false);
  }

  close(): void {
    this.#cache.close();
  }

  async #lookup(subject: Subject): Promise<Principal> {
    switch (subject.kind) {
      case 'anonymous':
        return this.anonymous();
      case 'token':
        return subject.token.kind === 'external'
          ? this.#ofExternalToken(subject.token)
          : this.#ofOwnToken(subject.token);
      case 'certificate':
        return this.#ofCertificate(subject.certificate);
      case 'user': {
        const user = await this.#store.users.get(subject.username);
        return user ? this.#build(`user:${user.username}`, user, []) : this.anonymous();
      }
    }
  }

  async #ofOwnToken(token: AccessTokenInfo): Promise<Principal> {
    const client = await this.#store.clients.get(token.clientId);
    const user = client?.owner !== undefined ? await this.#store.users.get(client.owner) : undefined;
    return this.#build(user ? `user:${user.username}` : `client:${token.clientId}`, user, []);
  }

  async #ofExternalToken(token: AccessTokenInfo): Promise<Principal> {
    const claims = token.claims ?? {};
    const name = claimAt(claims, this.#options.externalUserClaim);
    const username = typeof name === 'string' && name !== '' ? name : undefined;
    const named = username !== undefined ? await this.#store.users.get(username) : undefined;
    // Twitcher's administrator is never an external identity: a provider that lets anyone pick the
    // user name "admin" (self-registration) must not hand out Twitcher's administration.
    const user = named?.isAdmin ? undefined : named;
    const groups = groupNames(claimAt(claims, this.#options.externalGroupsClaim)).filter(
      (g) => g !== ADMINISTRATORS,
    );
    const label = user ? `user:${user.username}` : `external:${username ?? token.subject ?? token.clientId}`;
    return this.#build(label, user, groups);
  }

  async #ofCertificate(certificate: CertificateIdentity): Promise<Principal> {
    const key = tryDNKey(certificate.subjectDN);
    let user: UserRecord | undefined =
      key === undefined ? undefined : await this.#store.users.findByCertificateDN(key);
    if (!user) {
      const name = this.#ownCAUserName(certificate);
      if (name !== undefined) user = await this.#store.users.get(name);
    }
    return this.#build(user ? `user:${user.username}` : `dn:${certificate.subjectDN}`, user, []);
  }

  /** `name` when the certificate was issued by Twitcher's CA to `certs.baseDN` + `CN=name`. */
  #ownCAUserName(certificate: CertificateIdentity): string | undefined {
    const base = this.#options.certificateBaseDN;
    const caDN = this.#options.ownCASubjectDN;
    if (base === undefined || caDN === undefined) return undefined;
    // Another trusted CA may issue any subject: only Twitcher's own vouches for its users' names.
    if (tryDNKey(certificate.issuerDN) === undefined || tryDNKey(certificate.issuerDN) !== tryDNKey(caDN)) {
      return undefined;
    }
    try {
      const rdns = parseDN(certificate.subjectDN);
      const last = rdns[rdns.length - 1];
      if (last?.length !== 1 || last[0]?.type !== OID_COMMON_NAME) return undefined;
      return keyOf(rdns.slice(0, -1)) === dnKey(base) ? last[0].value : undefined;
    } catch {
      return undefined;
    }
  }

  async #build(
    label: string,
    user: UserRecord | undefined,
    extraGroups: readonly string[],
    authenticated = true,
  ): Promise<Principal> {
    const priorities = await this.#priorities();
    const names = new Set<string>([ANONYMOUS_GROUP]);
    if (authenticated) names.add(AUTHENTICATED_GROUP);
    if (user) for (const g of await this.#store.groups.groupsOf(user.username)) names.add(g.name);
    for (const g of extraGroups) if (priorities.has(g)) names.add(g);
    const groups: PrincipalGroup[] = [...names].map((name) => ({
      name,
      priority: priorities.get(name) ?? SPECIAL_GROUP_PRIORITIES[name] ?? 0,
    }));
    return {
      label,
      user: user?.username,
      groups,
      admin: user?.isAdmin === true || names.has(ADMINISTRATORS),
      authenticated,
    };
  }

  #priorities(): Promise<Map<string, number>> {
    this.#groupPriorities ??= this.#store.groups.list().then(
      (groups) => new Map(groups.map((g) => [g.name, g.priority])),
      (err: unknown) => {
        this.#groupPriorities = undefined;
        throw err;
      },
    );
    return this.#groupPriorities;
  }
}

function cacheKey(subject: Subject): string {
  switch (subject.kind) {
    case 'anonymous':
      return 'anonymous';
    case 'token': {
      const t = subject.token;
      // Own tokens act for their client's owner; an external token for its claims.
      return t.kind === 'external' ? `external\0${JSON.stringify(t.claims ?? {})}` : `client\0${t.clientId}`;
    }
    case 'certificate':
      return `dn\0${subject.certificate.subjectDN}\0${subject.certificate.issuerDN}`;
    case 'user':
      return `user\0${subject.username}`;
  }
}

/** Group names from a claim: a list of strings or a space-separated string. */
function groupNames(value: unknown): string[] {
  const list = typeof value === 'string' ? value.split(' ') : Array.isArray(value) ? value : [];
  return list
    .filter((g): g is string => typeof g === 'string' && g !== '' && g.length <= MAX_GROUP_NAME)
    .slice(0, MAX_CLAIM_GROUPS);
}
