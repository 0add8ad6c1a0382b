import assert from 'node:assert/strict';
import { test } from 'node:test';
import { addressRangeProblem, createAddressMatcher } from '../../src/util/address-ranges.js';

test('address lists: addresses and CIDR ranges, IPv4 seen through a dual-stack socket, nothing else', () => {
  const from = createAddressMatcher(['127.0.0.2', '10.0.0.0/8', 'fd00::/8']);
  assert.equal(from('127.0.0.2'), true);
  assert.equal(from('::ffff:127.0.0.2'), true);
  assert.equal(from('10.200.3.4'), true);
  assert.equal(from('::ffff:10.1.2.3'), true);
  assert.equal(from('fd12::1'), true);
  assert.equal(from('127.0.0.1'), false);
  assert.equal(from('::ffff:127.0.0.1'), false);
  assert.equal(from('fe80::1'), false);
  assert.equal(from('not an address'), false);
  assert.equal(from(undefined), false);
  assert.equal(createAddressMatcher([])('127.0.0.1'), false, 'an empty list believes no one');
});

test('address list entries that are not addresses or ranges are named', () => {
  assert.equal(addressRangeProblem('127.0.0.1'), undefined);
  assert.equal(addressRangeProblem('::1/128'), undefined);
  assert.match(addressRangeProblem('localhost') ?? '', /not an IP address or CIDR range/);
  assert.match(addressRangeProblem('10.0.0.0/33') ?? '', /prefix length outside 0–32/);
  assert.match(addressRangeProblem('10.0.0.0/8/8') ?? '', /not an IP address/);
});
