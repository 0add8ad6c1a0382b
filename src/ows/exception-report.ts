/**
 * OWS exception documents, rendered in the format the requesting client expects:
 * - WMS: ServiceExceptionReport (WMS 1.3.0 OGC 06-042, namespace
 *   http://www.opengis.net/ogc, text/xml; WMS 1.1.1 OGC 01-068r3, no namespace,
 *   application/vnd.ogc.se_xml; the DOCTYPE of 1.1.1 is left out: it adds nothing for clients).
 * - OWS Common 2.0 ExceptionReport (OGC 06-121r9, ows/2.0 owsExceptionReport.xsd) for the
 *   services built on OWS Common 2.0: WPS 2.0, WFS 2.0, WCS 2.0, CSW 3.0.
 * - OWS Common 1.1 ExceptionReport (OGC 06-121r3) for everything else, exactly as the Python
 *   Twitcher sent it, so existing clients keep parsing it.
 * Pure functions: no I/O, no HTTP status (the caller has it from the TwitcherError).
 */
import type { TwitcherError } from '../errors.js';

export interface OWSExceptionInput {
  exceptionCode: string;
  locator?: string | undefined;
  text: string;
}

/** What the exception is about: the parsed request's service, version and WMS EXCEPTIONS value. */
export interface OWSExceptionContext {
  service?: string | undefined;
  version?: string | undefined;
  exceptions?: string | undefined;
}

export interface RenderedException {
  contentType: string;
  body: string;
}

const XML_DECL = '<?xml version="1.0" encoding="UTF-8"?>\n';
const XSI = 'http://www.w3.org/2001/XMLSchema-instance';
const OWS11 = 'http://www.opengis.net/ows/1.1';
const OWS20 = 'http://www.opengis.net/ows/2.0';
const OGC = 'http://www.opengis.net/ogc';
const OWS_CONTENT_TYPE = 'text/xml; charset=utf-8';
const WMS_111_CONTENT_TYPE = 'application/vnd.ogc.se_xml';
const WMS_130_CONTENT_TYPE = 'text/xml';

/** Characters XML 1.0 §2.2 does not allow at all, even escaped. */
const NOT_XML_CHAR = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu;
const TEXT_SPECIAL = /[&<>]/g;
const ATTR_SPECIAL = /[&<>"'\t\n\r]/g;
const ESCAPES: Readonly<Record<string, string>> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&apos;',
  '\t': '&#9;',
  '\n': '&#10;',
  '\r': '&#13;',
};

function escapeWith(value: string, special: RegExp): string {
  return value.replace(NOT_XML_CHAR, '\uFFFD').replace(special, (c) => ESCAPES[c] ?? c);
}

/** XML character data (XML 1.0 §2.4). */
export function escapeXmlText(value: string): string {
  return escapeWith(value, TEXT_SPECIAL);
}

/** An attribute value inside double quotes, white space kept (XML 1.0 §3.3.3). */
export function escapeXmlAttr(value: string): string {
  return escapeWith(value, ATTR_SPECIAL);
}

function locatorAttr(locator: string | undefined): string {
  return locator === undefined || locator === '' ? '' : ` locator="${escapeXmlAttr(locator)}"`;
}

/** True for the OWS Common 2.0 based versions (WPS 2.0, WFS 2.0, WCS 2.0, CSW 3.0). */
function isOws2(service: string, version: string): boolean {
  switch (service) {
    case 'wps':
    case 'wfs':
    case 'wcs':
      return version.startsWith('2.');
    case 'csw':
      return version.startsWith('3.');
    default:
      return false;
  }
}

function renderWms(e: OWSExceptionInput, version: string, exceptions: string | undefined): RenderedException {
  // WMS 1.1.x and 1.0 use the un-namespaced 1.1.1 report; 1.3.0 and a missing version (the server's
  // highest version) use 1.3.0.
  const v111 = version !== '' && !version.startsWith('1.3');
  const exception = `<ServiceException code="${escapeXmlAttr(e.exceptionCode)}"${locatorAttr(e.locator)}>${escapeXmlText(e.text)}</ServiceException>`;
  const body = v111
    ? `${XML_DECL}<ServiceExceptionReport version="1.1.1">\n  ${exception}\n</ServiceExceptionReport>\n`
    : `${XML_DECL}<ServiceExceptionReport version="1.3.0" xmlns="${OGC}" xmlns:xsi="${XSI}" xsi:schemaLocation="${OGC} http://schemas.opengis.net/wms/1.3.0/exceptions_1_3_0.xsd">\n  ${exception}\n</ServiceExceptionReport>\n`;
  // EXCEPTIONS= names the format (OGC 06-042 GetMap EXCEPTIONS); image formats (INIMAGE, BLANK) are not
  // rendered by the proxy and fall back to XML.
  const asked = exceptions?.trim().toLowerCase();
  let contentType = v111 ? WMS_111_CONTENT_TYPE : WMS_130_CONTENT_TYPE;
  if (asked === WMS_111_CONTENT_TYPE) contentType = WMS_111_CONTENT_TYPE;
  else if (asked === 'xml' || asked === 'text/xml') contentType = WMS_130_CONTENT_TYPE;
  return { contentType, body };
}

function renderOws2(e: OWSExceptionInput): RenderedException {
  const body =
    `${XML_DECL}<ows:ExceptionReport xmlns:ows="${OWS20}" xmlns:xsi="${XSI}" xsi:schemaLocation="${OWS20} http://schemas.opengis.net/ows/2.0/owsExceptionReport.xsd" version="2.0.0" xml:lang="en">\n` +
    `  <ows:Exception exceptionCode="${escapeXmlAttr(e.exceptionCode)}"${locatorAttr(e.locator)}>\n` +
    `    <ows:ExceptionText>${escapeXmlText(e.text)}</ows:ExceptionText>\n` +
    `  </ows:Exception>\n</ows:ExceptionReport>\n`;
  return { contentType: OWS_CONTENT_TYPE, body };
}

function renderOws11(e: OWSExceptionInput): RenderedException {
  const body =
    `${XML_DECL}<ExceptionReport version="1.0.0" xmlns="${OWS11}" xmlns:xsi="${XSI}" xsi:schemaLocation="${OWS11} http://schemas.opengis.net/ows/1.1.0/owsExceptionReport.xsd">\n` +
    `  <Exception exceptionCode="${escapeXmlAttr(e.exceptionCode)}"${locatorAttr(e.locator)}>\n` +
    `    <ExceptionText>${escapeXmlText(e.text)}</ExceptionText>\n` +
    `  </Exception>\n</ExceptionReport>\n`;
  return { contentType: OWS_CONTENT_TYPE, body };
}

/** Renders one OWS exception in the format of the request's service and version. */
export function renderOWSException(e: OWSExceptionInput, request?: OWSExceptionContext): RenderedException {
  const service = request?.service?.toLowerCase() ?? '';
  const version = request?.version?.trim() ?? '';
  if (service === 'wms') return renderWms(e, version, request?.exceptions);
  if (isOws2(service, version)) return renderOws2(e);
  return renderOws11(e);
}

/** Renders a TwitcherError: its OWS exceptionCode, locator and public description. */
export function renderOWSError(err: TwitcherError, request?: OWSExceptionContext): RenderedException {
  return renderOWSException(
    { exceptionCode: err.exceptionCode, locator: err.locator, text: err.description },
    request,
  );
}
