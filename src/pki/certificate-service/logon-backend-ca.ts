/**
 * The built-in online CA as the certificate service's backend: the users are Twitcher's own
 * (`/users`), the subject is `certs.baseDN` + `CN=<user name>`, and every certificate issued is
 * recorded in the store (serial, user, subject, validity, client address).
 */
import { TwitcherError } from '../../errors.js';
import type { CertificateRepository, UserRepository } from '../../store/types.js';
import { createUserVerifier } from '../../users/verify-user.js';
import { BACKDATE_SECONDS, type CertificateAuthority, randomSerial } from '../ca/index.js';
import { userSubjectDN } from '../x509/dn/index.js';
import { toPEM } from '../x509/pem.js';
import type { LogonBackend } from './logon-backend.js';

export interface CALogonBackendOptions {
  store: { users: UserRepository; certificates: CertificateRepository };
  /** The CA, opened (and created on the first start) by assembleDeps. */
  ca: CertificateAuthority;
  /** `certs.baseDN`. */
  baseDN: string;
}

export function createCALogonBackend({ store, ca, baseDN }: CALogonBackendOptions): LogonBackend {
  const verifyUser = createUserVerifier(store.users);
  return {
    name: 'ca',
    async trustRoots() {
      return ca.trustRootFiles();
    },
    async logon({ username, password, csr, lifetimeSeconds, clientAddress }) {
      if (!(await verifyUser(username, password))) {
        throw new TwitcherError('invalid_credentials', { description: 'Bad username or password' });
      }
      const subject = userSubjectDN(baseDN, username);
      const now = new Date();
      for (let attempt = 0; ; attempt++) {
        const serial = randomSerial();
        const der = ca.issue({ csr, subjectDN: subject, lifetimeSeconds, serial, now });
        try {
          await store.certificates.record({
            serial: serial.toString(16),
            username,
            subject,
            notBefore: now.getTime() - BACKDATE_SECONDS * 1000,
            notAfter: now.getTime() + lifetimeSeconds * 1000,
            issuedAt: now.getTime(),
            clientAddress,
          });
        } catch (err) {
          // A serial met twice (2^-128): draw again; nothing was handed out.
          if (err instanceof TwitcherError && err.code === 'duplicate_name' && attempt < 3) continue;
          throw err;
        }
        return toPEM(der);
      }
    },
  };
}
