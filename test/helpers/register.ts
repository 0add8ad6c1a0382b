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

export interface AdminAnswer {
  status: number;
  type: string;
  location: string | null;
  // biome-ignore lint/suspicious/noExplicitAny: test answers are read loosely
  body: any;
}

/** A JSON call to the admin API as the administrator: whatever it answers. */
export async function adminRequest(
  app: Pick<TestApp, 'url' | 'adminAuth'>,
  method: string,
  path: string,
  body?: unknown,
): Promise<AdminAnswer> {
  const res = await fetch(`${app.url}${path}`, {
    method,
    headers: {
      authorization: app.adminAuth,
      ...(body !== undefined && { 'content-type': 'application/json' }),
    },
    ...(body !== undefined && { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  return {
    status: res.status,
    type: res.headers.get('content-type') ?? '',
    location: res.headers.get('location'),
    body: text === '' ? undefined : JSON.parse(text),
  };
}

/** A JSON call to the admin API that must succeed (set-up steps): its JSON, or undefined. */
export async function admin(
  app: Pick<TestApp, 'url' | 'adminAuth'>,
  method: string,
  path: string,
  body?: unknown,
): Promise<Record<string, unknown> | undefined> {
  const res = await adminRequest(app, method, path, body);
  if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body as Record<string, unknown> | undefined;
}
