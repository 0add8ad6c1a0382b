import type { AccessTokenInfo } from '../oauth/tokens/types.js';

/**
 * Who is asking. The proxy turns credentials into a Subject (auth/); the policy decides on it.
 * Later kinds (certificate holders, users) extend this union.
 */
export type Subject = { kind: 'anonymous' } | { kind: 'token'; token: AccessTokenInfo };

export const ANONYMOUS: Subject = Object.freeze({ kind: 'anonymous' });

/** The scope that opens the protected operations of `auth: token` services. */
export const COMPUTE_SCOPE = 'compute';
