/**
 * The capabilities filter answers byte for byte what it answered before it was rewritten for speed
 * (issue 12): filter-reference.ts is the previous implementation, kept as the oracle. For each
 * document below — the tricky ones, then random ones — both filters get the same bytes in the same
 * chunks (whole, split in two at every offset, one byte at a time, random sizes) and must agree on
 * the output, the error, the counters and the names they asked about.
 *
 * A deliberate change of the filter's behaviour changes the reference too, in the same commit.
 */
import assert from 'node:assert/strict';
import type { Transform } from 'node:stream';
import { describe, test } from 'node:test';
import { CapabilitiesFilter } from '../../../src/ows/capabilities/filter-stream.js';
import { CapabilitiesFilter as ReferenceFilter } from './filter-reference.js';

interface Answer {
  output: string;
  error: string | undefined;
  counts: unknown;
  asked: string[];
}

type Visible = (name: string) => boolean;

async function run(
  make: (visible: Visible) => Transform & { counts: object },
  chunks: Buffer[],
  visible: Visible,
): Promise<Answer> {
  const asked: string[] = [];
  const f = make((name) => {
    asked.push(name);
    return visible(name);
  });
  const out: Buffer[] = [];
  f.on('data', (c: Buffer) => out.push(c));
  const done = new Promise<string | undefined>((resolve) => {
    f.on('end', () => resolve(undefined));
    f.on('error', (err) => resolve(err.message));
  });
  for (const c of chunks) f.write(c);
  f.end();
  const error = await done;
  return { output: Buffer.concat(out).toString('latin1'), error, counts: { ...f.counts }, asked };
}

function makeNew(maxHold?: number) {
  return (visible: Visible) => new CapabilitiesFilter({ visible, ...(maxHold !== undefined && { maxHold }) });
}
function makeReference(maxHold?: number) {
  return (visible: Visible) => new ReferenceFilter({ visible, ...(maxHold !== undefined && { maxHold }) });
}

async function assertSame(
  doc: Buffer,
  chunks: Buffer[],
  visible: Visible,
  what: string,
  maxHold?: number,
): Promise<void> {
  const expected = await run(makeReference(maxHold), chunks, visible);
  const actual = await run(makeNew(maxHold), chunks, visible);
  assert.deepEqual(actual, expected, `${what} (${doc.length} bytes in ${chunks.length} chunks)`);
}

/** Deterministic pseudo-random numbers (mulberry32). */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function randomChunks(doc: Buffer, random: () => number, max: number): Buffer[] {
  const chunks: Buffer[] = [];
  for (let i = 0; i < doc.length; ) {
    const size = 1 + Math.floor(random() * max);
    chunks.push(doc.subarray(i, i + size));
    i += size;
  }
  return chunks;
}

const VISIBILITIES: [string, Visible][] = [
  ['none', () => false],
  ['all', () => true],
  ['some', (n) => /^(ok|a<b|a&b|é|ns:ok|keep|x y|child|c[0-9]*_l[02468])/.test(n)],
  ['odd', (n) => n.length % 2 === 1],
];

const WMS_HEAD = '<?xml version="1.0"?><WMS_Capabilities xmlns="http://www.opengis.net/wms"><Capability>';
const WMS_TAIL = '</Capability></WMS_Capabilities>';
const wms = (layers: string) => `${WMS_HEAD}${layers}${WMS_TAIL}`;

