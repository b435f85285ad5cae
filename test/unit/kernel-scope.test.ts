// The scoped kernel reconcile (kernel-scope.ts, observe-scoped.ts, kernel-tracker.ts):
// when the kernel matched the previous plan, looking up and diffing only what the
// plan change touches gives the ops the full diff gives; and it falls back to the
// full one whenever its trust could be stale.
import { describe, expect, it } from 'vitest';
import type { NodeSettings, RouterConfig } from '../../src/config/model.js';
import { hostSession, l2vni, l3vni, routerConfig, underlay } from '../support/builders.js';
import { planRouter } from '../../src/plan/router-plan.js';
import { planKernel, type KernelPlan } from '../../src/plan/kernel-plan.js';
import { diffKernel, type DataplaneOp, type ObservedState } from '../../src/dataplane/diff.js';
import { phasesOf } from '../../src/dataplane/phases.js';
import { isRemoval, type Dataplane } from '../../src/dataplane/dataplane.js';
import { KernelTracker, reconcileTracked } from '../../src/dataplane/kernel-tracker.js';
import {
  MAX_SCOPED_LINKS,
  fullObservationReason,
  indexDesired,
  sameLink,
  scopeSteps,
  vrfTablesAfter,
  vrfTablesOf,
  type AppliedKernel,
} from '../../src/dataplane/kernel-scope.js';
import { observeScoped } from '../../src/dataplane/observe-scoped.js';
import { runSync } from '../../src/util/steps.js';
import { applyToFake, emptyObserved, lookupIn } from './fake-kernel.js';

const node: NodeSettings = { nodeName: 'node1', nodeIndex: 3, logLevel: 'info' };

/** A small PRNG, so a failing case can be replayed from its seed. */
function rng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 2 ** 32;
  };
}

/** A desired state as choices per VNI slot: absent, or one of a few variants. */
interface Shape {
  l3: Array<number | undefined>;
  l2: Array<{ variant: number; vrf: number | undefined } | undefined>;
}

function randomShape(r: () => number): Shape {
  const l3 = Array.from({ length: 8 }, () => (r() < 0.6 ? Math.floor(r() * 4) : undefined));
  const vrfs = l3.flatMap((v, i) => (v === undefined ? [] : [i]));
  const l2 = Array.from({ length: 5 }, () =>
    r() < 0.5
      ? { variant: Math.floor(r() * 3), vrf: r() < 0.5 && vrfs.length > 0 ? vrfs[Math.floor(r() * vrfs.length)] : undefined }
      : undefined,
  );
  return { l3, l2 };
}

/** `s` with one to three slots redrawn (the shape of a file edit). */
function mutate(s: Shape, r: () => number): Shape {
  const next = randomShape(r);
  const out: Shape = { l3: [...s.l3], l2: [...s.l2] };
  for (let k = 1 + Math.floor(r() * 3); k > 0; k--) {
    if (r() < 0.6) {
      const i = Math.floor(r() * out.l3.length);
      out.l3[i] = next.l3[i];
    } else {
      const i = Math.floor(r() * out.l2.length);
      out.l2[i] = next.l2[i];
    }
  }
  // An L2VNI in a VRF that went away leaves it.
  out.l2 = out.l2.map((v) => (v?.vrf !== undefined && out.l3[v.vrf] === undefined ? { ...v, vrf: undefined } : v));
  return out;
}

function configOf(s: Shape): RouterConfig {
  const l3vnis = s.l3.flatMap((v, i) => {
    if (v === undefined) return [];
    // 0: no host session; 1, 2: IPv4 on two ranges; 3: dual stack.
    const hs =
      v === 0 ? undefined : hostSession(v === 3 ? { ipv4: `10.${i}.1.0/24`, ipv6: `fd00:${i}::/64` } : { ipv4: `10.${i}.${v}.0/24` });
    return [l3vni(`vrf${i}`, 1000 + i, { hostSession: hs })];
  });
  const l2vnis = s.l2.flatMap((v, i) =>
    v === undefined
      ? []
      : [
          l2vni(
            50_000 + i,
            v.vrf === undefined ? undefined : `vrf${v.vrf}`,
            v.variant === 0 ? {} : { gatewayIPs: [`172.16.${i}.${v.variant}/24`] },
          ),
        ],
  );
  return routerConfig({ underlays: [underlay()], l3vnis, l2vnis });
}

