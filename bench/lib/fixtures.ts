/** The files the static upstream serves. */
import { truncateSync, writeFileSync } from 'node:fs';

/**
 * A WMS-capabilities-like document of exactly `size` bytes whose links point at `upstream`: the
 * same text serves as opaque bytes (.bin, not rewritten) and as text/xml (rewritten by Twitcher).
 */
export function capabilitiesXML(size: number, upstream: string): Buffer {
  const head =
    '<?xml version="1.0" encoding="UTF-8"?>\n' +
    '<WMS_Capabilities version="1.3.0" xmlns="http://www.opengis.net/wms" xmlns:xlink="http://www.w3.org/1999/xlink">\n' +
    `<Service><Name>WMS</Name><Title>Bench</Title><OnlineResource xlink:href="${upstream}/ows?"/></Service>\n` +
    '<Capability><Layer><Title>root</Title>\n';
  const foot = '</Layer></Capability>\n</WMS_Capabilities>\n';
  let body = head;
  for (let i = 0; ; i++) {
    const layer =
      `<Layer queryable="1"><Name>layer_${i}</Name><Title>Layer ${i}</Title>` +
      `<Style><LegendURL><OnlineResource xlink:href="${upstream}/ows?service=WMS&amp;request=GetLegendGraphic&amp;layer=layer_${i}"/></LegendURL></Style></Layer>\n`;
    if (Buffer.byteLength(body + layer + foot) > size) break;
    body += layer;
  }
  const pad = size - Buffer.byteLength(body + foot);
  if (pad < 0) throw new Error(`a capabilities document cannot be as small as ${size} bytes`);
  // Whitespace between elements: still well-formed XML, and exactly `size` bytes.
  return Buffer.from(body + ' '.repeat(pad) + foot);
}

/** A sparse file of zeros: no disk space and no time to write, whatever its size. */
export function sparseFile(path: string, bytes: number): void {
  writeFileSync(path, '');
  truncateSync(path, bytes);
}