/** Documents that a byte-level reader may get wrong. */
const TRICKY: [string, string][] = [
  ['CDATA name', wms('<Layer><Name>root</Name><Layer><Name><![CDATA[a<b]]></Name></Layer></Layer>')],
  [
    'CDATA with markup and brackets',
    wms(
      '<Layer><Layer><Name><![CDATA[ok]]]]><![CDATA[>]]></Name><Title><![CDATA[</Layer>]]></Title></Layer></Layer>',
    ),
  ],
  ['CDATA and text mixed', wms('<Layer><Layer><Name> o<![CDATA[k]]>&amp;x </Name></Layer></Layer>')],
  ['comment inside a name', wms('<Layer><Layer><Name>o<!-- </Name> -->k</Name></Layer></Layer>')],
  [
    'comment hiding a layer',
    wms('<Layer><!-- <Layer><Name>secret</Name></Layer> --><Layer><Name>ok</Name></Layer></Layer>'),
  ],
  [
    'comment with dashes and >',
    wms('<Layer><!-- a -> b > c --><Layer><Name>ok</Name></Layer><!----></Layer>'),
  ],
  [
    'processing instructions',
    wms('<?pi a="<Layer>"?><Layer><?x ?><Layer><Name>ok<?y?></Name></Layer></Layer>'),
  ],
  [
    'DOCTYPE with an internal subset',
    `<?xml version="1.0"?><!DOCTYPE WMT_MS_Capabilities SYSTEM "x.dtd" [ <!ELEMENT a EMPTY> <!ENTITY e "<Layer>"> <!ATTLIST a b CDATA '>'> ]><WMT_MS_Capabilities><Capability><Layer><Name>ok</Name><Layer><Name>no</Name></Layer></Layer></Capability></WMT_MS_Capabilities>`,
  ],
  [
    'nested layers with and without names',
    wms(
      '<Layer><Title>root</Title><Layer><Title>cat</Title><Layer><Name>ok</Name></Layer><Layer><Name>no</Name></Layer></Layer>' +
        '<Layer><Name>secretcat</Name><Layer><Name>child</Name></Layer><Layer><Title>sub</Title><Layer><Name>deep</Name></Layer></Layer></Layer>' +
        '<Layer><Title>empty</Title></Layer><Layer><Name>no2</Name><Layer><Name>no3</Name></Layer></Layer></Layer>',
    ),
  ],
  [
    'a name after a nested layer',
    wms(
      '<Layer><Name>r</Name><Layer><Title>t</Title><Layer><Name>child</Name></Layer><Name>late</Name></Layer></Layer>',
    ),
  ],
  [
    'two names',
    wms(
      '<Layer><Layer><Name>no</Name><Name>ok</Name></Layer><Layer><Name>ok</Name><Name>no</Name></Layer></Layer>',
    ),
  ],
  [
    'a Name of a Style is not the layer name',
    wms('<Layer><Layer><Style><Name>ok</Name></Style><Title>x</Title></Layer></Layer>'),
  ],
  [
    'empty and self-closing names',
    wms('<Layer><Layer><Name/></Layer><Layer><Name></Name></Layer><Layer><Name>  </Name></Layer></Layer>'),
  ],
  ['self-closing layers', wms('<Layer><Layer/><Layer queryable="1"/><Name>ok</Name></Layer>')],
  [
    'prefixes and namespaces',
    `<wms:WMS_Capabilities xmlns:wms="http://www.opengis.net/wms"><wms:Capability><wms:Layer><wms:Name>ns:ok</wms:Name>` +
      `<a:b:Layer><x:Name>keep</x:Name></a:b:Layer><wms:Layer><wms:Name>ns:no</wms:Name></wms:Layer><Layer xmlns="urn:x"><Name>ok</Name></Layer>` +
      `</wms:Layer></wms:Capability></wms:WMS_Capabilities>`,
  ],
  [
    'entities and character references',
    wms(
      '<Layer><Layer><Name>a&amp;b</Name></Layer><Layer><Name>&#111;&#x6b;</Name></Layer><Layer><Name>&lt;no&gt;&bogus;&#0;&#x110000;</Name></Layer></Layer>',
    ),
  ],
  [
    'attributes with > and quotes inside',
    wms(
      `<Layer a=">" b='<Layer>"'><Layer c="x>y" d='>'><Name title="</Name>">ok</Name></Layer><Layer e='"'><Name>no</Name></Layer></Layer>`,
    ),
  ],
  [
    'white space inside tags',
    wms(
      '<Layer\n><Layer\tqueryable = "1" ><Name\r\n>ok</Name ></Layer ><Layer><Name >no</Name\n></Layer></Layer>',
    ),
  ],
  [
    'case of element names',
    wms('<Layer><layer><Name>no</Name></layer><Layer><name>ok</name><NAME>ok</NAME></Layer></Layer>'),
  ],
  [
    'UTF-8 names',
    wms(
      '<Layer><Layer><Name>é</Name></Layer><Layer><Name>日本</Name></Layer><Layer><Name>x y</Name></Layer></Layer>',
    ),
  ],
  [
    'markup-like text',
    wms(
      '<Layer><Layer><Title>a > b</Title><Name>ok</Name><Abstract>1 &lt; 2 ]]> 3</Abstract></Layer></Layer>',
    ),
  ],
  [
    'WPS 1.0',
    `<wps:Capabilities xmlns:wps="w" xmlns:ows="o"><wps:ProcessOfferings><wps:Process><ows:Identifier>ok</ows:Identifier><ows:Title>t</ows:Title></wps:Process>` +
      `<wps:Process><ows:Title>no name</ows:Title></wps:Process><wps:Process><ows:Title>first</ows:Title><ows:Identifier>no</ows:Identifier></wps:Process>` +
      `<wps:Process/><wps:Process><ows:Identifier>keep</ows:Identifier></wps:Process></wps:ProcessOfferings></wps:Capabilities>`,
  ],
  [
    'WPS 2.0',
    `<wps:Capabilities><wps:Contents><wps:ProcessSummary><ows:Identifier>ok</ows:Identifier></wps:ProcessSummary><wps:ProcessSummary><ows:Identifier>no</ows:Identifier></wps:ProcessSummary></wps:Contents></wps:Capabilities>`,
  ],
  [
    'WFS',
    `<WFS_Capabilities><FeatureTypeList><FeatureType><Name>ns:ok</Name></FeatureType><FeatureType><Name>ns:no</Name><Title>x</Title></FeatureType></FeatureTypeList></WFS_Capabilities>`,
  ],
  [
    'WCS 1.0, 1.1, 2.0',
    `<WCS_Capabilities><ContentMetadata><CoverageOfferingBrief><name>ok</name></CoverageOfferingBrief><CoverageOfferingBrief><name>no</name></CoverageOfferingBrief></ContentMetadata></WCS_Capabilities>` +
      `<Capabilities><Contents><CoverageSummary><Identifier>no</Identifier><CoverageSummary><Identifier>ok</Identifier></CoverageSummary><CoverageSummary><CoverageId>no2</CoverageId></CoverageSummary></CoverageSummary>` +
      `<CoverageSummary><CoverageId>keep</CoverageId></CoverageSummary></Contents></Capabilities>`,
  ],
  [
    'WMTS',
    `<Capabilities><Contents><Layer><ows:Title>t</ows:Title><ows:Identifier>ok</ows:Identifier></Layer><Layer><ows:Identifier>no</ows:Identifier><Layer><Identifier>ok</Identifier></Layer></Layer></Contents></Capabilities>`,
  ],
  [
    'listing elements outside their parents',
    `<Capability><Other><Layer><Name>no</Name></Layer></Other><Layer><Name>ok</Name></Layer></Capability>`,
  ],
  [
    'truncated inside a held layer',
    wms('<Layer><Layer><Name>ok</Name></Layer><Layer><Title>x').slice(0, -WMS_TAIL.length),
  ],
  ['truncated inside a tag', `${WMS_HEAD}<Layer><Layer><Name>ok</Name></Layer><Layer a="`],
  ['truncated inside a comment', `${WMS_HEAD}<Layer><!-- abc`],
  ['ends with a short declaration', `${WMS_HEAD}<Layer><Name>ok</Name></Layer>${WMS_TAIL}<!x>`],
  ['unbalanced end tags', wms('<Layer><Name>ok</Name></Layer></Layer></Name><Layer><Name>no</Name></Layer>')],
  [
    'a tag without a name',
    wms('<Layer>< Layer><Name>ok</Name></ Layer><><Layer><Name>no</Name></Layer></Layer>'),
  ],
  [
    'a quote in a tag name',
    wms(`<Layer><Lay"er><Name>ok</Name></Layer><Layer><Name>no</Name></Layer></Lay"er></Layer>`),
  ],
  ['UTF-16 byte order mark', `\ufeff${wms('<Layer><Name>ok</Name></Layer>')}`],
];

