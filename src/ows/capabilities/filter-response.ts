/**
 * The response side of capabilities filtering: which upstream answers are filtered, and where the
 * filter goes among the rewrite streams (after decompression, before the URL rewrite).
 */
import { TwitcherError } from '../../errors.js';
import type { ResponseRewriter } from './content.js';
import { CapabilitiesFilter } from './filter-stream.js';

/**
 * Whether an upstream answer to a filtered GetCapabilities must go through the filter: every
 * successful answer with a body. One that cannot be filtered (not XML, or an encoding the proxy
 * cannot decode) is refused rather than passed on unfiltered.
 */
export function mustFilter(statusCode: number, noBody: boolean, kind: 'xml' | 'json' | false): boolean {
  if (noBody || statusCode < 200 || statusCode >= 300) return false;
  if (kind !== 'xml') throw unfilterable('is not an XML document');
  return true;
}

/** Inserts the filter before the URL rewrite; throws when the body cannot be decoded. */
export function addCapabilitiesFilter(
  rewriter: ResponseRewriter | null,
  visible: (name: string) => boolean,
): void {
  if (!rewriter) throw unfilterable('has a content encoding the proxy cannot decode');
  const at = rewriter.streams.indexOf(rewriter.rewrite);
  rewriter.streams.splice(at, 0, new CapabilitiesFilter({ visible }));
}

function unfilterable(why: string): TwitcherError {
  return new TwitcherError('upstream_error', {
    description: 'The capabilities document of the upstream service could not be filtered.',
    detail: `the upstream answer ${why}`,
  });
}
