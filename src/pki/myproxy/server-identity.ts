/**
 * Who the MyProxy server must be, checked the way MyProxy's own clients do (GCT PROTOCOL A.1,
 * myproxy-logon; MyProxyClient's SERVER_CN_PREFIXES): with a configured `serverDN`, the server
 * certificate's subject must be that DN (compared as OpenSSL compares names: ASCII case and white
 * space insensitive, not the Unicode folding of x509/dn/key.ts); otherwise its last CN must be `host/<name>`, `myproxy/<name>` or `<name>`, where
 * `<name>` is the host name connected to (or the configured server name), or a subjectAltName
 * DNS/IP entry must match it (RFC 6125, node's checkServerIdentity). Grid host certificates often
 * have CN=host/fqdn and no subjectAltName, which node's default check alone would refuse.
 * Only called by node after the chain verified against the configured CA certificates.
 */
import { checkServerIdentity, type PeerCertificate } from 'node:tls';
import { certificateParts } from '../ca/certificate.js';
import { type DistinguishedName, encodeDN, nameFromDER, sameOpenSSLName } from '../x509/dn/index.js';
import { OID_COMMON_NAME } from '../x509/oids.js';

export class ServerIdentityError extends Error {
  override readonly name = 'ServerIdentityError';
  readonly code = 'ERR_MYPROXY_SERVER_IDENTITY';
}

/** The checkServerIdentity function for tls.connect. */
export function myproxyServerIdentity(
  expectedName: string,
  serverDN?: string,
): (hostname: string, cert: PeerCertificate) => Error | undefined {
  const expectedDN = serverDN === undefined ? undefined : encodeDN(serverDN);
  const want = expectedName.toLowerCase().replace(/\.$/, '');
  return (_hostname, cert) => {
    let subject: Buffer;
    let name: DistinguishedName;
    try {
      subject = certificateParts(cert.raw).subject;
      name = nameFromDER(subject); // decodes every value, so the comparison below cannot throw
    } catch (err) {
      return new ServerIdentityError(`unreadable server certificate: ${(err as Error).message}`);
    }
    if (expectedDN) {
      if (sameOpenSSLName(subject, expectedDN)) return undefined;
      return new ServerIdentityError(
        `server certificate subject is not the configured server DN ${serverDN}`,
      );
    }
    const cns = name.rdns
      .flat()
      .filter((a) => a.type === OID_COMMON_NAME)
      .map((a) => a.value.toLowerCase());
    const cn = cns[cns.length - 1];
    if (cn !== undefined && [want, `host/${want}`, `myproxy/${want}`].includes(cn)) return undefined;
    if (cert.subjectaltname && checkServerIdentity(expectedName, cert) === undefined) return undefined;
    return new ServerIdentityError(
      `server certificate (CN=${cn ?? '?'}) is not for ${expectedName}: expected CN host/${expectedName}, ` +
        `myproxy/${expectedName} or ${expectedName}, a matching subjectAltName, or set serverDN`,
    );
  };
}