describe('capabilities filter: same answers as the previous implementation', () => {
  test('tricky documents, whole, split in two at every offset, and one byte at a time', async () => {
    for (const [what, xml] of TRICKY) {
      const doc = what === 'UTF-16 byte order mark' ? Buffer.from(xml, 'utf16le') : Buffer.from(xml);
      for (const [who, visible] of VISIBILITIES) {
        const label = `${what}, visible: ${who}`;
        await assertSame(doc, [doc], visible, label);
        await assertSame(
          doc,
          [...doc].map((b) => Buffer.from([b])),
          visible,
          `${label}, bytewise`,
        );
        for (let at = 1; at < doc.length; at++) {
          await assertSame(doc, [doc.subarray(0, at), doc.subarray(at)], visible, `${label}, split at ${at}`);
        }
      }
    }
  });

  test('a small maxHold drops what it cannot hold, the same way', async () => {
    const doc = Buffer.from(TRICKY[8]?.[1] ?? '');
    for (const maxHold of [0, 1, 10, 40, 100, 200]) {
      for (const [who, visible] of VISIBILITIES) {
        const random = prng(maxHold);
        await assertSame(doc, [doc], visible, `maxHold ${maxHold}, ${who}`, maxHold);
        for (let i = 0; i < 5; i++) {
          await assertSame(
            doc,
            randomChunks(doc, random, 30),
            visible,
            `maxHold ${maxHold}, ${who}`,
            maxHold,
          );
        }
      }
    }
  });

  test('random documents in random chunks', async () => {
    const random = prng(12);
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)] as T;
    const names = ['ok', 'no', 'keep', 'child', 'a&amp;b', ' ok ', '<![CDATA[ok]]>', 'o<!--c-->k', '', 'é'];
    const tags = ['Layer', 'wms:Layer', 'Name', 'Title', 'Style', 'Capability', 'Contents', 'Identifier'];
    const noise = [
      '<!-- <Layer> -->',
      '<?pi x?>',
      '<Title a=">">t</Title>',
      "<x b='<Name>'/>",
      '\n  ',
      '&amp;',
      '<![CDATA[</Layer>]]>',
    ];
    const element = (depth: number): string => {
      const r = random();
      if (depth > 5 || r < 0.25) return pick(noise);
      if (r < 0.45) return `<Name>${pick(names)}</Name>`;
      const tag = pick(tags);
      let inner = '';
      const count = Math.floor(random() * 4);
      for (let i = 0; i < count; i++) inner += element(depth + 1);
      return random() < 0.1 ? `<${tag}/>` : `<${tag}${random() < 0.3 ? ' q="1"' : ''}>${inner}</${tag}>`;
    };
    for (let i = 0; i < 300; i++) {
      let body = '';
      for (let j = 0; j < 4; j++) body += element(0);
      const xml = pick([
        wms(`<Layer>${body}</Layer>`),
        wms(body),
        `<Capabilities><Contents>${body}</Contents></Capabilities>`,
      ]);
      const doc = Buffer.from(xml);
      for (const [who, visible] of VISIBILITIES) {
        await assertSame(doc, [doc], visible, `random document ${i}, ${who}: ${xml}`);
        await assertSame(doc, randomChunks(doc, random, 16), visible, `random document ${i}, ${who}: ${xml}`);
      }
    }
  });

  test('a large document in socket-sized chunks', async () => {
    let layers = '';
    for (let c = 0; c < 20; c++) {
      let leaves = '';
      for (let l = 0; l < 50; l++) {
        leaves += `<Layer queryable="1"><Name>c${c}_l${l}</Name><Title>t</Title><Style><Name>default</Name></Style></Layer>\n`;
      }
      layers += `<Layer><Name>c${c}</Name><Title>category</Title>${leaves}</Layer>\n`;
    }
    const doc = Buffer.from(wms(`<Layer><Name>world</Name>${layers}</Layer>`));
    const random = prng(7);
    for (const [who, visible] of VISIBILITIES) {
      for (const size of [1000, 16384, 65536]) {
        await assertSame(
          doc,
          randomChunks(doc, random, size),
          visible,
          `large, ${who}, chunks up to ${size}`,
        );
      }
    }
  });
});
