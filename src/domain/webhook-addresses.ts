/**
 * Webhook addresses: where a delivery may connect (SSRF protection). Pure: parses IP addresses and
 * CIDR blocks, tells public addresses from the ranges that are not, and reads the allow list.
 *
 * Glossary
 * - **allow list** — host names, IP addresses and CIDR blocks that may be delivered to even though
 *   they are not public (a receiver on the same machine or network, in development or on premises).
 */

/** An IP address as bytes: 4 for IPv4, 16 for IPv6. */
export interface IpAddress {
  version: 4 | 6;
  bytes: Uint8Array;
}

/** A CIDR block: the first `prefix` bits of `bytes` are significant. */
export interface IpBlock extends IpAddress {
  prefix: number;
}

const IPV4 =
  /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)$/;
const HEX_GROUP = /^[0-9a-f]{1,4}$/i;

function parseIpv4(text: string): Uint8Array | null {
  // Dotted-quad decimal only: `0177.0.0.1`, `127.1` or `0x7f.1` mean different things to
  // different resolvers, so anything but the canonical form is not an address here (and is
  // therefore never "public").
  const match = IPV4.exec(text);
  return match ? Uint8Array.from(match.slice(1, 5), Number) : null;
}

function parseIpv6(text: string): Uint8Array | null {
  const halves = text.split('::');
  if (halves.length > 2) return null;
  const groups = (half: string | undefined): number[] | null => {
    if (!half) return [];
    const out: number[] = [];
    const parts = half.split(':');
    for (let i = 0; i < parts.length; i++) {
      const part = parts[i]!;
      if (i === parts.length - 1 && part.includes('.')) {
        const v4 = parseIpv4(part);
        if (!v4) return null;
        out.push((v4[0]! << 8) | v4[1]!, (v4[2]! << 8) | v4[3]!);
      } else if (HEX_GROUP.test(part)) {
        out.push(parseInt(part, 16));
      } else {
        return null;
      }
    }
    return out;
  };
  const head = groups(halves[0]);
  const tail = halves.length === 2 ? groups(halves[1]) : [];
  if (!head || !tail) return null;
  // An embedded IPv4 address may only close the address.
  if (halves.length === 2 && halves[0]!.includes('.')) return null;
  const missing = 8 - head.length - tail.length;
  if (halves.length === 1 ? missing !== 0 : missing < 1) return null;
  const all = [...head, ...new Array<number>(halves.length === 2 ? missing : 0).fill(0), ...tail];
  const bytes = new Uint8Array(16);
  all.forEach((group, i) => {
    bytes[2 * i] = group >> 8;
    bytes[2 * i + 1] = group & 0xff;
  });
  return bytes;
}

/**
 * Parses an IPv4 (dotted-quad decimal) or IPv6 address. Accepts the bracketed form used in URLs
 * (`[::1]`) and ignores an IPv6 zone (`fe80::1%eth0`). Returns null for anything else.
 */
export function parseIpAddress(text: string): IpAddress | null {
  let value = text;
  if (value.startsWith('[') && value.endsWith(']')) value = value.slice(1, -1);
  const v4 = parseIpv4(value);
  if (v4) return { version: 4, bytes: v4 };
  const zone = value.indexOf('%');
  if (zone > 0) value = value.slice(0, zone);
  const v6 = value.includes(':') ? parseIpv6(value) : null;
  return v6 ? { version: 6, bytes: v6 } : null;
}

/** Parses `10.0.0.0/8`, `::1/128`, or a single address (a block of one). Host bits are ignored. */
export function parseIpBlock(text: string): IpBlock | null {
  const slash = text.indexOf('/');
  const address = parseIpAddress(slash < 0 ? text : text.slice(0, slash));
  if (!address) return null;
  const max = address.version === 4 ? 32 : 128;
  if (slash < 0) return { ...address, prefix: max };
  const prefixText = text.slice(slash + 1);
  if (!/^\d{1,3}$/.test(prefixText)) return null;
  const prefix = Number(prefixText);
  return prefix <= max ? { ...address, prefix } : null;
}