const planOf = (s: Shape): KernelPlan => planKernel(planRouter(configOf(s), node));

const eth1 = { index: 2, name: 'eth1', kind: undefined, up: true, mtu: 1500, group: 0 };

/** A kernel that matches `plan`: the full diff applied until it is empty. */
function kernelFor(plan: KernelPlan): ObservedState {
  const s = emptyObserved();
  s.host.links.push({ ...eth1 });
  applyToFake(s, diffKernel(plan, s));
  expect(diffKernel(plan, s)).toEqual([]);
  return s;
}

/** Ops as phases of sets: what an apply runs together may come in any order. */
const phased = (ops: DataplaneOp[]): string[][] => phasesOf(ops).map((p) => p.map((o) => JSON.stringify(o)).sort());

/** A Dataplane over the fake kernel: dumps, lookups and applies on one ObservedState. */
class FakeKernelDataplane {
  observes = 0;
  lookups = 0;
  namespace: number | undefined = 7;
  constructor(public state: ObservedState) {}
  async observe(): Promise<ObservedState> {
    this.observes++;
    return structuredClone(this.state);
  }
  observeLinks(names: Parameters<Dataplane['observeLinks']>[0]): Promise<ObservedState> {
    this.lookups++;
    return observeScoped(lookupIn(structuredClone(this.state)), names);
  }
  routerNamespaceId(): number | undefined {
    return this.namespace;
  }
  async apply(ops: DataplaneOp[]): Promise<{ writes: number; ops: DataplaneOp[]; errors: [] }> {
    return { writes: applyToFake(this.state, ops), ops, errors: [] };
  }
}

const appliedOn = (plan: KernelPlan, k: ObservedState): AppliedKernel => ({
  plan,
  desired: runSync(indexDesired(plan)),
  vrfTables: vrfTablesOf(k.router.links),
});

