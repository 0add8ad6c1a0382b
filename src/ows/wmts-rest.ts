/** The WMTS 1.0.0 RESTful encoding (OGC 07-057r7 §10): operation and layer from the request path. */
import { finish } from './build-request.js';
import { decodeValue } from './kvp.js';
import { add, emptyResources } from './request-resources.js';
import type { OWSRequest, OWSRequestInput } from './types.js';

const WMTS_REST_VERSION = '1.0.0';
const WMTS_REST_CAPABILITIES = 'wmtscapabilities.xml';

/**
 * WMTS RESTful encoding (OGC 07-057r7 §10.2): `…/1.0.0/WMTSCapabilities.xml`,
 * `…/1.0.0/{layer}/{style}/[{dimensions}/]{TileMatrixSet}/{TileMatrix}/{TileRow}/{TileCol}.{ext}` and the
 * FeatureInfo template with `/{J}/{I}.{ext}` (8 segments without dimensions).
 */
export function fromWmtsPath(input: OWSRequestInput): OWSRequest | undefined {
  const segments = input.path.split('/');
  const at = segments.indexOf(WMTS_REST_VERSION);
  if (at < 0) return undefined;
  const rest = segments.slice(at + 1);
  const resources = emptyResources();
  let operation: string;
  if (rest.length === 1 && rest[0]?.toLowerCase() === WMTS_REST_CAPABILITIES) {
    operation = 'GetCapabilities';
  } else if (rest.length >= 6 && rest.every((s) => s !== '') && rest[rest.length - 1]?.includes('.')) {
    operation = rest.length === 8 ? 'GetFeatureInfo' : 'GetTile';
    add(resources, 'layers', 'layer', [decodeValue(rest[0] ?? '', 'layer')]);
  } else {
    return undefined;
  }
  return finish(input, {
    encoding: 'rest',
    service: 'wmts',
    operation,
    version: WMTS_REST_VERSION,
    resources,
    exceptions: undefined,
  });
}
