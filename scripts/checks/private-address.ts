import { isIPv4, isIPv6 } from 'node:net';

/**
 * One test for "may the link checker connect here?", whatever notation the
 * address is written in. IPv6 can carry an IPv4 address in many ways
 * (`::ffff:127.0.0.1`, which the URL parser turns into `::ffff:7f00:1`,
 * `::127.0.0.1`, NAT64 `64:ff9b::7f00:1`, 6to4 `2002:7f00:1::`, Teredo,
 * ISATAP, SIIT): every embedded IPv4 address is taken out and tested, and the
 * IPv6 ranges that are not the public internet are refused outright.
 */

/** An IPv4 address as a number, or undefined. Decimal, hex and octal forms are the URL parser's job. */
function v4Number(address: string): number | undefined {
  if (!isIPv4(address)) return undefined;
  return address.split('.').reduce((n, part) => n * 256 + Number(part), 0);
}

const V4_BLOCKS: [number, number][] = [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.0.2.0', 24],
  ['192.88.99.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['198.51.100.0', 24],
  ['203.0.113.0', 24],
  ['224.0.0.0', 3],
].map(([base, bits]) => [v4Number(base as string)!, bits as number]);

function privateV4(n: number): boolean {
  return V4_BLOCKS.some(([base, bits]) => Math.floor(n / 2 ** (32 - bits)) === Math.floor(base / 2 ** (32 - bits)));
}

/** Eight 16-bit groups of an IPv6 address (zone id dropped, a trailing dotted quad folded in), or undefined. */
export function ipv6Groups(address: string): number[] | undefined {
  let text = address
    .replace(/^\[|\]$/g, '')
    .replace(/%.*$/, '')
    .toLowerCase();
  if (!isIPv6(text)) return undefined;
  const quad = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (quad) {
    const n = v4Number(quad[1]!);
    if (n === undefined) return undefined;
    text = text.slice(0, -quad[1]!.length) + `${(n >>> 16).toString(16)}:${(n & 0xffff).toString(16)}`;
  }
  const [head, tail] = text.includes('::') ? text.split('::') : [text, undefined];
  const left = head ? head.split(':') : [];
  const right = tail ? tail.split(':') : [];
  const middle = tail === undefined ? [] : new Array<string>(8 - left.length - right.length).fill('0');
  const groups = [...left, ...middle, ...right].map((g) => parseInt(g, 16));
  return groups.length === 8 && groups.every((g) => g >= 0 && g <= 0xffff) ? groups : undefined;
}

const v4Of = (high: number, low: number) => high * 65536 + low;

/** IPv4 addresses an IPv6 address carries, by every known embedding. */
export function embeddedIPv4(groups: number[]): number[] {
  const [g0, g1, g2, g3, g4, g5, g6, g7] = groups as [number, number, number, number, number, number, number, number];
  const found: number[] = [];
  const zero = (from: number, to: number) => groups.slice(from, to).every((g) => g === 0);
  const last = v4Of(g6, g7);
  // IPv4-mapped ::ffff:a.b.c.d, IPv4-compatible ::a.b.c.d, SIIT ::ffff:0:a.b.c.d.
  if (zero(0, 5) && (g5 === 0xffff || g5 === 0)) found.push(last);
  if (zero(0, 4) && g4 === 0xffff && g5 === 0) found.push(last);
  // NAT64 well-known prefix 64:ff9b::/96 (RFC 6052) and the local-use 64:ff9b:1::/48 (RFC 8215).
  if (g0 === 0x64 && g1 === 0xff9b) found.push(last);
  // 6to4 2002:AABB:CCDD::/48.
  if (g0 === 0x2002) found.push(v4Of(g1, g2));
  // Teredo 2001:0::/32: server in groups 2–3, client (bit-inverted) in 6–7.
  if (g0 === 0x2001 && g1 === 0) found.push(v4Of(g2, g3), v4Of(g6 ^ 0xffff, g7 ^ 0xffff));
  // ISATAP interface identifiers ::0:5efe:a.b.c.d and ::200:5efe:a.b.c.d, under any prefix.
  if ((g4 === 0 || g4 === 0x200) && g5 === 0x5efe) found.push(last);
  return found;
}

function privateV6(groups: number[]): boolean {
  const [g0, g1] = groups as [number, number];
  if (groups.every((g) => g === 0)) return true; // ::
  if (groups.slice(0, 7).every((g) => g === 0) && groups[7] === 1) return true; // ::1
  if ((g0 & 0xfe00) === 0xfc00) return true; // unique local fc00::/7
  if ((g0 & 0xffc0) === 0xfe80 || (g0 & 0xffc0) === 0xfec0) return true; // link-local, old site-local
  if ((g0 & 0xff00) === 0xff00) return true; // multicast
  if (g0 === 0x100 && groups.slice(1, 4).every((g) => g === 0)) return true; // discard-only 100::/64
  if (g0 === 0x2001 && g1 === 0xdb8) return true; // documentation
  if (g0 === 0x64 && g1 === 0xff9b && groups[2] === 1) return true; // local-use NAT64
  return embeddedIPv4(groups).some(privateV4);
}

/**
 * Loopback, private, link-local, carrier-grade NAT, reserved, documentation,
 * unspecified and multicast addresses, IPv4 or IPv6 in any notation. Anything
 * that is not a well-formed IP address counts as private (refused).
 */
export function isPrivateAddress(address: string): boolean {
  const bare = address.replace(/^\[|\]$/g, '');
  const v4 = v4Number(bare);
  if (v4 !== undefined) return privateV4(v4);
  const groups = ipv6Groups(bare);
  return groups === undefined ? true : privateV6(groups);
}
