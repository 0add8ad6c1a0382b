/**
 * Hand-written response bodies shaped like what PyWPS 4.x and MapServer 8 send (see
 * /work/shared/peers/README.md). Shared by the capabilities tests.
 */

export const PROXY = 'http://127.0.0.1:8000/ows/proxy';
export const PUBLIC_ORIGIN = 'http://127.0.0.1:8000';

/** PyWPS 1.0.0 GetCapabilities: `server.url` in every DCP, plus `provider_url`. */
export const PYWPS_CAPABILITIES = `<?xml version="1.0" encoding="UTF-8"?>
<wps:Capabilities service="WPS" version="1.0.0" xml:lang="en-US" xmlns:xlink="http://www.w3.org/1999/xlink" xmlns:wps="http://www.opengis.net/wps/1.0.0" xmlns:ows="http://www.opengis.net/ows/1.1" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:schemaLocation="http://www.opengis.net/wps/1.0.0 ../wpsGetCapabilities_response.xsd" updateSequence="1">
    <ows:ServiceIdentification>
        <ows:Title>Emu</ows:Title>
        <ows:Abstract>WPS Emu: test processes</ows:Abstract>
        <ows:ServiceType>WPS</ows:ServiceType>
        <ows:ServiceTypeVersion>1.0.0</ows:ServiceTypeVersion>
        <ows:Fees>NONE</ows:Fees>
        <ows:AccessConstraints>NONE</ows:AccessConstraints>
    </ows:ServiceIdentification>
    <ows:ServiceProvider>
        <ows:ProviderName>Emu</ows:ProviderName>
        <ows:ProviderSite xlink:href="http://emu.readthedocs.org/en/latest/"/>
        <ows:ServiceContact>
            <ows:IndividualName>Lovely Bird</ows:IndividualName>
        </ows:ServiceContact>
    </ows:ServiceProvider>
    <ows:OperationsMetadata>
        <ows:Operation name="GetCapabilities">
            <ows:DCP>
                <ows:HTTP>
                    <ows:Get xlink:href="http://127.0.0.1:5000/wps"/>
                    <ows:Post xlink:href="http://127.0.0.1:5000/wps"/>
                </ows:HTTP>
            </ows:DCP>
        </ows:Operation>
        <ows:Operation name="DescribeProcess">
            <ows:DCP>
                <ows:HTTP>
                    <ows:Get xlink:href="http://127.0.0.1:5000/wps"/>
                    <ows:Post xlink:href="http://127.0.0.1:5000/wps"/>
                </ows:HTTP>
            </ows:DCP>
        </ows:Operation>
        <ows:Operation name="Execute">
            <ows:DCP>
                <ows:HTTP>
                    <ows:Get xlink:href="http://127.0.0.1:5000/wps"/>
                    <ows:Post xlink:href="http://127.0.0.1:5000/wps"/>
                </ows:HTTP>
            </ows:DCP>
        </ows:Operation>
    </ows:OperationsMetadata>
    <wps:ProcessOfferings>
        <wps:Process wps:processVersion="1.0">
            <ows:Identifier>hello</ows:Identifier>
            <ows:Title>Say Hello</ows:Title>
            <ows:Metadata xlink:href="http://127.0.0.1:5000/wpsx/docs" xlink:title="not the service"/>
            <ows:Metadata xlink:href="http://localhost:5000/wps?about" xlink:title="unconfigured alias"/>
        </wps:Process>
    </wps:ProcessOfferings>
    <wps:Languages>
        <wps:Default><ows:Language>en-US</ows:Language></wps:Default>
        <wps:Supported><ows:Language>en-US</ows:Language></wps:Supported>
    </wps:Languages>
</wps:Capabilities>
`;

/**
 * PyWPS async ExecuteResponse: serviceInstance double-escaped (a PyWPS bug), statusLocation and the
 * output reference on `/outputs/` beside `/wps`, an unqualified `href` on wps:Reference, and an input
 * reference (xlink:href) that already points at the proxy.
 */
