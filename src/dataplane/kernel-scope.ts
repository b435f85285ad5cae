// Which kernel objects a change of the desired state can touch, so that a
// reconcile after a small change looks at and diffs only those. Pure.
//
// The rule: when the kernel matched the previous plan P (the last apply was clean
// and nothing since says otherwise), the full diff of the next plan P' yields ops
// only for links whose desired state differs between P and P' (added, removed,
// changed) and the other ends of their veths; every other link already is what
// P' wants. So those links, the masters they name and the underlay NICs (their
// MTU sets the veths') are all the diff needs to see. Anything else changed in
// the plan (underlay, loopback addresses, sysctls) takes the full path, and so
// does a change too large to be worth looking up link by link.
import type { DesiredLink, DesiredSysctl, KernelPlan, NetnsRole } from '../plan/kernel-plan.js';
import { CHUNK, type Steps } from '../util/steps.js';
import type { DataplaneOp } from './diff.js';
import type { LinkInfo } from './netlink/index.js';

export type ByRole<T> = Record<NetnsRole, T>;
/** Desired links by namespace, then name. */
export type DesiredIndex = ByRole<Map<string, DesiredLink>>;

/** What the last clean apply made the kernel match; trusted until something says otherwise. */
export interface AppliedKernel {
  plan: KernelPlan;
  desired: DesiredIndex;
  /** Router-namespace VRF → its routing table, as the kernel has them (new VRFs take the lowest free one). */
  vrfTables: Map<string, number>;
}

export interface KernelScope {
  /** Every desired link of the new plan: the diff looks observed links up in it. */
  desired: DesiredIndex;
  /** The new plan's links to diff: changed ones and the other ends of their veths, in plan order. */
  links: DesiredLink[];
  /** Names to look up in each namespace: those links, removed ones, their masters, the underlay NICs. */
  fetch: ByRole<Set<string>>;
  /** Tables of the VRFs the kernel has. */
  usedTables: Set<number>;
}

export type ScopeDecision = { kind: 'full'; why: string } | { kind: 'scoped'; scope: KernelScope };

/** Beyond this many changed links, dumping everything is cheaper than looking them up one by one. */
export const MAX_SCOPED_LINKS = 256;

const roles = <T>(f: () => T): ByRole<T> => ({ host: f(), router: f() });

/** `plan.links` by namespace and name, pausing every CHUNK links. */
export function* indexDesired(plan: KernelPlan): Steps<DesiredIndex> {
  const out: DesiredIndex = roles(() => new Map());
  let n = 0;
  for (const d of plan.links) {
    out[d.ns].set(d.name, d);
    if (++n % CHUNK === 0) yield;
  }
  return out;
}

const sameList = <T>(a: readonly T[], b: readonly T[], eq: (x: T, y: T) => boolean = (x, y) => x === y): boolean =>
  a.length === b.length && a.every((x, i) => eq(x, b[i]!));

const sameSysctl = (a: DesiredSysctl, b: DesiredSysctl): boolean =>
  a.path === b.path && a.value === b.value && (a.optional ?? false) === (b.optional ?? false);

/** Everything of a plan but its links: a change there takes the full path. */
export function samePlanSettings(a: KernelPlan, b: KernelPlan): boolean {
  return (
    sameList(a.underlayNics, b.underlayNics) &&
    a.underlayGroup === b.underlayGroup &&
    sameList(a.loopbackAddresses, b.loopbackAddresses) &&
    sameList(a.sysctls, b.sysctls, sameSysctl) &&
    a.vxlanOverhead === b.vxlanOverhead
  );
}

/** Same kernel object wanted (the owner only names who wants it). */
export function sameLink(a: DesiredLink, b: DesiredLink): boolean {
  if (a === b) return true;
  const t = a.type;
  const u = b.type;
  const sameType =
    t.kind === u.kind &&
    (t.kind === 'vxlan' && u.kind === 'vxlan'
      ? t.vni === u.vni && t.local === u.local && t.port === u.port
      : t.kind === 'veth' || t.kind === 'veth-peer'
        ? (u.kind === 'veth' || u.kind === 'veth-peer') && t.peer === u.peer && t.peerNs === u.peerNs
        : true);
  return (
    sameType &&
    a.ns === b.ns &&
    a.name === b.name &&
    a.master === b.master &&
    sameList(a.addresses, b.addresses) &&
    (a.mtuFromUnderlay ?? false) === (b.mtuFromUnderlay ?? false) &&
    a.mac === b.mac &&
    (a.noIpv6LinkLocal ?? false) === (b.noIpv6LinkLocal ?? false) &&
    (a.neighSuppress ?? false) === (b.neighSuppress ?? false) &&
    (a.keepForeignAddresses ?? false) === (b.keepForeignAddresses ?? false)
  );
}