describe('scoped kernel diff', () => {
  it('gives the full diff’s ops whenever the kernel matched the previous plan (random plans and edits)', async () => {
    let scoped = 0;
    for (let seed = 1; seed <= 300; seed++) {
      const r = rng(seed);
      const before = randomShape(r);
      const prev = planOf(before);
      const k = kernelFor(prev);
      const next = planOf(mutate(before, r));
      const d = runSync(scopeSteps(appliedOn(prev, k), next));
      expect(d.kind, `seed ${seed}`).toBe('scoped');
      if (d.kind !== 'scoped') continue;
      scoped++;
      const seen = await observeScoped(lookupIn(k), d.scope.fetch);
      const fast = diffKernel({ ...next, links: d.scope.links, sysctls: [] }, seen, d.scope);
      const full = diffKernel(next, k);
      expect(phased(fast), `seed ${seed}`).toEqual(phased(full));
      // Only what changed (and the VRF/bridge/NIC context) was looked at.
      expect(seen.host.links.length + seen.router.links.length).toBeLessThanOrEqual(
        d.scope.fetch.host.size + d.scope.fetch.router.size + 8,
      );
    }
    expect(scoped).toBe(300);
  });

  it('through the tracker, a run of edits gives the full diff’s ops each time and leaves the kernel as the plan wants', async () => {
    for (let seed = 1; seed <= 40; seed++) {
      const r = rng(1000 + seed);
      let shape = randomShape(r);
      const dp = new FakeKernelDataplane(kernelFor(planOf({ l3: [], l2: [] })));
      const tracker = new KernelTracker(dp as unknown as Dataplane);
      await reconcileTracked(dp as unknown as Dataplane, tracker, planOf(shape));
      for (let step = 0; step < 8; step++) {
        shape = mutate(shape, r);
        const plan = planOf(shape);
        const full = diffKernel(plan, structuredClone(dp.state));
        const c = await tracker.changes(plan);
        expect(c.how, `seed ${seed} step ${step}`).toEqual({ scope: 'scoped', links: c.how.scope === 'scoped' ? c.how.links : -1 });
        expect(phased(c.additions), `seed ${seed} step ${step}`).toEqual(phased(full.filter((o) => !isRemoval(o))));
        expect(phased(c.removals), `seed ${seed} step ${step}`).toEqual(phased(full.filter(isRemoval)));
        applyToFake(dp.state, [...c.additions, ...c.removals]);
        c.applied();
        expect(diffKernel(plan, dp.state)).toEqual([]);
      }
      expect(dp.observes).toBe(1);
    }
  });

  it('links listed in another order are no change; a change among them is found', async () => {
    const r = rng(77);
    for (let round = 0; round < 50; round++) {
      const before = randomShape(r);
      const prev = planOf(before);
      const k = kernelFor(prev);
      const shuffled = (p: KernelPlan): KernelPlan => ({ ...p, links: [...p.links].sort(() => r() - 0.5) });
      const same = runSync(scopeSteps(appliedOn(prev, k), shuffled(prev)));
      expect(same.kind === 'scoped' && same.scope.links).toEqual([]);
      const next = shuffled(planOf(mutate(before, r)));
      const d = runSync(scopeSteps(appliedOn(prev, k), next));
      if (d.kind !== 'scoped') throw new Error(d.why);
      const seen = await observeScoped(lookupIn(k), d.scope.fetch);
      expect(phased(diffKernel({ ...next, links: d.scope.links, sysctls: [] }, seen, d.scope))).toEqual(phased(diffKernel(next, k)));
    }
  });

  it('the VRF tables it keeps are those the kernel has after each apply', () => {
    const prev = planOf({ l3: [1, undefined, 1], l2: [] });
    const k = kernelFor(prev);
    const next = planOf({ l3: [undefined, 1, 1], l2: [] });
    const ops = diffKernel(next, k);
    const tables = vrfTablesAfter(vrfTablesOf(k.router.links), ops);
    applyToFake(k, ops);
    expect(tables).toEqual(vrfTablesOf(k.router.links));
    expect([...tables.keys()].sort()).toEqual(['vrf1', 'vrf2']);
  });

  it('an unchanged plan looks nothing up and changes nothing', () => {
    const shape = randomShape(rng(5));
    const prev = planOf(shape);
    const d = runSync(scopeSteps(appliedOn(prev, kernelFor(prev)), planOf(shape)));
    expect(d.kind === 'scoped' && d.scope.links).toEqual([]);
    expect(d.kind === 'scoped' && d.scope.fetch.router).toEqual(new Set(['eth1']));
  });

  it('a change of underlay, loopback or sysctls, or one too large, takes the full path', () => {
    const shape = randomShape(rng(9));
    const prev = planOf(shape);
    const applied = appliedOn(prev, kernelFor(prev));
    const next = planOf(shape);
    expect(runSync(scopeSteps(applied, { ...next, underlayNics: ['eth2'] })).kind).toBe('full');
    expect(runSync(scopeSteps(applied, { ...next, loopbackAddresses: ['100.65.0.9/32'] })).kind).toBe('full');
    expect(runSync(scopeSteps(applied, { ...next, sysctls: [] })).kind).toBe('full');
    const many = Array.from({ length: MAX_SCOPED_LINKS + 1 }, (_, i) => ({
      ns: 'router' as const,
      name: `br-pe-${i}`,
      type: { kind: 'bridge' as const },
      addresses: [],
      owner: 'x',
    }));
    expect(runSync(scopeSteps(applied, { ...next, links: [...next.links, ...many] }))).toEqual({
      kind: 'full',
      why: `${MAX_SCOPED_LINKS + 1} links changed`,
    });
  });

  it('links compare by what the kernel gets, not by who wants them', () => {
    const [a] = planOf({ l3: [1], l2: [] }).links;
    expect(sameLink(a!, { ...a!, owner: 'someone else' })).toBe(true);
    expect(sameLink(a!, { ...a!, addresses: ['10.0.0.1/24'] })).toBe(false);
    expect(sameLink(a!, { ...a!, master: 'vrf9' })).toBe(false);
  });

  it('looks at everything when asked, without a clean apply, or when the router namespace is another one', () => {
    const applied = appliedOn(planOf({ l3: [], l2: [] }), emptyObserved());
    const base = { applied, askedFull: false, trustedNamespace: 7, namespaceNow: 7 };
    expect(fullObservationReason(base)).toBeUndefined();
    expect(fullObservationReason({ ...base, askedFull: true })).toMatch(/asked/);
    expect(fullObservationReason({ ...base, applied: undefined })).toMatch(/clean apply/);
    expect(fullObservationReason({ ...base, namespaceNow: 8 })).toMatch(/namespace/);
    expect(fullObservationReason({ ...base, namespaceNow: undefined })).toMatch(/namespace/);
  });
});

