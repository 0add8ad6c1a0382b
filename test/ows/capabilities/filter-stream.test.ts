import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { CapabilitiesFilter, filterCapabilities } from '../../../src/ows/capabilities/filter-stream.js';

const only =
  (...names: string[]) =>
  (name: string) =>
    names.includes(name);

async function filter(xml: string, visible: (name: string) => boolean): Promise<string> {
  return (await filterCapabilities(Buffer.from(xml), { visible })).toString('utf8');
}

/** The same document, fed one byte at a time: the answer must not depend on chunking. */
async function filterBytewise(xml: string, visible: (name: string) => boolean): Promise<string> {
  const f = new CapabilitiesFilter({ visible });
  const out: Buffer[] = [];
  f.on('data', (c: Buffer) => out.push(c));
  const done = new Promise<void>((resolve, reject) => {
    f.on('end', resolve);
    f.on('error', reject);
  });
  const bytes = Buffer.from(xml);
  for (let i = 0; i < bytes.length; i++) f.write(bytes.subarray(i, i + 1));
  f.end();
  await done;
  return Buffer.concat(out).toString('utf8');
}

const WPS10 = `<?xml version="1.0" encoding="UTF-8"?>
<wps:Capabilities service="WPS" version="1.0.0" xmlns:wps="http://www.opengis.net/wps/1.0.0" xmlns:ows="http://www.opengis.net/ows/1.1">
  <ows:ServiceIdentification><ows:Title>PyWPS</ows:Title></ows:ServiceIdentification>
  <wps:ProcessOfferings>
    <wps:Process wps:processVersion="1.0">
      <ows:Identifier>hello</ows:Identifier>
      <ows:Title>Say hello</ows:Title>
    </wps:Process>
    <wps:Process wps:processVersion="1.0">
      <ows:Identifier>secret</ows:Identifier>
      <ows:Title>Secret &amp; sensitive</ows:Title>
    </wps:Process>
    <wps:Process><ows:Identifier><![CDATA[a<b]]></ows:Identifier></wps:Process>
  </wps:ProcessOfferings>
  <wps:Languages><wps:Default><ows:Language>en-US</ows:Language></wps:Default></wps:Languages>
</wps:Capabilities>`;

const WMS = `<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE WMT_MS_Capabilities SYSTEM "http://schemas.opengis.net/wms/1.1.1/capabilities_1_1_1.dtd"
 [
 <!ELEMENT VendorSpecificCapabilities EMPTY>
 ]>  <!-- end of DOCTYPE declaration -->
<WMT_MS_Capabilities version="1.1.1">
<Capability>
  <Request><GetMap><Format>image/png</Format></GetMap></Request>
  <Layer>
    <Name>peers</Name>
    <Title>Peers</Title>
    <SRS>EPSG:4326</SRS>
    <Layer queryable="1">
      <Name>regions</Name><Title>Regions</Title>
      <Style><Name>default</Name><Title>default</Title></Style>
    </Layer>
    <Layer>
      <Name>cities</Name><Title>Cities</Title>
      <Layer><Name>capitals</Name><Title>Capitals</Title></Layer>
      <Layer><Name>villages</Name><Title>Villages</Title></Layer>
    </Layer>
    <Layer>
      <Title>A category without a name</Title>
      <Layer><Name>rivers</Name><Title>Rivers</Title></Layer>
    </Layer>
  </Layer>
</Capability>
</WMT_MS_Capabilities>`;