/** The other end of a veth, if `d` is one. */
const peerOf = (d: DesiredLink | undefined): { ns: NetnsRole; name: string } | undefined =>
  d && (d.type.kind === 'veth' || d.type.kind === 'veth-peer') ? { ns: d.type.peerNs, name: d.type.peer } : undefined;

/** What the diff of `next` must see when the kernel matches `prev.plan`; full when that is not worth it. */
export function* scopeSteps(prev: AppliedKernel, next: KernelPlan): Steps<ScopeDecision> {
  if (!samePlanSettings(prev.plan, next)) return { kind: 'full', why: 'underlay, loopback or sysctls changed' };
  const desired = yield* indexDesired(next);
  const inScope: ByRole<Set<string>> = roles(() => new Set());
  let n = 0;
  let changed = 0;
  for (const d of next.links) {
    if (++n % CHUNK === 0) yield;
    const p = prev.desired[d.ns].get(d.name);
    if (p !== undefined && sameLink(p, d)) continue;
    inScope[d.ns].add(d.name);
    changed++;
  }
  for (const p of prev.plan.links) {
    if (++n % CHUNK === 0) yield;
    if (desired[p.ns].has(p.name)) continue;
    inScope[p.ns].add(p.name);
    changed++;
  }
  if (changed > MAX_SCOPED_LINKS) return { kind: 'full', why: `${changed} links changed` };
  // Both ends of a veth are diffed together (a missing end recreates the pair).
  for (const ns of ['host', 'router'] as const)
    for (const name of [...inScope[ns]])
      for (const d of [desired[ns].get(name), prev.desired[ns].get(name)]) {
        const p = peerOf(d);
        if (p) inScope[p.ns].add(p.name);
      }
  const fetch: ByRole<Set<string>> = { host: new Set(inScope.host), router: new Set(inScope.router) };
  for (const ns of ['host', 'router'] as const)
    for (const name of inScope[ns])
      for (const d of [desired[ns].get(name), prev.desired[ns].get(name)]) if (d?.master) fetch[ns].add(d.master);
  for (const nic of next.underlayNics) {
    fetch.host.add(nic);
    fetch.router.add(nic);
  }
  const links: DesiredLink[] = [];
  if (changed > 0)
    for (const d of next.links) {
      if (++n % CHUNK === 0) yield;
      if (inScope[d.ns].has(d.name)) links.push(d);
    }
  return { kind: 'scoped', scope: { desired, links, fetch, usedTables: new Set(prev.vrfTables.values()) } };
}

/** VRF → table of the router namespace's VRFs in `links`. */
export function vrfTablesOf(links: readonly LinkInfo[]): Map<string, number> {
  const out = new Map<string, number>();
  for (const l of links) if (l.kind === 'vrf' && l.vrf) out.set(l.name, l.vrf.table);
  return out;
}

/**
 * The VRF tables after a scoped look: `before`, with what the look found for the
 * names it looked up (`looked`; absent = no VRF by that name now).
 */
export function vrfTablesSeen(
  before: ReadonlyMap<string, number>,
  looked: ReadonlySet<string>,
  seen: readonly LinkInfo[],
): Map<string, number> {
  const out = new Map(before);
  for (const name of looked) out.delete(name);
  for (const [name, table] of vrfTablesOf(seen)) out.set(name, table);
  return out;
}

/** The VRF tables once `ops` are applied (a new VRF gets the table its create names). */
export function vrfTablesAfter(before: ReadonlyMap<string, number>, ops: readonly DataplaneOp[]): Map<string, number> {
  const out = new Map(before);
  for (const o of ops) {
    if (o.op === 'delete-link' && o.ns === 'router') out.delete(o.name);
    else if (o.op === 'create-link' && o.ns === 'router' && o.link.type.kind === 'vrf' && o.vrfTable !== undefined)
      out.set(o.link.name, o.vrfTable);
  }
  return out;
}

/** Why the next reconcile must observe the kernel in full, given what is trusted; undefined when it need not. */
export function fullObservationReason(t: {
  applied: AppliedKernel | undefined;
  askedFull: boolean;
  trustedNamespace: number | undefined;
  namespaceNow: number | undefined;
}): string | undefined {
  if (t.askedFull) return 'asked for (start, resync, FRR restart, retry)';
  if (!t.applied) return 'no clean apply to trust';
  if (t.namespaceNow === undefined || t.namespaceNow !== t.trustedNamespace) return 'router namespace changed';
  return undefined;
}