export const PYWPS_EXECUTE_RESPONSE = `<?xml version="1.0" encoding="UTF-8"?>
<wps:ExecuteResponse xmlns:wps="http://www.opengis.net/wps/1.0.0" xmlns:ows="http://www.opengis.net/ows/1.1" xmlns:xlink="http://www.w3.org/1999/xlink" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:schemaLocation="http://www.opengis.net/wps/1.0.0 http://schemas.opengis.net/wps/1.0.0/wpsExecute_response.xsd" service="WPS" version="1.0.0" xml:lang="en-US" serviceInstance="http://127.0.0.1:5000/wps?request=GetCapabilities&amp;amp;service=WPS" statusLocation="http://127.0.0.1:5000/outputs/7c1f4e52-8a0b-11ee-9d4c-0242ac120002.xml">
    <wps:Process wps:processVersion="1.0">
        <ows:Identifier>wordcounter</ows:Identifier>
        <ows:Title>Word Counter</ows:Title>
    </wps:Process>
    <wps:Status creationTime="2024-05-02T10:15:42Z">
        <wps:ProcessSucceeded>PyWPS Process Word Counter finished</wps:ProcessSucceeded>
    </wps:Status>
    <wps:DataInputs>
        <wps:Input>
            <ows:Identifier>text</ows:Identifier>
            <wps:Reference xlink:href="http://127.0.0.1:8000/ows/proxy/emu/outputs/input.txt"/>
        </wps:Input>
    </wps:DataInputs>
    <wps:ProcessOutputs>
        <wps:Output>
            <ows:Identifier>output</ows:Identifier>
            <ows:Title>Word counter result</ows:Title>
            <wps:Reference href="http://127.0.0.1:5000/outputs/7c1f4e52-8a0b-11ee-9d4c-0242ac120002/out.json" mimeType="application/json" encoding="" schema=""/>
        </wps:Output>
    </wps:ProcessOutputs>
</wps:ExecuteResponse>
`;

/** MapServer WMS 1.3.0 capabilities (trimmed), as sent without forwarding headers. */
export const MAPSERVER_WMS_CAPABILITIES = `<?xml version='1.0' encoding="UTF-8" standalone="no" ?>
<WMS_Capabilities version="1.3.0"  xmlns="http://www.opengis.net/wms"   xmlns:sld="http://www.opengis.net/sld"   xmlns:xlink="http://www.w3.org/1999/xlink"   xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"   xmlns:ms="http://mapserver.gis.umn.edu/mapserver"   xsi:schemaLocation="http://www.opengis.net/wms http://schemas.opengis.net/wms/1.3.0/capabilities_1_3_0.xsd  http://www.opengis.net/sld http://schemas.opengis.net/sld/1.1.0/sld_capabilities.xsd  http://mapserver.gis.umn.edu/mapserver http://127.0.0.1:5001/ows?service=WMS&amp;version=1.3.0&amp;request=GetSchemaExtension">
<Service>
  <Name>WMS</Name>
  <Title>peers</Title>
  <OnlineResource xmlns:xlink="http://www.w3.org/1999/xlink" xlink:href="http://127.0.0.1:5001/ows?"/>
</Service>
<Capability>
  <Request>
    <GetCapabilities>
      <Format>text/xml</Format>
      <DCPType><HTTP><Get><OnlineResource xmlns:xlink="http://www.w3.org/1999/xlink" xlink:href="http://127.0.0.1:5001/ows?"/></Get>
          <Post><OnlineResource xmlns:xlink="http://www.w3.org/1999/xlink" xlink:href="http://127.0.0.1:5001/ows?"/></Post>
        </HTTP></DCPType>
    </GetCapabilities>
    <GetMap>
      <Format>image/png</Format>
      <DCPType><HTTP><Get><OnlineResource xmlns:xlink="http://www.w3.org/1999/xlink" xlink:href="http://127.0.0.1:5001/ows?"/></Get></HTTP></DCPType>
    </GetMap>
  </Request>
  <Layer>
    <Name>peers</Name>
    <Layer queryable="1" opaque="0" cascaded="0">
        <Name>cities</Name>
        <Style>
          <Name>default</Name>
          <LegendURL width="72" height="20">
             <Format>image/png</Format>
             <OnlineResource xmlns:xlink="http://www.w3.org/1999/xlink" xlink:type="simple" xlink:href="http://127.0.0.1:5001/ows?version=1.3.0&amp;service=WMS&amp;request=GetLegendGraphic&amp;sld_version=1.1.0&amp;layer=cities&amp;format=image/png&amp;STYLE=default"/>
          </LegendURL>
        </Style>
    </Layer>
  </Layer>
</Capability>
</WMS_Capabilities>
`;

