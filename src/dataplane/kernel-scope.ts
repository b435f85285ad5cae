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

/** Desired links looked up by namespace and name (a DesiredIndex is one). */
export type DesiredLookup = ByRole<{ get(name: string): DesiredLink | undefined }>;

export interface KernelScope {
  /** Every desired link of the new plan: the diff looks observed links up in it. */
  desired: DesiredLookup;
  /** The new plan's links to diff: changed ones and the other ends of their veths, in plan order. */
  links: DesiredLink[];
  /** Names to look up in each namespace: those links, removed ones, their masters, the underlay NICs. */
  fetch: ByRole<Set<string>>;
  /** Tables of the VRFs the kernel has. */
  usedTables: Set<number>;
  /**
   * The new plan's index, made from the previous one by writing the changes into it:
   * call once, when the new plan is applied (the previous AppliedKernel is spent then).
   */
  index(): DesiredIndex;
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

/** How far ahead in the previous plan a link found elsewhere is looked for, to walk in step again. */
const REALIGN_WINDOW = 32;

const key = (d: DesiredLink): string => `${d.ns}/${d.name}`;
const sameKey = (a: DesiredLink | undefined, b: DesiredLink): boolean => a !== undefined && a.name === b.name && a.ns === b.ns;

/**
 * The links of `next` that are new or differ from `prev`, and the keys of `prev`'s
 * links that `next` no longer has. Plans list their links in a stable order, so
 * both are walked side by side; a link out of step is looked up by name (and the
 * walk steps over the previous links it skipped, which are removed unless found
 * elsewhere): no index of `next` is built, no name hashed, for the links in step.
 */
function* changedLinks(prev: AppliedKernel, next: KernelPlan): Steps<{ changed: DesiredLink[]; removed: DesiredLink[] }> {
  const old = prev.plan.links;
  const changed: DesiredLink[] = [];
  const skipped: DesiredLink[] = [];
  const foundElsewhere = new Set<string>();
  let j = 0;
  let n = 0;
  for (const d of next.links) {
    if (++n % CHUNK === 0) yield;
    if (sameKey(old[j], d)) {
      if (!sameLink(old[j]!, d)) changed.push(d);
      j++;
      continue;
    }
    const p = prev.desired[d.ns].get(d.name);
    if (p === undefined) {
      changed.push(d);
      continue;
    }
    if (!sameLink(p, d)) changed.push(d);
    const ahead = old.slice(j, j + REALIGN_WINDOW).findIndex((o) => sameKey(o, d));
    if (ahead >= 0) {
      skipped.push(...old.slice(j, j + ahead));
      j += ahead + 1;
    } else foundElsewhere.add(key(d));
  }
  skipped.push(...old.slice(j));
  return { changed, removed: skipped.filter((o) => !foundElsewhere.has(key(o))) };
}

/** What the diff of `next` must see when the kernel matches `prev.plan`; full when that is not worth it. */
export function* scopeSteps(prev: AppliedKernel, next: KernelPlan): Steps<ScopeDecision> {
  if (!samePlanSettings(prev.plan, next)) return { kind: 'full', why: 'underlay, loopback or sysctls changed' };
  const { changed, removed } = yield* changedLinks(prev, next);
  const count = changed.length + removed.length;
  if (count > MAX_SCOPED_LINKS) return { kind: 'full', why: `${count} links changed` };
  const set: ByRole<Map<string, DesiredLink>> = roles(() => new Map());
  for (const d of changed) set[d.ns].set(d.name, d);
  const gone: ByRole<Set<string>> = roles(() => new Set());
  for (const o of removed) gone[o.ns].add(o.name);
  const desired: DesiredLookup = roles(() => ({ get: () => undefined }));
  for (const ns of ['host', 'router'] as const)
    desired[ns] = { get: (name) => set[ns].get(name) ?? (gone[ns].has(name) ? undefined : prev.desired[ns].get(name)) };
  const inScope: ByRole<Set<string>> = roles(() => new Set());
  for (const d of [...changed, ...removed]) inScope[d.ns].add(d.name);
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
  // Ops of one kind run together (phases.ts), so the order of the links does not
  // matter, but for new VRFs' tables (given in turn): VRFs by name, as planned.
  const links: DesiredLink[] = [];
  for (const ns of ['host', 'router'] as const)
    for (const name of inScope[ns]) {
      const d = desired[ns].get(name);
      if (d) links.push(d);
    }
  const isVrf = (d: DesiredLink): boolean => d.type.kind === 'vrf';
  links.splice(0, links.length, ...links.filter(isVrf).sort((a, b) => (a.name < b.name ? -1 : 1)), ...links.filter((d) => !isVrf(d)));
  const index = (): DesiredIndex => {
    for (const ns of ['host', 'router'] as const) {
      for (const name of gone[ns]) prev.desired[ns].delete(name);
      for (const [name, d] of set[ns]) prev.desired[ns].set(name, d);
    }
    return prev.desired;
  };
  return { kind: 'scoped', scope: { desired, links, fetch, usedTables: new Set(prev.vrfTables.values()), index } };
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
