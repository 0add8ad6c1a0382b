/**
 * Address lists of the configuration (`127.0.0.1`, `10.0.0.0/8`, `::1`, `fd00::/8`), matched with
 * node:net's BlockList, which also matches an IPv4 client seen through a dual-stack socket
 * (`::ffff:127.0.0.1`) against its IPv4 entry.
 */
import { BlockList, isIP } from 'node:net';

/** Why `entry` is not an address or CIDR range, or undefined. */
export function addressRangeProblem(entry: string): string | undefined {
  const [address = '', bits, extra] = entry.trim().split('/');
  const family = isIP(address);
  if (family === 0 || extra !== undefined) return `"${entry}" is not an IP address or CIDR range`;
  if (bits !== undefined) {
    const n = Number(bits);
    const max = family === 4 ? 32 : 128;
    if (!/^\d+$/.test(bits) || n > max) return `"${entry}" has a prefix length outside 0–${max}`;
  }
  return undefined;
}

/** A predicate over client addresses; entries must have passed `addressRangeProblem`. */
export function createAddressMatcher(entries: readonly string[]): (address: string | undefined) => boolean {
  if (entries.length === 0) return () => false;
  const list = new BlockList();
  for (const entry of entries) {
    const [address = '', bits] = entry.trim().split('/');
    const type = isIP(address) === 6 ? 'ipv6' : 'ipv4';
    if (bits === undefined) list.addAddress(address, type);
    else list.addSubnet(address, Number(bits), type);
  }
  return (address) => {
    const family = address === undefined ? 0 : isIP(address);
    // BlockList matches an IPv4-mapped IPv6 address against the IPv4 entries itself
    return family !== 0 && list.check(address as string, family === 6 ? 'ipv6' : 'ipv4');
  };
}
