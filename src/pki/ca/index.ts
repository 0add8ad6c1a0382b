/** The online CA: opening (and creating) it, issuing, and the serials its callers draw. */
export {
  BACKDATE_SECONDS,
  type CAKeyType,
  DEFAULT_CA_SUBJECT,
  type OpenCertificateAuthorityOptions,
} from './ca-files.js';
export { randomSerial } from './certificate.js';
export {
  type CertificateAuthority,
  type IssueRequest,
  openCertificateAuthority,
  type TrustRootFile,
} from './certificate-authority.js';
