/**
 * IPv4 CIDR containment, for EKS.1: restricting a public endpoint must never open it to an
 * address that could not reach it before. EKS public access CIDRs are IPv4 only.
 */

interface Block {
  base: number;
  prefix: number;
}

function parseCidr(cidr: string): Block | undefined {
  const match = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/.exec(cidr.trim());
  if (!match) return undefined;
  const octets = match.slice(1, 5).map(Number);
  const prefix = Number(match[5]);
  if (octets.some((octet) => octet > 255) || prefix > 32) return undefined;
  const address = octets.reduce((value, octet) => value * 256 + octet, 0);
  const size = 2 ** (32 - prefix);
  return { base: address - (address % size), prefix };
}

/** Whether every address of `inner` is in `outer`. Unparsable CIDRs contain nothing. */
export function cidrContains(outer: string, inner: string): boolean {
  const a = parseCidr(outer);
  const b = parseCidr(inner);
  if (!a || !b || b.prefix < a.prefix) return false;
  const size = 2 ** (32 - a.prefix);
  return b.base - (b.base % size) === a.base;
}

/** Whether every address of `cidr` is allow-listed. */
export function isAllowListed(cidr: string, allowList: readonly string[]): boolean {
  return allowList.some((allowed) => cidrContains(allowed, cidr));
}

/**
 * The addresses both lists let in, written with their CIDRs: a current CIDR inside the allow-list
 * stays; one that is not gives way to the allow-listed CIDRs inside it (`0.0.0.0/0` gives way to
 * the whole allow-list). A current CIDR that only partly overlaps an allow-listed one is dropped,
 * so the result never lets in an address that either list keeps out. In order, without repeats.
 */
export function restrictCidrs(current: readonly string[], allowList: readonly string[]): string[] {
  const result: string[] = [];
  for (const open of current) {
    const kept = isAllowListed(open, allowList) ? [open] : allowList.filter((allowed) => cidrContains(open, allowed));
    for (const cidr of kept) if (!result.includes(cidr)) result.push(cidr);
  }
  return result;
}
