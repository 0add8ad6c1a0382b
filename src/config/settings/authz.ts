/** Settings of `auth: acl` services: external tokens' claims, the audit log, HTTP Basic. */

import { withDefault } from '../setting.js';
import * as t from '../setting-types.js';

/** Access control lists of `auth: acl` services. */
export const AUTHZ_SETTINGS = {
  'authz.externalUserClaim': withDefault({
    env: 'TWITCHER_AUTHZ_EXTERNAL_USER_CLAIM',
    type: t.string({ minLength: 1 }),
    default: 'preferred_username',
    doc:
      "On `auth: acl` services: the claim of an external provider's access token that names the Twitcher user it " +
      'acts for (a dotted path such as `user.name` reaches nested claims). No such user: the token has only the ' +
      'permissions of its groups.',
  }),
  'authz.externalGroupsClaim': withDefault({
    env: 'TWITCHER_AUTHZ_EXTERNAL_GROUPS_CLAIM',
    type: t.string({ minLength: 1 }),
    default: 'groups',
    doc:
      'On `auth: acl` services: the claim of an external access token that lists group names (a list, or a ' +
      'space-separated string; `realm_access.roles` for Keycloak roles). Groups Twitcher has are added to the ' +
      "user's own; `administrators` is never taken from a token.",
  }),
  'authz.auditRetention': withDefault({
    env: 'TWITCHER_AUTHZ_AUDIT_RETENTION',
    type: t.duration(),
    default: 90 * 24 * 3_600_000,
    defaultDoc: '`2160h` (90 days)',
    doc: 'How long the audit log keeps access decisions of `auth: acl` services; older ones are deleted every hour.',
  }),
  'authz.basicAuth': withDefault({
    env: 'TWITCHER_AUTHZ_BASIC_AUTH',
    type: t.boolean(),
    default: false,
    doc:
      "On `auth: acl` services, also accept HTTP Basic with Twitcher's own users (`/users`), for clients that know " +
      "no tokens (OWSLib's `username`/`password`, QGIS, GDAL's `GDAL_HTTP_USERPWD`). Only behind TLS: the password " +
      'travels with every request. Failed attempts are limited per user name and per address like `logon` ' +
      '(`certs.maxFailures` in 5 minutes, then 429).',
  }),
};
