// The address part of the kernel diff: which of a link's addresses the dataplane
// manages, in the form the kernel prints them, and which to add and delete so a
// link carries the addresses the plan wants. diff.ts turns the answer into ops.
import type { AddrInfo } from './netlink/index.js';

const NO_CIDRS: ReadonlySet<string> = new Set();

export const cidrOf = (a: AddrInfo): string => `${a.address}/${a.prefixLen}`;
/** Addresses the dataplane manages: global scope only (link-local and host-scope ones belong to the kernel). */
export const isManagedAddr = (a: AddrInfo): boolean => a.scope === 0 && !a.address.toLowerCase().startsWith('fe80:');

export function normalizeCidr(c: string): string {
  // The kernel prints IPv6 compressed and lower-case; compare in that form.
  const slash = c.indexOf('/');
  if (slash >= 0 && c.indexOf('/', slash + 1) < 0) return c.toLowerCase(); // address/len: the length has no letters
  const [addr = '', len = ''] = c.split('/');
  return `${addr.toLowerCase()}/${len}`;
}

/** The managed ones of a link's addresses, normalized. */
export function managedCidrs(addrs: AddrInfo[]): ReadonlySet<string> {
  if (addrs.length === 0) return NO_CIDRS;
  const out = new Set<string>();
  for (const a of addrs) if (isManagedAddr(a)) out.add(normalizeCidr(cidrOf(a)));
  return out;
}

export interface AddressChange {
  add: string[];
  remove: string[];
}

/**
 * What to add and delete so a link that has `have` (managed, normalized) carries `wanted`.
 * `keepForeign`: addresses not wanted stay (someone else put them there). `addAll`: every
 * wanted address is added, present or not (enslaving to a VRF drops IPv6 addresses).
 */
export function addressChange(
  have: ReadonlySet<string>,
  wanted: readonly string[],
  opts: { keepForeign?: boolean; addAll?: boolean } = {},
): AddressChange {
  const want = new Set(wanted.map(normalizeCidr));
  const remove: string[] = [];
  if (!opts.keepForeign) for (const a of have) if (!want.has(a)) remove.push(a);
  const add: string[] = [];
  for (const a of want) if (opts.addAll || !have.has(a)) add.push(a);
  return { add, remove };
}
