// Desired kernel objects vs what the kernel holds → the smallest ordered list of
// changes. Pure, so "a second apply makes no netlink write" is a unit-testable
// property: diffKernel(plan, observedAfterApply) must be empty.
// Which addresses to add and delete is diff-addresses.ts.
//
// Cost: one pass to index the observation by name and index (maps, one per
// namespace), then one pass over the desired links and one over the observed
// ones: O(n) in the number of objects, with no scan per object (a resync at
// 4000 VNIs diffs 21 600 links). Written as Steps: the daemon drains it with a
// turn of the event loop every CHUNK objects, one-shot commands at once.
import type { DesiredLink, KernelPlan, NetnsRole } from '../plan/kernel-plan.js';
import { isManagedHostBridgeName, isManagedName, routerPeerOfHostVeth } from '../net/names.js';
import { CHUNK, runSync, type Steps } from '../util/steps.js';
import { addressChange, cidrOf, isManagedAddr, normalizeCidr } from './diff-addresses.js';
import { indexDesired, type ByRole, type DesiredLookup } from './kernel-scope.js';
import type { AddrInfo, LinkInfo } from './netlink/index.js';
import { NsView } from './observed-view.js';
import { hostVethsWithUnseenPeerSteps } from './unfixable.js';

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

type CreateOp = Extract<DataplaneOp, { op: 'create-link' }>;
type DeleteOp = Extract<DataplaneOp, { op: 'delete-link' }>;

const MIN_IPV6_MTU = 1280;

type Views = ByRole<NsView>;
/** Links (namespace, name) deleted to be created again. */
type Recreate = ByRole<Set<string>>;

