import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  canonicalOperation,
  DEFAULT_PUBLIC_OPERATIONS,
  isDefaultPublic,
  isSupportedVersion,
  OPERATIONS,
  operationInVersion,
  SUPPORTED_VERSIONS,
  servicesWithOperation,
} from '../../src/ows/operations.js';
import { OWS_SERVICES } from '../../src/ows/types.js';

describe('operation tables', () => {
  it('lists the supported versions of every service', () => {
    assert.deepEqual(SUPPORTED_VERSIONS, {
      wps: ['1.0.0', '2.0.0'],
      wms: ['1.1.0', '1.1.1', '1.3.0'],
      wfs: ['1.0.0', '1.1.0', '2.0.0', '2.0.2'],
      wcs: ['1.0.0', '1.1.0', '1.1.1', '1.1.2', '2.0.0', '2.0.1'],
      wmts: ['1.0.0'],
      csw: ['2.0.2', '3.0.0'],
    });
  });

  it('has the WPS 2.0 job operations only in 2.0.0', () => {
    for (const op of ['GetStatus', 'GetResult', 'Dismiss']) {
      assert.equal(operationInVersion('wps', '2.0.0', op), true, op);
      assert.equal(operationInVersion('wps', '1.0.0', op), false, op);
    }
  });

  it('has GetGmlObject in WFS 1.1.0 but not in 1.0.0 or 2.0, and stored queries only in 2.0', () => {
    assert.equal(operationInVersion('wfs', '1.1.0', 'GetGmlObject'), true);
    assert.equal(operationInVersion('wfs', '1.0.0', 'GetGmlObject'), false);
    assert.equal(operationInVersion('wfs', '2.0.0', 'GetGmlObject'), false);
    assert.equal(operationInVersion('wfs', '2.0.2', 'DropStoredQuery'), true);
    assert.equal(operationInVersion('wfs', '1.1.0', 'ListStoredQueries'), false);
  });

  it('has GetCapabilities in every version of every service', () => {
    for (const service of OWS_SERVICES) {
      for (const version of SUPPORTED_VERSIONS[service]) {
        assert.ok(OPERATIONS[service][version]?.includes('GetCapabilities'), `${service} ${version}`);
      }
    }
  });
});

describe('canonicalOperation', () => {
  const cases: [Parameters<typeof canonicalOperation>[0], string, string | undefined][] = [
    ['wps', 'getcapabilities', 'GetCapabilities'],
    ['wps', 'EXECUTE', 'Execute'],
    ['wps', 'describeProcess', 'DescribeProcess'],
    ['wps', 'getstatus', 'GetStatus'],
    ['wps', 'GetMap', undefined],
    ['wms', 'getmap', 'GetMap'],
    ['wms', 'GETFEATUREINFO', 'GetFeatureInfo'],
    ['wms', 'getmetadata', 'GetMetadata'],
    ['wms', 'getstyles', 'GetStyles'],
    ['wms', 'getschemaextension', 'GetSchemaExtension'],
    ['wms', 'map', undefined],
    ['wfs', 'getpropertyvalue', 'GetPropertyValue'],
    ['wfs', 'getgmlobject', 'GetGmlObject'],
    ['wfs', 'Execute', undefined],
    ['wcs', 'getcoverage', 'GetCoverage'],
    ['wcs', 'GetTile', undefined],
    ['wmts', 'gettile', 'GetTile'],
    ['wmts', 'GetMap', undefined],
    ['csw', 'getrecordbyid', 'GetRecordById'],
    ['csw', 'harvest', 'Harvest'],
    ['csw', 'GetFeature', undefined],
  ];
  for (const [service, name, expected] of cases) {
    it(`${service} ${name} -> ${expected ?? 'unknown'}`, () => {
      assert.equal(canonicalOperation(service, name), expected);
    });
  }
});

describe('servicesWithOperation', () => {
  it('finds every service of a shared name and none for a foreign one', () => {
    assert.deepEqual(servicesWithOperation('getcapabilities'), OWS_SERVICES);
    assert.deepEqual(servicesWithOperation('Transaction'), ['wfs', 'csw']);
    assert.deepEqual(servicesWithOperation('GetFeatureInfo'), ['wms', 'wmts']);
    assert.deepEqual(servicesWithOperation('Execute'), ['wps']);
    assert.deepEqual(servicesWithOperation('StyledLayerDescriptor'), []);
  });
});

describe('isSupportedVersion', () => {
  it('accepts the table versions and refuses others', () => {
    assert.equal(isSupportedVersion('wms', '1.3.0'), true);
    assert.equal(isSupportedVersion('wms', '1.0.0'), false);
    assert.equal(isSupportedVersion('wcs', '2.0.1'), true);
    assert.equal(isSupportedVersion('wcs', '2.1.0'), false);
  });
  it('accepts the SLD versions for WMS GetLegendGraphic only', () => {
    assert.equal(isSupportedVersion('wms', '1.0.0', 'GetLegendGraphic'), true);
    assert.equal(isSupportedVersion('wms', '1.0.0', 'GetMap'), false);
  });
});

describe('DEFAULT_PUBLIC_OPERATIONS', () => {
  it('is GetCapabilities plus the describe operations', () => {
    assert.deepEqual(DEFAULT_PUBLIC_OPERATIONS, {
      wps: ['GetCapabilities', 'DescribeProcess'],
      wms: ['GetCapabilities', 'DescribeLayer'],
      wfs: ['GetCapabilities', 'DescribeFeatureType', 'ListStoredQueries', 'DescribeStoredQueries'],
      wcs: ['GetCapabilities', 'DescribeCoverage'],
      wmts: ['GetCapabilities'],
      csw: ['GetCapabilities', 'DescribeRecord'],
    });
  });
  it('never lists a data or compute operation', () => {
    assert.equal(isDefaultPublic('wps', 'Execute'), false);
    assert.equal(isDefaultPublic('wms', 'GetMap'), false);
    assert.equal(isDefaultPublic('wfs', 'GetFeature'), false);
    assert.equal(isDefaultPublic('wcs', 'GetCoverage'), false);
    assert.equal(isDefaultPublic('wmts', 'GetTile'), false);
    assert.equal(isDefaultPublic('csw', 'GetRecords'), false);
    assert.equal(isDefaultPublic('wps', 'DescribeProcess'), true);
  });
  it('names only operations that exist in the tables', () => {
    for (const service of OWS_SERVICES) {
      for (const op of DEFAULT_PUBLIC_OPERATIONS[service]) {
        assert.equal(canonicalOperation(service, op), op, `${service} ${op}`);
      }
    }
  });
});
