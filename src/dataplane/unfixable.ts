// What an observation shows that perouterd must not or cannot fix by itself: the diff
// leaves these alone and the status names them instead of saying `ready`.
import { isManagedName } from '../net/names.js';
import type { KernelPlan, NetnsRole } from '../plan/kernel-plan.js';
import type { ObservedState } from './diff.js';
import type { LinkInfo } from './netlink/index.js';
import { CHUNK, runSync, type Steps } from '../util/steps.js';

/**
 * Configured underlay NICs found in neither namespace (e.g. left in a router
 * namespace that was deleted while FRR still held it): nothing carries the
 * underlay then, and the status must say so rather than `ready`.
 */
export function missingUnderlayNics(plan: KernelPlan, observed: ObservedState): string[] {
  const has = (role: NetnsRole, n: string): boolean => observed[role].links.some((l) => l.name === n);
  return plan.underlayNics.filter((n) => !has('router', n) && !has('host', n));
}

/**
 * perouterd's host veths whose peer lives in a namespace perouterd cannot see
 * (a router namespace deleted while FRR kept it alive): whatever still forwards
 * through such a pair would be cut by deleting it, so the diff leaves them (and
 * their router side) alone and the status names them instead of saying ready.
 * A veth's peer always exists (the pair dies together); it is seen when the
 * router namespace holds a veth pointing back at it.
 */
export function hostVethsWithUnseenPeer(observed: ObservedState): string[] {
  return runSync(hostVethsWithUnseenPeerSteps(observed));
}

/** hostVethsWithUnseenPeer, pausing every CHUNK links; `routerByIndex` when the caller has it already. */
export function* hostVethsWithUnseenPeerSteps(observed: ObservedState, routerByIndex?: ReadonlyMap<number, LinkInfo>): Steps<string[]> {
  let n = 0;
  let router = routerByIndex;
  if (!router) {
    const m = new Map<number, LinkInfo>();
    for (const l of observed.router.links) {
      m.set(l.index, l);
      if (++n % CHUNK === 0) yield;
    }
    router = m;
  }
  const out: string[] = [];
  for (const l of observed.host.links) {
    if (++n % CHUNK === 0) yield;
    if (l.kind !== 'veth' || l.linkNetnsId === undefined || !isManagedName('host', l.name)) continue;
    const peer = l.linkIndex === undefined ? undefined : router.get(l.linkIndex);
    if (!(peer?.kind === 'veth' && peer.linkIndex === l.index)) out.push(l.name);
  }
  return out;
}
