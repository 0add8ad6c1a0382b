import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after } from 'node:test';
import { openSQLiteStore } from '../../src/store/sqlite/open-sqlite.js';
import type { Store } from '../../src/store/types.js';
import { authzStoreContract, type StoreFactory, storeContract } from './contract.js';

const dir = mkdtempSync(join(tmpdir(), 'twitcher-sqlite-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const files = new Map<Store, string>();
let n = 0;

const factory: StoreFactory = {
  async open() {
    const path = join(dir, `store-${n++}.sqlite`);
    const store = await openSQLiteStore({ path, pollInterval: 50 });
    files.set(store, path);
    return store;
  },
  async openSibling(store) {
    return openSQLiteStore({ path: files.get(store) ?? ':memory:', pollInterval: 50 });
  },
};

storeContract('sqlite', factory);
authzStoreContract('sqlite', factory);
