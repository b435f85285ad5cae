// Desired kernel objects vs what the kernel holds → the smallest ordered list of
// changes. Pure, so "a second apply makes no netlink write" is a unit-testable
// property: diffKernel(plan, observedAfterApply) must be empty.
import type { DesiredLink, KernelPlan, NetnsRole } from '../plan/kernel-plan.js';
import { isManagedHostBridgeName, isManagedName, routerPeerOfHostVeth } from '../net/names.js';
import type { AddrInfo, LinkInfo } from './netlink/index.js';

export interface ObservedNamespace {
  links: LinkInfo[];
  addrs: AddrInfo[];
}

export interface ObservedState {
  host: ObservedNamespace;
  router: ObservedNamespace;
  /** Current sysctl values in the router namespace (undefined = not present). */
  sysctls: Record<string, string | undefined>;
}

export type LinkSettings = { master?: string | null; mtu?: number; up?: boolean; mac?: string };

export type DataplaneOp =
  | { op: 'sysctl'; path: string; value: string; optional: boolean }
  | { op: 'move-nic-in'; name: string; addresses: string[]; group: number }
  | { op: 'move-nic-out'; name: string; addresses: string[] }
  | { op: 'delete-link'; ns: NetnsRole; name: string; reason: string }
  | { op: 'create-link'; ns: NetnsRole; link: DesiredLink; mtu?: number; vrfTable?: number }
  | { op: 'set-link'; ns: NetnsRole; name: string; change: LinkSettings }
  | { op: 'add-address'; ns: NetnsRole; link: string; cidr: string }
  | { op: 'delete-address'; ns: NetnsRole; link: string; cidr: string }
  | { op: 'no-ipv6-link-local'; ns: NetnsRole; name: string }
  | { op: 'neigh-suppress'; ns: NetnsRole; name: string };

const MIN_IPV6_MTU = 1280;

const cidrOf = (a: AddrInfo): string => `${a.address}/${a.prefixLen}`;
/** Addresses the dataplane manages: global scope only (link-local and host-scope ones belong to the kernel). */
const isManagedAddr = (a: AddrInfo): boolean => a.scope === 0 && !a.address.toLowerCase().startsWith('fe80:');

function normalizeCidr(c: string): string {
  // The kernel prints IPv6 compressed and lower-case; compare in that form.
  const [addr = '', len = ''] = c.split('/');
  return `${addr.toLowerCase()}/${len}`;
}

function kindMatches(d: DesiredLink, o: LinkInfo): boolean {
  switch (d.type.kind) {
    case 'vrf':
      return o.kind === 'vrf';
    case 'bridge':
      return o.kind === 'bridge';
    case 'vxlan':
      return (
        o.kind === 'vxlan' &&
        o.vxlan !== undefined &&
        o.vxlan.vni === d.type.vni &&
        o.vxlan.port === d.type.port &&
        !o.vxlan.learning &&
        (o.vxlan.local ?? '').toLowerCase() === d.type.local.toLowerCase()
      );
    case 'veth':
    case 'veth-peer':
      return o.kind === 'veth';
  }
}

const kindRank: Record<DesiredLink['type']['kind'], number> = { vrf: 0, bridge: 1, vxlan: 2, veth: 3, 'veth-peer': 4 };

export function underlayMtu(plan: KernelPlan, observed: ObservedState): number | undefined {
  const mtus = plan.underlayNics
    .map((n) => observed.router.links.find((l) => l.name === n) ?? observed.host.links.find((l) => l.name === n))
    .filter((l): l is LinkInfo => l !== undefined)
    .map((l) => l.mtu);
  return mtus.length > 0 ? Math.min(...mtus) : undefined;
}

function lowestFreeTable(used: Set<number>): number {
  // 253-255 are the kernel's default/main/local tables.
  for (let t = 1; ; t++) if (!used.has(t) && (t < 253 || t > 255)) return t;
}

