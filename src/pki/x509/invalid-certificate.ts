import { TwitcherError } from '../../errors.js';

/**
 * The one way a refused client certificate is reported: `description` is public and names the rule
 * broken (with its clause); `detail` (subject DNs, positions, library messages) is only logged.
 */
export function invalidCertificate(description: string, detail?: string, cause?: unknown): TwitcherError {
  return new TwitcherError('invalid_certificate', {
    description,
    ...(detail === undefined ? {} : { detail }),
    ...(cause === undefined ? {} : { cause }),
  });
}
