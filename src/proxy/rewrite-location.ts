/**
 * Where an upstream's `Location` or `Content-Location` sends the client, said through the proxy.
 *
 * Both may be relative, and then mean a URL relative to the upstream's target URI (RFC 9110 §10.2.2
 * for Location, §8.7 for Content-Location). Passed on as they came, the client would resolve them
 * against the proxy URL instead: `/wps/outputs/x.xml` would land on Twitcher's own `/wps/…`. So the
 * value is resolved against the upstream request URL first, then the body's rewrite rules
 * (src/ows/capabilities/rewrite-rules.ts) decide, exactly as for a URL in a document: into this
 * service → its proxy URL; into a sibling service on the same upstream origin → that service's proxy
 * URL; the bare upstream origin → Twitcher's front page; anything else is not a proxy URL.
 *
 * What is not rewritten: an absolute value stays byte for byte as it came (another host, or a
 * "foreign" path on the upstream origin, as the body rewrite leaves them). A relative one becomes the
 * absolute URL it meant, because relative to the proxy it would name another resource.
 */
import type { RewriteRules } from '../ows/capabilities/rewrite-rules.js';
import { rewriteBufferWithCounts } from '../ows/capabilities/rewrite-stream.js';

/** `scheme:` at the start (RFC 3986 §3.1): the value does not depend on the base URL's scheme. */
const HAS_SCHEME = /^[A-Za-z][A-Za-z0-9+.-]*:/;

/**
 * The value of a `Location` or `Content-Location` field for the client.
 *
 * @param value the upstream's field value
 * @param requestURL the absolute URL the upstream was asked for (its target URI)
 * @param rules the service's rewrite rules (the XML ones: a header value is not JSON-escaped)
 * @example
 * // service `emu` at http://up:5000/wps, proxied at https://tw.example/ows/proxy/emu
 * rewriteLocation('outputs/x.xml', 'http://up:5000/wps/jobs?id=1', rules);
 * // → 'https://tw.example/ows/proxy/emu/outputs/x.xml'
 */
export function rewriteLocation(value: string, requestURL: string, rules: RewriteRules): string {
  let resolved: URL;
  try {
    resolved = new URL(value, requestURL);
  } catch {
    // Not a URL the WHATWG parser takes (MapServer's `http://host:8000:5001/…`): the body rules,
    // which match bytes, are all that can be said of it.
    return rewriteText(rules, value) ?? value;
  }
  const absolute = HAS_SCHEME.test(value);
  if (resolved.protocol !== 'http:' && resolved.protocol !== 'https:') return value;
  // The parsed form: dot segments resolved (`/wps/../admin` is not under `/wps`), host lower-cased,
  // default port dropped (the rules know both spellings).
  const href = resolved.href;
  return rewriteText(rules, href) ?? (absolute ? value : href);
}

/** The text with the rules applied, or undefined when no URL in it was rewritten. */
function rewriteText(rules: RewriteRules, text: string): string | undefined {
  const { body, counts } = rewriteBufferWithCounts(rules, Buffer.from(text, 'latin1'));
  return counts.replacements === 0 ? undefined : body.toString('latin1');
}