export function diffKernel(plan: KernelPlan, observed: ObservedState): DataplaneOp[] {
  const ops: DataplaneOp[] = [];
  const ns = (role: NetnsRole): ObservedNamespace => observed[role];
  const byName = (role: NetnsRole, name: string): LinkInfo | undefined => ns(role).links.find((l) => l.name === name);
  const nameOf = (role: NetnsRole, index: number | undefined): string | undefined =>
    index === undefined || index === 0 ? undefined : ns(role).links.find((l) => l.index === index)?.name;
  const addrsOf = (role: NetnsRole, link: LinkInfo): AddrInfo[] => ns(role).addrs.filter((a) => a.index === link.index);

  // 1. sysctls, written only when they differ.
  for (const s of plan.sysctls) {
    const cur = observed.sysctls[s.path];
    if (cur === undefined && s.optional) continue;
    if (cur?.trim() !== s.value) ops.push({ op: 'sysctl', path: s.path, value: s.value, optional: s.optional ?? false });
  }

  // 2. Underlay NICs: in when wanted, back to the host (with their addresses) when not.
  for (const nic of plan.underlayNics) {
    const inRouter = byName('router', nic);
    if (inRouter) {
      if (inRouter.group !== plan.underlayGroup || !inRouter.up) {
        // A NIC already inside but not marked/up: finish the move idempotently.
        ops.push({ op: 'set-link', ns: 'router', name: nic, change: { up: true } });
      }
      continue;
    }
    const inHost = byName('host', nic);
    if (inHost)
      ops.push({
        op: 'move-nic-in',
        name: nic,
        addresses: addrsOf('host', inHost).filter(isManagedAddr).map(cidrOf),
        group: plan.underlayGroup,
      });
  }
  for (const l of observed.router.links) {
    if (l.group === plan.underlayGroup && !plan.underlayNics.includes(l.name)) {
      ops.push({ op: 'move-nic-out', name: l.name, addresses: addrsOf('router', l).filter(isManagedAddr).map(cidrOf) });
    }
  }

  // 3. VTEP addresses on the router namespace's lo.
  const lo = byName('router', 'lo');
  if (lo) {
    if (!lo.up) ops.push({ op: 'set-link', ns: 'router', name: 'lo', change: { up: true } });
    const have = new Set(
      addrsOf('router', lo)
        .filter(isManagedAddr)
        .map((a) => normalizeCidr(cidrOf(a))),
    );
    const want = new Set(plan.loopbackAddresses.map(normalizeCidr));
    for (const a of want) if (!have.has(a)) ops.push({ op: 'add-address', ns: 'router', link: 'lo', cidr: a });
    for (const a of have) if (!want.has(a)) ops.push({ op: 'delete-address', ns: 'router', link: 'lo', cidr: a });
  }

  // 4. Garbage: managed names that are not desired, and desired names whose kind drifted.
  const desired = new Map<string, DesiredLink>();
  for (const d of plan.links) desired.set(`${d.ns}/${d.name}`, d);
  const recreate = new Set<string>();
  for (const role of ['host', 'router'] as const) {
    for (const l of ns(role).links) {
      const d = desired.get(`${role}/${l.name}`);
      const managed =
        isManagedName(role, l.name) ||
        (role === 'router' && l.kind === 'vrf') ||
        (role === 'host' && l.kind === 'bridge' && isManagedHostBridgeName(l.name));
      if (!d) {
        if (managed) ops.push({ op: 'delete-link', ns: role, name: l.name, reason: 'not configured' });
        continue;
      }
      if (!kindMatches(d, l)) {
        ops.push({ op: 'delete-link', ns: role, name: l.name, reason: `drifted from desired ${d.type.kind}` });
        recreate.add(`${role}/${l.name}`);
      }
    }
  }
  // A veth whose peer is missing or in the wrong place is recreated from its creating side.
  for (const d of plan.links) {
    if (d.type.kind !== 'veth') continue;
    const self = byName(d.ns, d.name);
    const peer = byName(d.type.peerNs, d.type.peer);
    if (recreate.has(`${d.ns}/${d.name}`)) continue;
    if (self && !peer) {
      ops.push({ op: 'delete-link', ns: d.ns, name: d.name, reason: 'veth peer missing' });
      recreate.add(`${d.ns}/${d.name}`);
    } else if (!self && peer) {
      ops.push({ op: 'delete-link', ns: d.type.peerNs, name: d.type.peer, reason: 'veth peer orphaned' });
      recreate.add(`${d.type.peerNs}/${d.type.peer}`);
    }
  }
  // Deletions run host side first (veth peers go with them, so theirs are dropped), VRFs last.
  const hostVethDeletes = new Set(ops.flatMap((o) => (o.op === 'delete-link' && o.ns === 'host' ? [routerPeerOfHostVeth(o.name)] : [])));
  const deletes = ops.filter(
    (o): o is Extract<DataplaneOp, { op: 'delete-link' }> =>
      o.op === 'delete-link' && !(o.ns === 'router' && hostVethDeletes.has(o.name) && byName('router', o.name)?.kind === 'veth'),
  );
  const isVrf = (o: { ns: NetnsRole; name: string }): boolean => byName(o.ns, o.name)?.kind === 'vrf';
  deletes.sort((a, b) => Number(isVrf(a)) - Number(isVrf(b)) || (a.ns === b.ns ? 0 : a.ns === 'host' ? -1 : 1));
  const rest = ops.filter((o) => o.op !== 'delete-link');
  ops.length = 0;
  ops.push(...rest, ...deletes);

  // 5. Creates, then settings of existing links.
  const mtu = underlayMtu(plan, observed);
  const vethMtu = mtu !== undefined && mtu - plan.vxlanOverhead > MIN_IPV6_MTU ? mtu - plan.vxlanOverhead : undefined;
  const usedTables = new Set(observed.router.links.filter((l) => l.kind === 'vrf' && l.vrf).map((l) => l.vrf!.table));
  const creates: Extract<DataplaneOp, { op: 'create-link' }>[] = [];
  const after: DataplaneOp[] = [];
  for (const d of plan.links) {
    const key = `${d.ns}/${d.name}`;
    const obs = recreate.has(key) ? undefined : byName(d.ns, d.name);
    const wantMtu = d.mtuFromUnderlay ? vethMtu : undefined;
    if (!obs) {
      const t = d.type;
      if (t.kind === 'veth-peer') {
        // Created together with its peer; its settings follow once it exists.
        const creator = plan.links.find((x) => x.name === t.peer && x.ns === t.peerNs);
        if (!creator) throw new Error(`veth peer ${d.name} has no creating side`);
      } else {
        const c: Extract<DataplaneOp, { op: 'create-link' }> = { op: 'create-link', ns: d.ns, link: d };
        if (wantMtu !== undefined) c.mtu = wantMtu;
        if (d.type.kind === 'vrf') {
          const table = lowestFreeTable(usedTables);
          usedTables.add(table);
          c.vrfTable = table;
        }
        creates.push(c);
      }
      // Everything about a new link is set right after creation.
      // A veth peer gets its creator's MTU at creation, but cannot be brought up
      // in the same request (the kernel has not paired it yet: ENOTCONN).
      if (d.type.kind === 'veth-peer') {
        const change: LinkSettings = { up: true };
        if (d.master) change.master = d.master;
        after.push({ op: 'set-link', ns: d.ns, name: d.name, change });
      }
      for (const a of d.addresses) after.push({ op: 'add-address', ns: d.ns, link: d.name, cidr: normalizeCidr(a) });
      if (d.noIpv6LinkLocal) after.push({ op: 'no-ipv6-link-local', ns: d.ns, name: d.name });
      if (d.neighSuppress) after.push({ op: 'neigh-suppress', ns: d.ns, name: d.name });
      continue;
    }
    const change: LinkSettings = {};
    const curMaster = nameOf(d.ns, obs.master);
    if ((d.master ?? undefined) !== curMaster) change.master = d.master ?? null;
    if (wantMtu !== undefined && obs.mtu !== wantMtu) change.mtu = wantMtu;
    if (!obs.up) change.up = true;
    if (d.mac && obs.mac?.toLowerCase() !== d.mac.toLowerCase()) change.mac = d.mac;
    if (Object.keys(change).length > 0) after.push({ op: 'set-link', ns: d.ns, name: d.name, change });
    const have = new Set(
      addrsOf(d.ns, obs)
        .filter(isManagedAddr)
        .map((a) => normalizeCidr(cidrOf(a))),
    );
    const want = new Set(d.addresses.map(normalizeCidr));
    if (!d.keepForeignAddresses)
      for (const a of have) if (!want.has(a)) after.push({ op: 'delete-address', ns: d.ns, link: d.name, cidr: a });
    // Enslaving to a VRF drops IPv6 addresses, so a master change re-adds them all.
    for (const a of want)
      if (!have.has(a) || change.master !== undefined) after.push({ op: 'add-address', ns: d.ns, link: d.name, cidr: a });
    if (d.neighSuppress && obs.bridgePort?.neighSuppress === false) after.push({ op: 'neigh-suppress', ns: d.ns, name: d.name });
  }
  creates.sort((a, b) => kindRank[a.link.type.kind] - kindRank[b.link.type.kind]);
  // Masters before addresses: enslaving to a VRF flushes IPv6 addresses.
  const afterRank: Partial<Record<DataplaneOp['op'], number>> = {
    'set-link': 0,
    'delete-address': 1,
    'add-address': 2,
    'no-ipv6-link-local': 3,
    'neigh-suppress': 4,
  };
  after.sort((a, b) => (afterRank[a.op] ?? 9) - (afterRank[b.op] ?? 9));
  ops.push(...creates, ...after);
  return ops;
}

/** Groups ops into phases whose members can run concurrently; phases run in order. */
export function phasesOf(ops: DataplaneOp[]): DataplaneOp[][] {
  const phaseKey = (o: DataplaneOp): string => {
    switch (o.op) {
      case 'create-link':
        return `create:${kindRank[o.link.type.kind]}`;
      case 'delete-link':
        return `delete:${o.ns}`;
      case 'set-link':
        // lo and NIC fixes precede everything; master changes must follow creates.
        return 'set';
      default:
        return o.op;
    }
  };
  const phases: DataplaneOp[][] = [];
  let lastKey = '';
  for (const o of ops) {
    const k = phaseKey(o);
    if (k !== lastKey || o.op === 'move-nic-in' || o.op === 'move-nic-out') phases.push([]);
    phases[phases.length - 1]!.push(o);
    lastKey = k;
  }
  return phases;
}
