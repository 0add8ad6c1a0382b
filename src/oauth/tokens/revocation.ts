/** The revocation check shared by every kind, run only AFTER the token has been authenticated. */
import { TwitcherError } from '../../errors.js';
import type { RevocationList } from './types.js';

export async function assertNotRevoked(revocations: RevocationList | undefined, jti: string): Promise<void> {
  if (revocations && (await revocations.isRevoked(jti))) {
    throw new TwitcherError('invalid_token', {
      description: 'The access token was revoked.',
      detail: `revoked jti ${jti}`,
    });
  }
}
