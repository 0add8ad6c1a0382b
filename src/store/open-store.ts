import type { Store } from './types.js';

export interface OpenStoreOptions {
  poolSize?: number;
  onError?: (err: Error) => void;
}

/** Opens (and migrates) the store named by `database.url`: `sqlite:PATH` or `postgres://…`. */
export async function openStore(url: string, options: OpenStoreOptions = {}): Promise<Store> {
  if (url.startsWith('sqlite:')) {
    const path = url.slice('sqlite:'.length).replace(/^\/\/(?=\/)/, '');
    // Each dialect's driver is loaded only when used: an embedded instance never loads pg.
    const { openSQLiteStore } = await import('./sqlite/open-sqlite.js');
    return openSQLiteStore({ path: path || ':memory:' });
  }
  if (url.startsWith('postgres://') || url.startsWith('postgresql://')) {
    const { openPostgresStore } = await import('./postgres/open-postgres.js');
    return openPostgresStore({
      connectionString: url,
      ...(options.poolSize !== undefined && { poolSize: options.poolSize }),
      ...(options.onError && { onError: options.onError }),
    });
  }
  throw new TypeError(`unsupported database URL scheme: ${url.split(':')[0]}`);
}
