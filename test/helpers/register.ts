import type { TestApp } from './app.js';

/** Registers a service through the admin API (as an admin would) and returns its JSON. */
export async function registerService(
  app: TestApp,
  service: Record<string, unknown>,
): Promise<Record<string, unknown>> {
  const res = await fetch(`${app.url}/services`, {
    method: 'POST',
    headers: { authorization: app.adminAuth, 'content-type': 'application/json' },
    body: JSON.stringify(service),
  });
  if (res.status !== 201) throw new Error(`register failed: ${res.status} ${await res.text()}`);
  return (await res.json()) as Record<string, unknown>;
}
