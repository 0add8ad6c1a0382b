/** Settings of the administrator of the admin API. */

import { optional, withDefault } from '../setting.js';
import * as t from '../setting-types.js';

/** The administrator (HTTP Basic on the admin API). */
export const ADMIN_SETTINGS = {
  'admin.username': withDefault({
    env: 'TWITCHER_ADMIN_USERNAME',
    type: t.string({ minLength: 1, pattern: /^[^:\s]+$/, patternHint: 'no colon and no white space' }),
    default: 'admin',
    doc:
      'User name of the administrator (HTTP Basic on the admin API). No user of `/users` may take it, in any ' +
      'case (409 `duplicate_name`).',
  }),
  'admin.password': optional({
    env: 'TWITCHER_ADMIN_PASSWORD',
    type: t.string({ minLength: 12 }),
    secret: true,
    doc:
      'Password of the administrator (at least 12 characters). When neither this nor `admin.passwordHash` is set, ' +
      'the first start generates a strong random password, stores only its hash and prints the password once.',
  }),
  'admin.passwordHash': optional({
    env: 'TWITCHER_ADMIN_PASSWORD_HASH',
    type: t.string({ pattern: /^scrypt\$/, patternHint: 'a hash made by `twitcher hash-password`' }),
    secret: true,
    doc: 'Hash of the administrator password, as printed by `twitcher hash-password`; use instead of `admin.password`.',
  }),
};