describe('capabilities filter: WPS', () => {
  test('forbidden processes are dropped whole; the rest of the document is byte for byte the same', async () => {
    const out = await filter(WPS10, only('hello'));
    assert.match(out, /<ows:Identifier>hello<\/ows:Identifier>/);
    assert.doesNotMatch(out, /secret|Secret/);
    assert.doesNotMatch(out, /a<b/);
    assert.equal(
      out,
      WPS10.replace(
        /\n {4}<wps:Process wps:processVersion="1.0">\n {6}<ows:Identifier>secret[\s\S]*?<\/wps:Process>/,
        '\n    ',
      ).replace(/<wps:Process><ows:Identifier><!\[CDATA\[a<b\]\]><\/ows:Identifier><\/wps:Process>/, ''),
    );
  });

  test('names are read as XML text: entities and CDATA', async () => {
    const seen: string[] = [];
    await filter(WPS10, (n) => {
      seen.push(n);
      return true;
    });
    assert.deepEqual(seen, ['hello', 'secret', 'a<b']);
  });

  test('everything allowed: the document is unchanged', async () => {
    assert.equal(await filter(WPS10, () => true), WPS10);
  });

  test('WPS 2.0 ProcessSummary', async () => {
    const doc = `<wps:Capabilities xmlns:wps="http://www.opengis.net/wps/2.0" xmlns:ows="http://www.opengis.net/ows/2.0"><wps:Contents>
<wps:ProcessSummary jobControlOptions="sync-execute"><ows:Title>Hello</ows:Title><ows:Identifier>hello</ows:Identifier></wps:ProcessSummary>
<wps:ProcessSummary><ows:Title>No</ows:Title><ows:Identifier>no</ows:Identifier></wps:ProcessSummary>
</wps:Contents></wps:Capabilities>`;
    const out = await filter(doc, only('hello'));
    assert.match(out, /hello/);
    assert.doesNotMatch(out, />no</);
    assert.doesNotMatch(out, />No</, 'the title before the identifier goes too');
  });
});

describe('capabilities filter: nested WMS layers', () => {
  test('a forbidden leaf goes; its allowed siblings stay', async () => {
    const out = await filter(WMS, only('peers', 'regions', 'cities', 'capitals', 'rivers'));
    assert.doesNotMatch(out, /villages|Villages/);
    for (const n of ['peers', 'regions', 'cities', 'capitals', 'rivers'])
      assert.match(out, new RegExp(`<Name>${n}</Name>`));
    assert.match(out, /<Style><Name>default<\/Name>/, 'a style name is not a layer name');
  });

  test('a forbidden parent drops its forbidden children with it', async () => {
    const out = await filter(WMS, only('peers', 'regions'));
    assert.doesNotMatch(out, /cities|capitals|villages|Cities/);
    assert.match(out, /<Name>regions<\/Name>/);
  });

  test('an allowed child of a forbidden parent stays, under the parent kept as an unnamed category', async () => {
    const out = await filter(WMS, only('peers', 'capitals'));
    assert.doesNotMatch(out, /<Name>cities<\/Name>/);
    assert.match(out, /<Title>Cities<\/Title>/, 'the parent stays as a category (title, inherited SRS…)');
    assert.match(out, /<Name>capitals<\/Name>/);
    assert.doesNotMatch(out, /villages/);
    assert.doesNotMatch(out, /regions/);
  });

  test('the top-level layer stays (unnamed when forbidden): the document keeps its single root layer', async () => {
    const out = await filter(WMS, only('regions'));
    assert.doesNotMatch(out, /<Name>peers<\/Name>/);
    assert.match(out, /<Title>Peers<\/Title>/);
    assert.match(out, /<SRS>EPSG:4326<\/SRS>/);
    assert.match(out, /<Name>regions<\/Name>/);
    assert.doesNotMatch(out, /cities|rivers|category/i);
  });

  test('nothing allowed: the root layer stays, empty of layers', async () => {
    const out = await filter(WMS, () => false);
    assert.equal((out.match(/<Layer/g) ?? []).length, 1);
    assert.doesNotMatch(out, /<Name>(peers|regions|cities|capitals|villages|rivers)<\/Name>/);
    assert.match(out, /<\/WMT_MS_Capabilities>\s*$/);
  });

  test('the DOCTYPE internal subset and comments pass through', async () => {
    const out = await filter(WMS, () => true);
    assert.equal(out, WMS);
  });

  test('the result does not depend on how the stream is chunked', async () => {
    for (const visible of [only('peers', 'capitals'), only('regions'), () => true, () => false]) {
      assert.equal(await filterBytewise(WMS, visible), await filter(WMS, visible));
    }
    assert.equal(await filterBytewise(WPS10, only('hello')), await filter(WPS10, only('hello')));
  });

  test('a WMS 1.3.0 layer inside a WMTS-like Contents is a tiles layer named by its Identifier', async () => {
    const doc = `<Capabilities xmlns="http://www.opengis.net/wmts/1.0" xmlns:ows="http://www.opengis.net/ows/1.1"><Contents>
<Layer><ows:Title>Topo</ows:Title><ows:Identifier>topo</ows:Identifier><Style><ows:Identifier>default</ows:Identifier></Style></Layer>
<Layer><ows:Title>Secret</ows:Title><ows:Identifier>secret</ows:Identifier></Layer>
<TileMatrixSet><ows:Identifier>g</ows:Identifier></TileMatrixSet>
</Contents></Capabilities>`;
    const out = await filter(doc, only('topo'));
    assert.match(out, /topo/);
    assert.doesNotMatch(out, /secret|Secret/);
    assert.match(out, /<TileMatrixSet><ows:Identifier>g</);
  });
});