function inBlock(address: IpAddress, block: IpBlock): boolean {
  if (address.version !== block.version) return false;
  const whole = block.prefix >> 3;
  for (let i = 0; i < whole; i++) if (address.bytes[i] !== block.bytes[i]) return false;
  const rest = block.prefix & 7;
  if (rest === 0) return true;
  const mask = (0xff << (8 - rest)) & 0xff;
  return (address.bytes[whole]! & mask) === (block.bytes[whole]! & mask);
}

function block(cidr: string): IpBlock {
  const parsed = parseIpBlock(cidr);
  if (!parsed) throw new Error(`bad built-in CIDR ${cidr}`);
  return parsed;
}

function namedBlocks(
  list: readonly (readonly [cidr: string, name: string])[],
): readonly (readonly [IpBlock, string])[] {
  return list.map(([cidr, name]) => [block(cidr), name] as const);
}

/**
 * IPv4 ranges that are not publicly routable or must never be reached from a webhook (IANA
 * special-purpose registry, RFC 6890 and successors), named for error messages.
 */
const NON_PUBLIC_V4 = namedBlocks([
  ['0.0.0.0/8', 'this network'],
  ['10.0.0.0/8', 'private'],
  ['100.64.0.0/10', 'shared address space (CGNAT)'],
  ['127.0.0.0/8', 'loopback'],
  ['169.254.0.0/16', 'link-local'],
  ['172.16.0.0/12', 'private'],
  ['192.0.0.0/24', 'IETF protocol assignments'],
  ['192.0.2.0/24', 'documentation'],
  ['192.88.99.0/24', '6to4 relay anycast'],
  ['192.168.0.0/16', 'private'],
  ['198.18.0.0/15', 'benchmarking'],
  ['198.51.100.0/24', 'documentation'],
  ['203.0.113.0/24', 'documentation'],
  ['224.0.0.0/4', 'multicast'],
  ['240.0.0.0/4', 'reserved'], // includes 255.255.255.255, the limited broadcast address
  // Cloud metadata services. Most live in ranges above (AWS/GCP/Azure IMDS 169.254.169.254,
  // Alibaba 100.100.100.200, Oracle 192.0.0.192); Azure's wire server is a public address.
  ['168.63.129.16/32', 'cloud metadata service'],
]);

/**
 * IPv6 is judged by allow-listing: only global unicast (2000::/3) can be public, minus these.
 * Everything outside 2000::/3 (loopback, unspecified, link-local fe80::/10, site-local, unique
 * local fc00::/7, multicast ff00::/8, discard-only 100::/64, SRv6 5f00::/16 …) is refused. The
 * IPv4-carrying forms are handled separately by looking at the embedded IPv4 address.
 */
const GLOBAL_UNICAST_V6 = block('2000::/3');
const NON_PUBLIC_V6 = namedBlocks([
  ['2001::/23', 'IETF protocol assignments'], // includes Teredo 2001::/32 and benchmarking 2001:2::/48
  ['2001:db8::/32', 'documentation'],
  ['3fff::/20', 'documentation'],
]);
const IPV4_MAPPED = block('::ffff:0:0/96');
const NAT64 = block('64:ff9b::/96');
const SIX_TO_FOUR = block('2002::/16');
const NOT_GLOBAL_V6 = namedBlocks([
  ['::1/128', 'loopback'],
  ['fe80::/10', 'link-local'],
  ['fec0::/10', 'site-local'],
  ['fc00::/7', 'unique local'],
  ['ff00::/8', 'multicast'],
]);

function embeddedV4(bytes: Uint8Array, offset: number): IpAddress {
  return { version: 4, bytes: bytes.slice(offset, offset + 4) };
}

