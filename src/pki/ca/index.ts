export { randomSerial } from './certificate.js';
export {
  BACKDATE_SECONDS,
  type CAKeyType,
  type CertificateAuthority,
  DEFAULT_CA_SUBJECT,
  type IssueRequest,
  type OpenCertificateAuthorityOptions,
  openCertificateAuthority,
  type TrustRootFile,
} from './certificate-authority.js';