describe('capabilities filter: WFS and WCS', () => {
  test('WFS FeatureType by Name (prefixed names as written)', async () => {
    const doc = `<wfs:WFS_Capabilities xmlns:wfs="http://www.opengis.net/wfs/2.0"><FeatureTypeList>
<FeatureType><Name>ms:cities</Name><Title>Cities</Title></FeatureType>
<FeatureType><Name>ms:regions</Name><Title>Regions</Title></FeatureType>
</FeatureTypeList></wfs:WFS_Capabilities>`;
    const out = await filter(doc, only('ms:regions'));
    assert.doesNotMatch(out, /cities/);
    assert.match(out, /ms:regions/);
  });

  test('WCS 1.0 CoverageOfferingBrief, 1.1 nested CoverageSummary, 2.0 CoverageSummary', async () => {
    const wcs10 = `<WCS_Capabilities><ContentMetadata>
<CoverageOfferingBrief><name>dem</name><label>DEM</label></CoverageOfferingBrief>
<CoverageOfferingBrief><name>secret</name></CoverageOfferingBrief></ContentMetadata></WCS_Capabilities>`;
    assert.doesNotMatch(await filter(wcs10, only('dem')), /secret/);
    const wcs20 = `<wcs:Capabilities xmlns:wcs="http://www.opengis.net/wcs/2.0"><wcs:Contents>
<wcs:CoverageSummary><wcs:CoverageId>dem</wcs:CoverageId></wcs:CoverageSummary>
<wcs:CoverageSummary><wcs:CoverageId>secret</wcs:CoverageId></wcs:CoverageSummary></wcs:Contents></wcs:Capabilities>`;
    const out20 = await filter(wcs20, only('dem'));
    assert.match(out20, />dem</);
    assert.doesNotMatch(out20, /secret/);
    const wcs11 = `<Capabilities><Contents>
<CoverageSummary><ows:Title>Group</ows:Title><Identifier>group</Identifier>
<CoverageSummary><Identifier>inner</Identifier></CoverageSummary></CoverageSummary></Contents></Capabilities>`;
    const out11 = await filter(wcs11, only('inner'));
    assert.doesNotMatch(out11, /<Identifier>group</);
    assert.match(out11, /<Identifier>inner</);
  });
});

describe('capabilities filter: fail closed', () => {
  test('a listing element without a name is dropped', async () => {
    const doc = '<x><ProcessOfferings><Process><Title>anonymous</Title></Process></ProcessOfferings></x>';
    assert.equal(await filter(doc, () => true), '<x><ProcessOfferings></ProcessOfferings></x>');
  });

  test('a document cut inside a held element errors the stream', async () => {
    await assert.rejects(filter('<x><ProcessOfferings><Process><Identifier>a', () => true));
  });

  test('a UTF-16 document errors the stream rather than pass unfiltered', async () => {
    const utf16 = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('<x/>', 'utf16le')]);
    await assert.rejects(filterCapabilities(utf16, { visible: () => true }));
  });

  test('an element held past maxHold is dropped whole', async () => {
    const big = `<x><ProcessOfferings><Process><Abstract>${'a'.repeat(5000)}</Abstract><Identifier>hello</Identifier></Process></ProcessOfferings></x>`;
    const out = await filterCapabilities(Buffer.from(big), { visible: () => true, maxHold: 1000 });
    assert.equal(out.toString(), '<x><ProcessOfferings></ProcessOfferings></x>');
  });
});