function nonPublicRangeOf(address: IpAddress): string | null {
  if (address.version === 4) {
    for (const [range, name] of NON_PUBLIC_V4) if (inBlock(address, range)) return name;
    return null;
  }
  // Forms that carry an IPv4 address are as public as that address: `::ffff:127.0.0.1` reaches
  // loopback on a dual-stack socket, `64:ff9b::a00:1` reaches 10.0.0.1 through NAT64.
  for (const [carrier, offset, label] of [
    [IPV4_MAPPED, 12, 'IPv4-mapped'],
    [NAT64, 12, 'NAT64'],
    [SIX_TO_FOUR, 2, '6to4'],
  ] as const) {
    if (inBlock(address, carrier)) {
      const inner = nonPublicRangeOf(embeddedV4(address.bytes, offset));
      return inner === null ? null : `${label} ${inner}`;
    }
  }
  if (address.bytes.every((b) => b === 0)) return 'unspecified';
  if (!inBlock(address, GLOBAL_UNICAST_V6)) {
    for (const [range, name] of NOT_GLOBAL_V6) if (inBlock(address, range)) return name;
    return 'not global unicast';
  }
  for (const [range, name] of NON_PUBLIC_V6) if (inBlock(address, range)) return name;
  return null;
}

/**
 * Why `ip` is not a public address (e.g. `loopback`, `private`, `IPv4-mapped link-local`), or
 * null when it is public. Text that is not an IP address is reported as such: the check fails
 * closed.
 */
export function nonPublicRange(ip: string): string | null {
  const address = parseIpAddress(ip);
  return address ? nonPublicRangeOf(address) : 'not an IP address';
}

/**
 * Whether a webhook may connect to `ip` without it being on the allow list: a publicly routable
 * unicast address that is not a documentation, benchmarking or cloud-metadata address, nor an
 * IPv6 form that carries a non-public IPv4 address.
 */
export function isPublicAddress(ip: string): boolean {
  return nonPublicRange(ip) === null;
}

/** An IPv4-mapped IPv6 address or block is the IPv4 one, so `127.0.0.1/32` also allows `::ffff:127.0.0.1`. */
function unmapAddress(address: IpAddress): IpAddress {
  return address.version === 6 && inBlock(address, IPV4_MAPPED) ? embeddedV4(address.bytes, 12) : address;
}

function unmapBlock(range: IpBlock): IpBlock {
  return range.version === 6 && range.prefix >= 96 && inBlock(range, IPV4_MAPPED)
    ? { ...embeddedV4(range.bytes, 12), prefix: range.prefix - 96 }
    : range;
}

const HOSTNAME =
  /^(?=.{1,253}$)(?:[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?)(?:\.[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?)*$/;

/** Lower case, no trailing dot, no brackets: the form in which host names are compared. */
export function normalizeHost(host: string): string {
  let value = host.trim().toLowerCase();
  if (value.startsWith('[') && value.endsWith(']')) value = value.slice(1, -1);
  return value.endsWith('.') ? value.slice(0, -1) : value;
}

/** The compiled allow list: exact host names, and IP blocks. */
export interface AllowList {
  /** The entries as given, for logs and error messages. */
  readonly entries: readonly string[];
  /** Whether the host name of a URL is allowed whatever it resolves to. */
  allowsHost(host: string): boolean;
  /** Whether a resolved (or literal) address is allowed although it may not be public. */
  allowsAddress(ip: string): boolean;
}

/**
 * Compiles allow-list entries: host names (`localhost`, `receiver.internal`; matched exactly,
 * case-insensitively), IP addresses (`127.0.0.1`, `::1`) and CIDR blocks (`10.0.0.0/8`,
 * `::1/128`). Throws a RangeError naming the first entry that is none of those, so a bad
 * configuration stops the process instead of silently allowing nothing (or everything).
 */
export function parseAllowList(entries: readonly string[]): AllowList {
  const hosts = new Set<string>();
  const blocks: IpBlock[] = [];
  for (const entry of entries) {
    const range = parseIpBlock(entry.trim());
    if (range) {
      blocks.push(unmapBlock(range));
      continue;
    }
    const host = normalizeHost(entry);
    if (!HOSTNAME.test(host))
      throw new RangeError(`allow list entry "${entry}" is not a host name, IP address or CIDR block`);
    hosts.add(host);
  }
  const allowsAddress = (ip: string): boolean => {
    const parsed = parseIpAddress(ip);
    if (!parsed) return false;
    const address = unmapAddress(parsed);
    return blocks.some((range) => inBlock(address, range));
  };
  return {
    entries: Object.freeze([...entries]),
    // A literal IP in the URL is a host and an address at once.
    allowsHost: (host) => hosts.has(normalizeHost(host)) || allowsAddress(host),
    allowsAddress,
  };
}
