// The kernel seen link by link: what a scoped diff needs (kernel-scope.ts), looked
// up by name and by index instead of dumping every link and address of both
// namespaces. Behind a small port so tests can answer from an observation.
import type { NetnsRole } from '../plan/kernel-plan.js';
import type { ObservedState } from './diff.js';
import type { ByRole } from './kernel-scope.js';
import type { AddrInfo, LinkInfo } from './netlink/index.js';

export interface LinkLookup {
  /** The link by name or index in that namespace; undefined when there is none. */
  link(role: NetnsRole, nameOrIndex: string | number): Promise<LinkInfo | undefined>;
  /** Addresses of the link with that index. */
  addresses(role: NetnsRole, index: number): Promise<AddrInfo[]>;
}

const ROLES = ['host', 'router'] as const;

/**
 * The links named in `names` with their addresses, plus, by index, what they
 * point at: their masters (the diff compares masters by name) and the router
 * ends of host veths (whether a host veth's peer is in sight).
 */
export async function observeScoped(lookup: LinkLookup, names: ByRole<ReadonlySet<string>>): Promise<ObservedState> {
  const out: ObservedState = { host: { links: [], addrs: [] }, router: { links: [], addrs: [] }, sysctls: {} };
  const found = await Promise.all(ROLES.map((r) => Promise.all([...names[r]].map((n) => lookup.link(r, n)))));
  const known: ByRole<Set<number>> = { host: new Set(), router: new Set() };
  ROLES.forEach((r, i) => {
    for (const l of found[i]!) {
      if (!l || known[r].has(l.index)) continue;
      out[r].links.push(l);
      known[r].add(l.index);
    }
  });
  const named: ByRole<LinkInfo[]> = { host: [...out.host.links], router: [...out.router.links] };
  const pointed: ByRole<Set<number>> = { host: new Set(), router: new Set() };
  for (const r of ROLES)
    for (const l of named[r]) {
      if (l.master && !known[r].has(l.master)) pointed[r].add(l.master);
      if (r === 'host' && l.kind === 'veth' && l.linkNetnsId !== undefined && l.linkIndex !== undefined && !known.router.has(l.linkIndex))
        pointed.router.add(l.linkIndex);
    }
  const more = await Promise.all(ROLES.map((r) => Promise.all([...pointed[r]].map((i) => lookup.link(r, i)))));
  ROLES.forEach((r, i) => {
    for (const l of more[i]!) {
      if (!l || known[r].has(l.index)) continue;
      out[r].links.push(l);
      known[r].add(l.index);
    }
  });
  const addrs = await Promise.all(ROLES.map((r) => Promise.all(named[r].map((l) => lookup.addresses(r, l.index)))));
  ROLES.forEach((r, i) => {
    for (const list of addrs[i]!) out[r].addrs.push(...list);
  });
  return out;
}