/** WFS 2.0 GetFeature page with `next` and the DescribeFeatureType schemaLocation. */
export const MAPSERVER_WFS_PAGE = `<?xml version='1.0' encoding="UTF-8" ?>
<wfs:FeatureCollection
   xmlns:ms="http://mapserver.gis.umn.edu/mapserver"
   xmlns:gml="http://www.opengis.net/gml/3.2"
   xmlns:wfs="http://www.opengis.net/wfs/2.0"
   xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
   xsi:schemaLocation="http://mapserver.gis.umn.edu/mapserver http://127.0.0.1:5001/ows?SERVICE=WFS&amp;VERSION=2.0.0&amp;REQUEST=DescribeFeatureType&amp;TYPENAME=ms:cities&amp;OUTPUTFORMAT=application%2Fgml%2Bxml%3B%20version%3D3.2 http://www.opengis.net/wfs/2.0 http://schemas.opengis.net/wfs/2.0/wfs.xsd"
   timeStamp="2024-05-02T10:20:00" numberMatched="42" numberReturned="10"
   next="http://127.0.0.1:5001/ows?SERVICE=WFS&amp;VERSION=2.0.0&amp;REQUEST=GetFeature&amp;TYPENAMES=cities&amp;STARTINDEX=10&amp;COUNT=10">
  <wfs:member>
    <ms:cities gml:id="cities.1">
      <ms:name>Zürich</ms:name>
      <ms:url>http://127.0.0.1:5001/owsx/not-the-service</ms:url>
    </ms:cities>
  </wfs:member>
</wfs:FeatureCollection>
`;

/** MapServer OGC API landing page: plain and `\/`-escaped links (both occur in the wild). */
export const OGCAPI_LANDING = `{
  "title":"peers",
  "description":"OGC API landing page",
  "links":[
    {"rel":"self","type":"application/json","title":"This document as JSON","href":"http://127.0.0.1:5001/ows/peers/ogcapi?f=json"},
    {"rel":"alternate","type":"text/html","title":"This document as HTML","href":"http:\\/\\/127.0.0.1:5001\\/ows\\/peers\\/ogcapi?f=html"},
    {"rel":"conformance","type":"application/json","href":"http:\\/\\/127.0.0.1:5001\\/ows\\/peers\\/ogcapi\\/conformance?f=json"},
    {"rel":"data","type":"application/json","href":"http://127.0.0.1:5001/ows/peers/ogcapi/collections?f=json"},
    {"rel":"service-doc","type":"text/html","href":"http:\\/\\/127.0.0.1:5001\\/ows\\/peers\\/ogcapix"},
    {"rel":"license","type":"text/html","href":"https:\\/\\/creativecommons.org\\/licenses\\/by\\/4.0\\/"}
  ]
}
`;

/** Every `http(s)://…` URL in a document, with its start offset, for split-position tests. */
export function urlSpans(doc: string): Array<{ start: number; end: number }> {
  const spans: Array<{ start: number; end: number }> = [];
  for (const m of doc.matchAll(/https?:(?:\\?\/){2}[^"'<>\s]*/g)) {
    spans.push({ start: m.index, end: m.index + m[0].length });
  }
  return spans;
}
