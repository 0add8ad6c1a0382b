import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ServiceRegistry } from '../../src/registry/registry.js';
import { openStore } from '../../src/store/open-store.js';

test('lookups are cached, unknown names too, and every change shows at once', async (t) => {
  const store = await openStore('sqlite::memory:');
  t.after(() => store.close());
  let queries = 0;
  const get = store.services.get.bind(store.services);
  store.services.get = (name) => {
    queries++;
    return get(name);
  };
  const registry = new ServiceRegistry(store);
  t.after(() => registry.close());

  assert.equal(await registry.lookup('emu'), undefined);
  assert.equal(await registry.lookup('emu'), undefined);
  assert.equal(queries, 1, 'an unknown name is asked of the database once');

  await registry.register({ name: 'emu', url: 'http://127.0.0.1:5000/wps' });
  assert.equal((await registry.lookup('emu'))?.name, 'emu', 'registered: found on the next lookup');
  assert.equal((await registry.lookup('emu'))?.url, 'http://127.0.0.1:5000/wps');
  assert.equal(queries, 2);

  await registry.put('emu', { url: 'http://127.0.0.1:5001/wps' });
  assert.equal((await registry.lookup('emu'))?.url, 'http://127.0.0.1:5001/wps', 'replaced: the new one');

  await registry.unregister('emu');
  assert.equal(await registry.lookup('emu'), undefined, 'unregistered: gone at once');
  await registry.register({ name: 'emu', url: 'http://127.0.0.1:5002/wps' });
  await registry.clear();
  assert.equal(await registry.lookup('emu'), undefined, 'cleared: gone at once');
});
