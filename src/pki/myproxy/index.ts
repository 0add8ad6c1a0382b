export {
  DEFAULT_MYPROXY_PORT,
  type MyProxyLogonOptions,
  type MyProxyServerOptions,
  myproxyGetTrustRoots,
  myproxyLogon,
} from './client.js';
export { checkPassphrase, checkUsername, type TrustRoot } from './protocol.js';
export { myproxyServerIdentity } from './server-identity.js';
