/** Parses `Authorization: Basic …` (RFC 7617 §2: user-id and password split at the FIRST colon). */
export function parseBasicAuthorization(
  header: string | undefined,
): { username: string; password: string } | undefined {
  if (!header) return undefined;
  const m = /^Basic[ \t]+([A-Za-z0-9+/=._~-]+)[ \t]*$/i.exec(header);
  if (!m?.[1]) return undefined;
  const decoded = Buffer.from(m[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return undefined;
  return { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}
