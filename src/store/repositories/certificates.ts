/** Certificates issued by the built-in CA, for the record (both dialects). */
import type { Kysely } from 'kysely';
import { TwitcherError } from '../../errors.js';
import type { Database } from '../schema.js';
import type { CertificateRepository } from '../types.js';
import type { DialectHooks } from './dialect-hooks.js';

/** Issued certificates: one row per serial, listed by user. */
export function createCertificateRepository(
  db: Kysely<Database>,
  hooks: DialectHooks,
): CertificateRepository {
  return {
    async record(cert) {
      try {
        await db
          .insertInto('issued_certificates')
          .values({
            serial: cert.serial,
            username: cert.username,
            subject: cert.subject,
            not_before: cert.notBefore,
            not_after: cert.notAfter,
            issued_at: cert.issuedAt,
            client_address: cert.clientAddress,
          })
          .execute();
      } catch (err) {
        if (hooks.isUniqueViolation(err)) {
          throw new TwitcherError('duplicate_name', {
            description: `Serial ${cert.serial} was already issued.`,
          });
        }
        throw err;
      }
    },
    async listByUser(username) {
      const rows = await db
        .selectFrom('issued_certificates')
        .selectAll()
        .where('username', '=', username)
        .orderBy('issued_at')
        .execute();
      return rows.map((r) => ({
        serial: r.serial,
        username: r.username,
        subject: r.subject,
        notBefore: Number(r.not_before),
        notAfter: Number(r.not_after),
        issuedAt: Number(r.issued_at),
        clientAddress: r.client_address,
      }));
    },
  };
}
