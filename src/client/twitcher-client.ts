import { AuthorizationAPI } from './authorization-api.js';
import { checkBaseURL, DEFAULT_TIMEOUT_MS, type TwitcherClientOptions } from './options.js';
import { badResponse } from './parse-answer.js';
import { ProvisionAPI } from './provision-api.js';
import { type HttpAnswer, type HttpCall, Transport } from './transport.js';
import type {
  ClientAppJSON,
  ClientJSON,
  IntrospectionJSON,
  Scope,
  ServiceInput,
  ServiceJSON,
  TokenJSON,
} from './types.js';

/**
 * Who a request is made as: `admin` prefers the administrator's password (the admin API accepts
 * nothing else), `registry` prefers the access token (`/services` accepts a `register` token too).
 */
type AuthNeed = 'admin' | 'registry' | 'none';

/** Scopes as a list or a space-separated string; sent space-separated (RFC 6749 §3.3). */
export type ScopeList = string | readonly (Scope | string)[];

const joinScopes = (scope: ScopeList): string => (typeof scope === 'string' ? scope : scope.join(' '));
const segment = encodeURIComponent;

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/**
 * A typed client of Twitcher's HTTP API: the Python `TwitcherService`'s methods (service registry,
 * client registration, token endpoint, Keycloak tokens) and the admin API of clients and tokens.
 * Every failure is a `TwitcherClientError`.
 *
 * @example
 * import { TwitcherClient } from 'twitcher/client';
 *
 * const client = new TwitcherClient({ url: 'http://localhost:8000', username: 'admin', password: 'secret' });
 * await client.registerService({ url: 'http://localhost:5000/wps', name: 'emu' });
 * const app = await client.addClientApp({ name: 'demo' });
 * const { access_token } = await client.fetchToken({ clientId: app.client_id, clientSecret: app.client_secret });
 * await client.close();
 */
export class TwitcherClient {
  /** The server's base URL, without a trailing slash. */
  readonly url: string;
  readonly #options: TwitcherClientOptions;
  readonly #transport: Transport;
  /** Users, groups, resources, permissions and the audit log of `acl` services (administrator). */
  readonly authz: AuthorizationAPI;
  /** Declarative provisioning: apply a document, export the store (administrator). */
  readonly provision: ProvisionAPI;

