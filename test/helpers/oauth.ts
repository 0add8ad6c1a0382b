import type { TestApp } from './app.js';

export interface RegisteredClient {
  client_id: string;
  client_secret: string;
  scopes: string[];
}

/** Registers an OAuth2 client through the admin API. */
export async function addClient(app: TestApp, body: Record<string, unknown> = {}): Promise<RegisteredClient> {
  const res = await fetch(`${app.url}/clients`, {
    method: 'POST',
    headers: { authorization: app.adminAuth, 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'test', ...body }),
  });
  if (res.status !== 201) throw new Error(`client registration failed: ${res.status} ${await res.text()}`);
  return (await res.json()) as RegisteredClient;
}

/** Client credentials grant with HTTP Basic; returns the parsed JSON and the response. */
export async function fetchToken(
  app: TestApp,
  client: { client_id: string; client_secret: string },
  scope?: string,
): Promise<{ status: number; body: Record<string, unknown>; headers: Headers }> {
  const form = new URLSearchParams({ grant_type: 'client_credentials' });
  if (scope !== undefined) form.set('scope', scope);
  const res = await fetch(`${app.url}/oauth/token`, {
    method: 'POST',
    headers: {
      authorization: `Basic ${Buffer.from(`${client.client_id}:${client.client_secret}`).toString('base64')}`,
      'content-type': 'application/x-www-form-urlencoded',
    },
    body: form,
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown>, headers: res.headers };
}

/** A token with the given scope (default compute) for a new client. */
export async function newToken(
  app: TestApp,
  scopes: string[] = ['compute'],
  scope?: string,
): Promise<string> {
  const client = await addClient(app, { scopes });
  const { status, body } = await fetchToken(app, client, scope);
  if (status !== 200) throw new Error(`token request failed: ${status} ${JSON.stringify(body)}`);
  return body['access_token'] as string;
}