function* viewsOf(observed: ObservedState): Steps<Views> {
  return { host: yield* NsView.of(observed.host), router: yield* NsView.of(observed.router) };
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

export const kindRank: Record<DesiredLink['type']['kind'], number> = { vrf: 0, bridge: 1, vxlan: 2, veth: 3, 'veth-peer': 4 };

function underlayMtuOf(plan: KernelPlan, v: Views): number | undefined {
  const mtus = plan.underlayNics
    .map((n) => v.router.link(n) ?? v.host.link(n))
    .filter((l): l is LinkInfo => l !== undefined)
    .map((l) => l.mtu);
  return mtus.length > 0 ? Math.min(...mtus) : undefined;
}

export function underlayMtu(plan: KernelPlan, observed: ObservedState): number | undefined {
  return underlayMtuOf(plan, runSync(viewsOf(observed)));
}

function lowestFreeTable(used: Set<number>): number {
  // 253-255 are the kernel's default/main/local tables.
  for (let t = 1; ; t++) if (!used.has(t) && (t < 253 || t > 255)) return t;
}

/** 1. sysctls, written only when they differ. */
function sysctlOps(plan: KernelPlan, observed: ObservedState): DataplaneOp[] {
  const ops: DataplaneOp[] = [];
  for (const s of plan.sysctls) {
    const cur = observed.sysctls[s.path];
    if (cur === undefined && s.optional) continue;
    if (cur?.trim() !== s.value) ops.push({ op: 'sysctl', path: s.path, value: s.value, optional: s.optional ?? false });
  }
  return ops;
}

/** 2. Underlay NICs: in when wanted, back to the host (with their addresses) when not. */
function underlayNicOps(plan: KernelPlan, v: Views): DataplaneOp[] {
  const ops: DataplaneOp[] = [];
  const managedAddrs = (role: NetnsRole, l: LinkInfo): string[] => v[role].addrs(l).filter(isManagedAddr).map(cidrOf);
  for (const nic of plan.underlayNics) {
    const inRouter = v.router.link(nic);
    if (inRouter) {
      // A NIC already inside but not marked/up: finish the move idempotently.
      if (inRouter.group !== plan.underlayGroup || !inRouter.up)
        ops.push({ op: 'set-link', ns: 'router', name: nic, change: { up: true } });
      continue;
    }
    const inHost = v.host.link(nic);
    if (inHost) ops.push({ op: 'move-nic-in', name: nic, addresses: managedAddrs('host', inHost), group: plan.underlayGroup });
  }
  const wanted = new Set(plan.underlayNics);
  for (const l of v.router.observed.links) {
    if (l.group === plan.underlayGroup && !wanted.has(l.name))
      ops.push({ op: 'move-nic-out', name: l.name, addresses: managedAddrs('router', l) });
  }
  return ops;
}

/** 3. VTEP addresses on the router namespace's lo. */
function loopbackOps(plan: KernelPlan, v: Views): DataplaneOp[] {
  const lo = v.router.link('lo');
  if (!lo) return [];
  const ops: DataplaneOp[] = [];
  if (!lo.up) ops.push({ op: 'set-link', ns: 'router', name: 'lo', change: { up: true } });
  const { add, remove } = addressChange(v.router.managedCidrs(lo), plan.loopbackAddresses);
  for (const a of add) ops.push({ op: 'add-address', ns: 'router', link: 'lo', cidr: a });
  for (const a of remove) ops.push({ op: 'delete-address', ns: 'router', link: 'lo', cidr: a });
  return ops;
}

function isManagedLink(role: NetnsRole, l: LinkInfo): boolean {
  return (
    isManagedName(role, l.name) ||
    (role === 'router' && l.kind === 'vrf') ||
    (role === 'host' && l.kind === 'bridge' && isManagedHostBridgeName(l.name))
  );
}

/**
 * 4. Garbage: managed names that are not desired, desired names whose kind
 * drifted, and veths whose other end is missing. `recreate` collects what is
 * deleted to be created again.
 */
function* garbageOps(plan: KernelPlan, desired: DesiredLookup, v: Views, recreate: Recreate): Steps<DeleteOp[]> {
  const ops: DeleteOp[] = [];
  let n = 0;
  for (const role of ['host', 'router'] as const) {
    for (const l of v[role].observed.links) {
      if (++n % CHUNK === 0) yield;
      const d = desired[role].get(l.name);
      if (!d) {
        if (isManagedLink(role, l)) ops.push({ op: 'delete-link', ns: role, name: l.name, reason: 'not configured' });
      } else if (!kindMatches(d, l)) {
        ops.push({ op: 'delete-link', ns: role, name: l.name, reason: `drifted from desired ${d.type.kind}` });
        recreate[role].add(l.name);
      }
    }
  }
  // A veth whose peer is missing or in the wrong place is recreated from its creating side.
  for (const d of plan.links) {
    if (++n % CHUNK === 0) yield;
    if (d.type.kind !== 'veth' || recreate[d.ns].has(d.name)) continue;
    const self = v[d.ns].link(d.name);
    const peer = v[d.type.peerNs].link(d.type.peer);
    if (self && !peer) {
      ops.push({ op: 'delete-link', ns: d.ns, name: d.name, reason: 'veth peer missing' });
      recreate[d.ns].add(d.name);
    } else if (!self && peer) {
      ops.push({ op: 'delete-link', ns: d.type.peerNs, name: d.type.peer, reason: 'veth peer orphaned' });
      recreate[d.type.peerNs].add(d.type.peer);
    }
  }
  return ops;
}

/** Deletions run host side first (veth peers go with them, so theirs are dropped), VRFs last. */
function orderDeletes(deletes: DeleteOp[], v: Views): DeleteOp[] {
  const hostVethDeletes = new Set(deletes.flatMap((o) => (o.ns === 'host' ? [routerPeerOfHostVeth(o.name)] : [])));
  const kept = deletes.filter((o) => !(o.ns === 'router' && hostVethDeletes.has(o.name) && v.router.link(o.name)?.kind === 'veth'));
  const isVrf = (o: DeleteOp): boolean => v[o.ns].link(o.name)?.kind === 'vrf';
  return kept.sort((a, b) => Number(isVrf(a)) - Number(isVrf(b)) || (a.ns === b.ns ? 0 : a.ns === 'host' ? -1 : 1));
}

interface LinkDiffContext {
  v: Views;
  desired: DesiredLookup;
  recreate: Recreate;
  vethMtu: number | undefined;
  usedTables: Set<number>;
  creates: CreateOp[];
  after: DataplaneOp[];
}

/** A link that does not exist: its create, then everything set right after creation. */
function missingLinkOps(d: DesiredLink, wantMtu: number | undefined, cx: LinkDiffContext): void {
  const t = d.type;
  if (t.kind === 'veth-peer') {
    // Created together with its peer; its settings follow once it exists.
    if (cx.desired[t.peerNs].get(t.peer) === undefined) throw new Error(`veth peer ${d.name} has no creating side`);
    // A veth peer gets its creator's MTU at creation, but cannot be brought up
    // in the same request (the kernel has not paired it yet: ENOTCONN).
    const change: LinkSettings = { up: true };
    if (d.master) change.master = d.master;
    cx.after.push({ op: 'set-link', ns: d.ns, name: d.name, change });
  } else {
    const c: CreateOp = { op: 'create-link', ns: d.ns, link: d };
    if (wantMtu !== undefined) c.mtu = wantMtu;
    if (t.kind === 'vrf') {
      c.vrfTable = lowestFreeTable(cx.usedTables);
      cx.usedTables.add(c.vrfTable);
    }
    cx.creates.push(c);
  }
  for (const a of d.addresses) cx.after.push({ op: 'add-address', ns: d.ns, link: d.name, cidr: normalizeCidr(a) });
  if (d.noIpv6LinkLocal) cx.after.push({ op: 'no-ipv6-link-local', ns: d.ns, name: d.name });
  if (d.neighSuppress) cx.after.push({ op: 'neigh-suppress', ns: d.ns, name: d.name });
}

/** A link that exists: settings, addresses and port flags that differ. */
function existingLinkOps(d: DesiredLink, obs: LinkInfo, wantMtu: number | undefined, cx: LinkDiffContext): void {
  const view = cx.v[d.ns];
  const change: LinkSettings = {};
  if ((d.master ?? undefined) !== view.nameOf(obs.master)) change.master = d.master ?? null;
  if (wantMtu !== undefined && obs.mtu !== wantMtu) change.mtu = wantMtu;
  if (!obs.up) change.up = true;
  if (d.mac && obs.mac?.toLowerCase() !== d.mac.toLowerCase()) change.mac = d.mac;
  if (Object.keys(change).length > 0) cx.after.push({ op: 'set-link', ns: d.ns, name: d.name, change });
  const have = view.managedCidrs(obs);
  if (have.size > 0 || d.addresses.length > 0) {
    // Enslaving to a VRF drops IPv6 addresses, so a master change re-adds them all.
    const addAll = change.master !== undefined;
    const { add, remove } = addressChange(have, d.addresses, { keepForeign: d.keepForeignAddresses ?? false, addAll });
    for (const a of remove) cx.after.push({ op: 'delete-address', ns: d.ns, link: d.name, cidr: a });
    for (const a of add) cx.after.push({ op: 'add-address', ns: d.ns, link: d.name, cidr: a });
  }
  if (d.neighSuppress && obs.bridgePort?.neighSuppress === false) cx.after.push({ op: 'neigh-suppress', ns: d.ns, name: d.name });
}

// Masters before addresses: enslaving to a VRF flushes IPv6 addresses.
const afterRank: Partial<Record<DataplaneOp['op'], number>> = {
  'set-link': 0,
  'delete-address': 1,
  'add-address': 2,
  'no-ipv6-link-local': 3,
  'neigh-suppress': 4,
};
const AFTER_OTHER = 5;

/** `ops` stably ordered by `rank` (0 … buckets-1): what a stable sort gives, in one pass. */
function byRank<T>(ops: T[], rank: (o: T) => number, buckets: number): T[] {
  const out: T[][] = Array.from({ length: buckets }, () => []);
  for (const o of ops) out[rank(o)]!.push(o);
  return out.flat();
}

/** 5. Creates (VRFs, bridges, vxlans, veths in that order), then settings of existing links. */
function* linkOps(
  plan: KernelPlan,
  observed: ObservedState,
  v: Views,
  desired: DesiredLookup,
  recreate: Recreate,
  scope?: DiffScope,
): Steps<DataplaneOp[]> {
  const mtu = underlayMtuOf(plan, v);
  const cx: LinkDiffContext = {
    v,
    desired,
    recreate,
    vethMtu: mtu !== undefined && mtu - plan.vxlanOverhead > MIN_IPV6_MTU ? mtu - plan.vxlanOverhead : undefined,
    usedTables: new Set(scope?.usedTables ?? observed.router.links.filter((l) => l.kind === 'vrf' && l.vrf).map((l) => l.vrf!.table)),
    creates: [],
    after: [],
  };
  let n = 0;
  for (const d of plan.links) {
    if (++n % CHUNK === 0) yield;
    const obs = recreate[d.ns].has(d.name) ? undefined : v[d.ns].link(d.name);
    const wantMtu = d.mtuFromUnderlay ? cx.vethMtu : undefined;
    if (obs) existingLinkOps(d, obs, wantMtu, cx);
    else missingLinkOps(d, wantMtu, cx);
  }
  yield;
  const creates = byRank(cx.creates, (c) => kindRank[c.link.type.kind], 5);
  const after = byRank(cx.after, (o) => afterRank[o.op] ?? AFTER_OTHER, AFTER_OTHER + 1);
  return [...creates, ...after];
}

/**
 * A diff over part of the kernel (kernel-scope.ts): `plan` holds only the links
 * to diff and no sysctls, `observed` only what was looked up; what the diff
 * needs of the rest comes from here.
 */
export interface DiffScope {
  /** Every desired link: observed links are looked up in it. */
  desired: DesiredLookup;
  /** Tables of every VRF the kernel has. */
  usedTables: ReadonlySet<number>;
}

/** diffKernel, pausing every CHUNK objects (the daemon drains it with runAsync). */
export function* diffKernelSteps(plan: KernelPlan, observed: ObservedState, scope?: DiffScope): Steps<DataplaneOp[]> {
  const v = yield* viewsOf(observed);
  const desired = scope?.desired ?? (yield* indexDesired(plan));
  const recreate: Recreate = { host: new Set(), router: new Set() };
  const deletes = orderDeletes(yield* garbageOps(plan, desired, v, recreate), v);
  const ops = [
    ...sysctlOps(plan, observed),
    ...underlayNicOps(plan, v),
    ...loopbackOps(plan, v),
    ...deletes,
    ...(yield* linkOps(plan, observed, v, desired, recreate, scope)),
  ];
  const held = new Set(yield* hostVethsWithUnseenPeerSteps(observed, v.router.byIndex));
  if (held.size === 0) return ops;
  const heldPeers = new Set([...held].map((h) => routerPeerOfHostVeth(h)));
  return ops.filter((o) => {
    const t = opTarget(o);
    return !(t && ((t.ns === 'host' && held.has(t.name)) || (t.ns === 'router' && heldPeers.has(t.name))));
  });
}

/** The smallest ordered list of changes from `observed` to `plan`, computed at once. */
export function diffKernel(plan: KernelPlan, observed: ObservedState, scope?: DiffScope): DataplaneOp[] {
  return runSync(diffKernelSteps(plan, observed, scope));
}

/** The link an op acts on (undefined for ops on no single link). */
function opTarget(o: DataplaneOp): { ns: NetnsRole; name: string } | undefined {
  switch (o.op) {
    case 'create-link':
      return { ns: o.ns, name: o.link.name };
    case 'delete-link':
    case 'set-link':
    case 'no-ipv6-link-local':
    case 'neigh-suppress':
      return { ns: o.ns, name: o.name };
    case 'add-address':
    case 'delete-address':
      return { ns: o.ns, name: o.link };
    default:
      return undefined;
  }
}