  /** Throws `TwitcherClientError` (`invalid_url`) when `options.url` is not an absolute http(s) URL. */
  constructor(options: TwitcherClientOptions) {
    this.url = checkBaseURL(options.url);
    this.#options = options;
    this.#transport = new Transport({
      insecure: options.insecure ?? false,
      timeoutMs: options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
    });
    this.authz = new AuthorizationAPI((call) => this.#call('admin', call));
    this.provision = new ProvisionAPI((call) => this.#call('admin', call));
  }

  // ------------------------------------------------------------------ OAuth2 clients and tokens

  /**
   * Registers an OAuth2 client (`POST /oauth/client`, the seeds' `add_client_app`; administrator).
   * The secret is in this answer only.
   *
   * @example
   * const app = await client.addClientApp({ name: 'demo', redirectURI: 'https://demo.example.org' });
   * console.log(app.client_id, app.client_secret); // keep the secret: it is shown once
   */
  async addClientApp(
    input: { name?: string; redirectURI?: string; scopes?: Scope[] } = {},
  ): Promise<ClientAppJSON> {
    const body = {
      ...(input.name !== undefined && { name: input.name }),
      ...(input.redirectURI !== undefined && { redirect_uri: input.redirectURI }),
      ...(input.scopes !== undefined && { scopes: input.scopes }),
    };
    const answer = await this.#call('admin', { method: 'POST', path: '/oauth/client', body });
    return this.#object<ClientAppJSON>(answer, 'client_secret');
  }

  /**
   * Gets an access token with the client-credentials grant (RFC 6749 §4.4) from Twitcher's
   * `/oauth/token`, or from `tokenURL`: the token endpoint of an external OpenID provider such as a
   * Keycloak realm (`https://sso.example.org/realms/demo/protocol/openid-connect/token`). The client
   * authenticates with HTTP Basic. Without `scope` the server grants its default (Twitcher: compute).
   *
   * @example
   * const token = await client.fetchToken({ clientId: 'ID', clientSecret: 'SECRET', scope: ['compute'] });
   * const res = await fetch(`${client.url}/ows/proxy/emu?service=WPS&request=Execute&…`, {
   *   headers: { authorization: `Bearer ${token.access_token}` },
   * });
   */
  async fetchToken(input: {
    clientId: string;
    clientSecret: string;
    scope?: ScopeList;
    tokenURL?: string;
  }): Promise<TokenJSON> {
    const url =
      input.tokenURL === undefined
        ? `${this.url}/oauth/token`
        : checkBaseURL(input.tokenURL, 'the token URL');
    const form = new URLSearchParams({ grant_type: 'client_credentials' });
    if (input.scope !== undefined) form.set('scope', joinScopes(input.scope));
    // RFC 6749 §2.3.1: id and secret are form-urlencoded before they are joined for Basic
    const basic = `${encodeURIComponent(input.clientId)}:${encodeURIComponent(input.clientSecret)}`;
    const answer = await this.#transport.send({
      method: 'POST',
      url,
      headers: { authorization: `Basic ${Buffer.from(basic).toString('base64')}` },
      body: form,
    });
    return this.#object<TokenJSON>({ ...answer, url }, 'access_token');
  }

  /**
   * Lists the OAuth2 clients (`GET /clients`; administrator), never their secrets.
   *
   * @example
   * for (const c of await client.listClients()) console.log(c.client_id, c.name, c.scopes.join(' '));
   */
  async listClients(): Promise<ClientJSON[]> {
    return this.#array<ClientJSON>(await this.#call('admin', { method: 'GET', path: '/clients' }));
  }

  /**
   * Gets one OAuth2 client (`GET /clients/{id}`; administrator). Unknown: code `not_found`, status 404.
   *
   * @example
   * const c = await client.getClient('3f1c…');
   */
  async getClient(clientId: string): Promise<ClientJSON> {
    const answer = await this.#call('admin', { method: 'GET', path: `/clients/${segment(clientId)}` });
    return this.#object<ClientJSON>(answer, 'client_id');
  }

  /**
   * Registers an OAuth2 client on the admin API (`POST /clients`; administrator), optionally owned by
   * a user: its tokens then act for that user on `acl` services. The secret is in this answer only.
   *
   * @example
   * const c = await client.createClient({ name: 'portal', user: 'alice' });
   * console.log(c.client_id, c.client_secret);
   */
  async createClient(
    input: { name?: string; redirectURI?: string; scopes?: Scope[]; user?: string } = {},
  ): Promise<ClientJSON & { client_secret: string }> {
    const body = {
      ...(input.name !== undefined && { name: input.name }),
      ...(input.redirectURI !== undefined && { redirect_uri: input.redirectURI }),
      ...(input.scopes !== undefined && { scopes: input.scopes }),
      ...(input.user !== undefined && { user: input.user }),
    };
    const answer = await this.#call('admin', { method: 'POST', path: '/clients', body });
    return this.#object<ClientJSON & { client_secret: string }>(answer, 'client_secret');
  }

  /**
   * Sets (or with null clears) the user an OAuth2 client's tokens act for (`PATCH /clients/{id}`).
   *
   * @example
   * await client.setClientOwner('3f1c…', 'bob');
   */
  async setClientOwner(clientId: string, user: string | null): Promise<ClientJSON> {
    const answer = await this.#call('admin', {
      method: 'PATCH',
      path: `/clients/${segment(clientId)}`,
      body: { user },
    });
    return this.#object<ClientJSON>(answer, 'client_id');
  }

  /**
   * Deletes an OAuth2 client and its random tokens (`DELETE /clients/{id}`; administrator).
   *
   * @example
   * await client.deleteClient('3f1c…');
   */
  async deleteClient(clientId: string): Promise<void> {
    await this.#call('admin', { method: 'DELETE', path: `/clients/${segment(clientId)}` });
  }

  /**
   * Issues a token for a client without its secret (`POST /clients/{id}/tokens`; administrator), with
   * data passed to upstreams registered with `passTokenData` (merged over the client's own data).
   *
   * @example
   * const token = await client.issueToken('3f1c…', { scope: 'compute', data: { project: 'cmip6' } });
   */
  async issueToken(
    clientId: string,
    options: { scope?: ScopeList; data?: Record<string, string> } = {},
  ): Promise<TokenJSON> {
    const body = {
      ...(options.scope !== undefined && { scope: joinScopes(options.scope) }),
      ...(options.data !== undefined && { data: options.data }),
    };
    const answer = await this.#call('admin', {
      method: 'POST',
      path: `/clients/${segment(clientId)}/tokens`,
      body,
    });
    return this.#object<TokenJSON>(answer, 'access_token');
  }

  /**
   * Revokes any token Twitcher issued (`POST /tokens/revoke`; administrator): refused at once from then
   * on. A token Twitcher does not know: code `not_found`.
   *
   * @example
   * await client.revokeToken(token.access_token);
   */
  async revokeToken(token: string): Promise<void> {
    await this.#call('admin', { method: 'POST', path: '/tokens/revoke', body: { token } });
  }

  /**
   * What a token grants (`POST /tokens/introspect`, RFC 7662 shape; administrator).
   *
   * @example
   * const info = await client.introspectToken(token.access_token);
   * console.log(info.active ? `${info.client_id}: ${info.scope}` : 'inactive');
   */
  async introspectToken(token: string): Promise<IntrospectionJSON> {
    const answer = await this.#call('admin', { method: 'POST', path: '/tokens/introspect', body: { token } });
    return this.#object<IntrospectionJSON>(answer, 'active');
  }

  // ------------------------------------------------------------------ service registry

  /**
   * Gets a registered service (`GET /services/{name}`). Unknown: code `service_not_found`, status 404.
   *
   * @example
   * const emu = await client.getService('emu');
   */
  async getService(name: string): Promise<ServiceJSON> {
    const answer = await this.#call('registry', { method: 'GET', path: `/services/${segment(name)}` });
    return this.#object<ServiceJSON>(answer, 'url');
  }

  /**
   * Lists the registered services (`GET /services`).
   *
   * @example
   * const names = (await client.listServices()).map((s) => s.name);
   */
  async listServices(): Promise<ServiceJSON[]> {
    return this.#array<ServiceJSON>(await this.#call('registry', { method: 'GET', path: '/services' }));
  }

  /**
   * Registers a service (`POST /services`). The name is sanitised (`My-WPS` → `my_wps`) or generated
   * when omitted; a name that is taken: code `duplicate_name`, 409; bad fields: `validation_failed`, 422.
   *
   * @example
   * const emu = await client.registerService({ url: 'http://localhost:5000/wps', name: 'emu', auth: 'token' });
   */
  async registerService(input: ServiceInput): Promise<ServiceJSON> {
    const answer = await this.#call('registry', { method: 'POST', path: '/services', body: input });
    return this.#object<ServiceJSON>(answer, 'url');
  }

  /**
   * Replaces the service called `name`, or registers it under that name (`PUT /services/{name}`).
   *
   * @example
   * const { service, created } = await client.replaceService('emu', { url: 'http://localhost:5000/wps', auth: 'public' });
   */
  async replaceService(
    name: string,
    input: Omit<ServiceInput, 'name'>,
  ): Promise<{ service: ServiceJSON; created: boolean }> {
    const answer = await this.#call('registry', {
      method: 'PUT',
      path: `/services/${segment(name)}`,
      body: input,
    });
    return { service: this.#object<ServiceJSON>(answer, 'url'), created: answer.status === 201 };
  }

  /**
   * Unregisters a service (`DELETE /services/{name}`). Unknown: code `service_not_found`, status 404.
   *
   * @example
   * await client.unregisterService('emu');
   */
  async unregisterService(name: string): Promise<void> {
    await this.#call('registry', { method: 'DELETE', path: `/services/${segment(name)}` });
  }

  /**
   * Unregisters every service (`DELETE /services`).
   *
   * @example
   * await client.clearServices();
   */
  async clearServices(): Promise<void> {
    await this.#call('registry', { method: 'DELETE', path: '/services' });
  }

  /**
   * Releases the client's connections (only the `insecure` ones are kept by the client itself).
   *
   * @example
   * try { await client.listServices(); } finally { await client.close(); }
   */
  async close(): Promise<void> {
    await this.#transport.close();
  }

  // ------------------------------------------------------------------ plumbing

  async #call(
    auth: AuthNeed,
    call: { method: HttpCall['method']; path: string; body?: object },
  ): Promise<HttpAnswer & { url: string }> {
    const url = `${this.url}${call.path}`;
    const authorization = this.#authorization(auth);
    const answer = await this.#transport.send({
      method: call.method,
      url,
      headers: authorization === undefined ? {} : { authorization },
      ...(call.body !== undefined && { body: call.body }),
    });
    return { ...answer, url };
  }

  #authorization(auth: AuthNeed): string | undefined {
    const { username, password, token } = this.#options;
    const basic =
      password === undefined
        ? undefined
        : `Basic ${Buffer.from(`${username ?? 'admin'}:${password}`).toString('base64')}`;
    const bearer = token === undefined || token === '' ? undefined : `Bearer ${token}`;
    if (auth === 'admin') return basic ?? bearer;
    if (auth === 'registry') return bearer ?? basic;
    return undefined;
  }

  /** The answer as an object with `member`, else `bad_response` (a server that is not Twitcher). */
  #object<T>(answer: HttpAnswer & { url: string }, member: string): T {
    if (!isRecord(answer.body) || !(member in answer.body)) {
      throw badResponse(answer.url, answer.status, `without the expected JSON object (no "${member}")`);
    }
    return answer.body as T;
  }

  #array<T>(answer: HttpAnswer & { url: string }): T[] {
    if (!Array.isArray(answer.body)) {
      throw badResponse(answer.url, answer.status, 'without the expected JSON array');
    }
    return answer.body as T[];
  }
}