describe('kernel tracker: when the last apply is trusted', () => {
  const a = planOf({ l3: [1, 2], l2: [{ variant: 1, vrf: 0 }] });
  const b = planOf({ l3: [1, 2, 3], l2: [{ variant: 1, vrf: 0 }] });

  async function trackedOn(): Promise<{ dp: FakeKernelDataplane; tracker: KernelTracker }> {
    const dp = new FakeKernelDataplane(kernelFor(planOf({ l3: [], l2: [] })));
    const tracker = new KernelTracker(dp as unknown as Dataplane);
    expect((await reconcileTracked(dp as unknown as Dataplane, tracker, a)).how.scope).toBe('full');
    return { dp, tracker };
  }

  it('after a clean apply, the next change is scoped; asked for full, it is full', async () => {
    const { dp, tracker } = await trackedOn();
    expect((await reconcileTracked(dp as unknown as Dataplane, tracker, b)).how).toEqual({ scope: 'scoped', links: 5 });
    expect((await reconcileTracked(dp as unknown as Dataplane, tracker, a, { full: true })).how.scope).toBe('full');
    expect(dp.observes).toBe(2);
  });

  it('changes never applied, or applied with errors, are not trusted', async () => {
    const { tracker } = await trackedOn();
    await tracker.changes(b); // computed, never applied (FRR failed in between)
    expect((await tracker.changes(b)).how).toEqual({ scope: 'full', why: 'no clean apply to trust' });
  });

  it('distrust (a namespace event, the EVPN patch) between changes and applied keeps the next one full', async () => {
    const { dp, tracker } = await trackedOn();
    const c = await tracker.changes(b);
    applyToFake(dp.state, [...c.additions, ...c.removals]);
    tracker.distrust();
    c.applied();
    expect((await tracker.changes(a)).how.scope).toBe('full');
  });

  it('a router namespace replaced behind its back is looked at in full', async () => {
    const { dp, tracker } = await trackedOn();
    dp.namespace = 8;
    expect((await tracker.changes(b)).how).toEqual({ scope: 'full', why: 'router namespace changed' });
  });

  it('an underlay NIC gone from sight sends it to the full path, which reports it', async () => {
    const { dp, tracker } = await trackedOn();
    dp.state.router.links = dp.state.router.links.filter((l) => l.name !== 'eth1');
    const c = await tracker.changes(b);
    expect(c.how).toEqual({ scope: 'full', why: 'an underlay NIC missing or a host veth held' });
    expect(c.missingNics).toEqual(['eth1']);
  });
});
