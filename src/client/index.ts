/**
 * `twitcher/client`: a typed client of Twitcher's HTTP API. It imports nothing from the server and
 * needs nothing but Node's fetch (plus undici's Agent, loaded only for `insecure: true`).
 *
 * @example
 * import { TwitcherClient, TwitcherClientError } from 'twitcher/client';
 *
 * const client = new TwitcherClient({ url: 'http://localhost:8000', password: process.env.TWITCHER_PASSWORD });
 * try {
 *   console.log(await client.listServices());
 * } catch (err) {
 *   if (err instanceof TwitcherClientError) console.error(`${err.message} (${err.code})`);
 * }
 */

export { type AdminCall, AuthorizationAPI } from './authorization-api.js';
export type {
  AuditPageJSON,
  AuditQuery,
  AuditRecordJSON,
  EffectiveJSON,
  GrantInput,
  GroupJSON,
  PermissionJSON,
  ResolutionJSON,
  ResourceJSON,
  ResourceKind,
  UserJSON,
} from './authz-types.js';
export { CLIENT_SIDE_CODES, type FieldError, TwitcherClientError } from './error.js';
export {
  attenuateMacaroon,
  MacaroonCaveatError,
  type MacaroonRestrictions,
  macaroonCaveats,
  macaroonCaveatsOf,
} from './macaroon-attenuate.js';
export { decodeMacaroon, looksLikeMacaroon, MacaroonFormatError } from './macaroon-codec.js';
export { checkBaseURL, DEFAULT_TIMEOUT_MS, type TwitcherClientOptions } from './options.js';
export { ProvisionAPI } from './provision-api.js';
export type {
  ExportedDocumentJSON,
  PlannedChangeJSON,
  ProvisionDocument,
  ProvisionNoteJSON,
  ProvisionResultJSON,
} from './provision-types.js';
export { type ScopeList, TwitcherClient } from './twitcher-client.js';
export type {
  AuthMode,
  ClientAppJSON,
  ClientJSON,
  IntrospectionJSON,
  Scope,
  ServiceInput,
  ServiceJSON,
  ServiceLimits,
  ServiceLimitsInput,
  ServiceType,
  TokenJSON,
} from './types.js';
