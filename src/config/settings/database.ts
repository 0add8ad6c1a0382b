/** Settings of the store. */

import { withDefault } from '../setting.js';
import * as t from '../setting-types.js';

/** Where Twitcher keeps its data. */
export const DATABASE_SETTINGS = {
  'database.url': withDefault({
    env: 'TWITCHER_DATABASE_URL',
    type: t.string({
      minLength: 1,
      pattern: /^(sqlite:|postgres:\/\/|postgresql:\/\/)/,
      patternHint: 'sqlite:PATH or postgres://…',
    }),
    default: 'sqlite:var/twitcher.sqlite',
    doc:
      'Where Twitcher keeps its data: `sqlite:PATH` (embedded, created on first start; a relative PATH is ' +
      'relative to the working directory; `sqlite::memory:` for a throwaway store) or `postgres://user@host:port/db` ' +
      'for several instances sharing one store.',
  }),
  'database.poolSize': withDefault({
    env: 'TWITCHER_DATABASE_POOL_SIZE',
    type: t.integer({ min: 1, max: 100 }),
    default: 10,
    doc: 'Largest number of PostgreSQL connections of one instance.',
  }),
};
