// The kernel plan and diff as Steps: drained at once or with turns of the event loop they
// give the same result, and they pause while doing it. Plus the diff's fine points that its
// map-based indexing must keep (address normalization, foreign addresses, op order).
import { describe, expect, it } from 'vitest';
import type { NodeSettings, RouterConfig } from '../../src/config/model.js';
import { l2vni, l3vni, routerConfig, underlay } from '../support/builders.js';
import { planRouter } from '../../src/plan/router-plan.js';
import { planKernel, planKernelSteps, type KernelPlan } from '../../src/plan/kernel-plan.js';
import { diffKernel, diffKernelSteps, type DataplaneOp, type ObservedState } from '../../src/dataplane/diff.js';
import { CHUNK, runAsync, runSync, type Steps } from '../../src/util/steps.js';
import { applyToFake, emptyObserved } from './fake-kernel.js';

const node: NodeSettings = { nodeName: 'node1', nodeIndex: 3, logLevel: 'info' };
const eth1 = { index: 2, name: 'eth1', kind: undefined, up: true, mtu: 1500, group: 0 };

/** n L3VNIs (host sessions on /24s of their own) and n/10 L2VNIs in them. */
function bigConfig(n: number): RouterConfig {
  const l3 = Array.from({ length: n }, (_, i) =>
    l3vni(`vrf${i}`, 1000 + i, { hostSession: { asn: 64514, hostASN: 64515, localCIDR: { ipv4: `10.${i >> 8}.${i & 255}.0/24` } } }),
  );
  const l2 = Array.from({ length: Math.floor(n / 10) }, (_, i) => l2vni(50_000 + i, `vrf${i}`));
  return routerConfig({ underlays: [underlay()], l3vnis: l3, l2vnis: l2 });
}

function withObserved(plan: KernelPlan): ObservedState {
  const s = emptyObserved();
  s.host.links.push({ ...eth1 });
  applyToFake(s, diffKernel(plan, s));
  return s;
}

/** Drains `steps` counting its pauses. */
function pauses<R>(steps: Steps<R>): { value: R; pauses: number } {
  let n = 0;
  for (let s = steps.next(); ; s = steps.next(), n++) if (s.done) return { value: s.value, pauses: n };
}

describe('kernel plan and diff as steps', () => {
  const plan = planKernel(planRouter(bigConfig(120), node));

  it('the kernel plan pauses every CHUNK VNIs and gives the same plan either way', async () => {
    const rp = planRouter(bigConfig(300), node);
    const counted = pauses(planKernelSteps(rp));
    expect(counted.pauses).toBeGreaterThanOrEqual(Math.floor(330 / CHUNK));
    expect(counted.value).toEqual(planKernel(rp));
    expect(await runAsync(planKernelSteps(rp))).toEqual(runSync(planKernelSteps(rp)));
  });

  it('the diff gives the same ops drained at once or with turns of the event loop, cold and in drift', async () => {
    const cold = emptyObserved();
    cold.host.links.push({ ...eth1 });
    const state = withObserved(plan);
    // Drift: a missing bridge, a wrong MTU, a foreign address, a stale managed link.
    const drift = structuredClone(state);
    drift.router.links = drift.router.links.filter((l) => l.name !== 'br-pe-1007');
    drift.host.links.find((l) => l.name === 'host-e-1009')!.mtu = 9000;
    const br = drift.router.links.find((l) => l.name === 'br-pe-1011')!;
    drift.router.addrs.push({ index: br.index, family: 4, address: '192.0.2.1', prefixLen: 24, scope: 0, flags: 0 });
    drift.router.links.push({ index: 99_999, name: 'vni77', kind: 'vxlan', up: true, mtu: 1500, group: 0 });
    for (const s of [cold, state, drift]) {
      const once = diffKernel(plan, s);
      expect(await runAsync(diffKernelSteps(plan, s))).toEqual(once);
      const counted = pauses(diffKernelSteps(plan, s));
      expect(counted.value).toEqual(once);
      expect(counted.pauses).toBeGreaterThanOrEqual(Math.floor(plan.links.length / CHUNK));
    }
    expect(diffKernel(plan, state)).toEqual([]);
    const ops = diffKernel(plan, drift).map(show);
    expect(ops).toEqual([
      'delete-link router/vni77',
      'create-link router/br-pe-1007',
      'set-link router/vni1007 {"master":"br-pe-1007"}',
      'set-link host/host-e-1009 {"mtu":1450}',
      'delete-address router/br-pe-1011 192.0.2.1/24',
      'no-ipv6-link-local router/br-pe-1007',
    ]);
  });
});

function show(o: DataplaneOp): string {
  switch (o.op) {
    case 'create-link':
      return `create-link ${o.ns}/${o.link.name}`;
    case 'set-link':
      return `set-link ${o.ns}/${o.name} ${JSON.stringify(o.change)}`;
    case 'add-address':
    case 'delete-address':
      return `${o.op} ${o.ns}/${o.link} ${o.cidr}`;
    case 'delete-link':
    case 'no-ipv6-link-local':
    case 'neigh-suppress':
      return `${o.op} ${o.ns}/${o.name}`;
    default:
      return o.op;
  }
}

describe('kernel diff fine points', () => {
  const v6 = planKernel(
    planRouter(
      routerConfig({
        underlays: [underlay()],
        l3vnis: [l3vni('red', 100, { hostSession: { asn: 64514, hostASN: 64515, localCIDR: { ipv6: 'FD00:AB::/64' } } })],
      }),
      node,
    ),
  );

  it('compares IPv6 addresses in the kernel form (lower case): upper case in the config is no change', () => {
    const state = withObserved(v6);
    const pe = state.router.links.find((l) => l.name === 'pe-e-100')!;
    expect(state.router.addrs.filter((a) => a.index === pe.index).map((a) => a.address)).toEqual(['fd00:ab::1']);
    expect(diffKernel(v6, state)).toEqual([]);
  });

  it('removes an address nobody configured from a managed link, keeps link-local and host-scope ones', () => {
    const state = withObserved(v6);
    const pe = state.router.links.find((l) => l.name === 'pe-e-100')!;
    state.router.addrs.push(
      { index: pe.index, family: 4, address: '192.0.2.9', prefixLen: 32, scope: 0, flags: 0 },
      { index: pe.index, family: 6, address: 'fe80::9', prefixLen: 64, scope: 0, flags: 0 },
      { index: pe.index, family: 4, address: '127.0.0.9', prefixLen: 8, scope: 254, flags: 0 },
    );
    expect(diffKernel(v6, state).map(show)).toEqual(['delete-address router/pe-e-100 192.0.2.9/32']);
  });

  it('a master change re-adds every address (enslaving to a VRF flushes IPv6), after the set-link', () => {
    const state = withObserved(v6);
    const pe = state.router.links.find((l) => l.name === 'pe-e-100')!;
    delete pe.master;
    expect(diffKernel(v6, state).map(show)).toEqual([
      'set-link router/pe-e-100 {"master":"red"}',
      'add-address router/pe-e-100 fd00:ab::1/64',
    ]);
  });

  it('a name in both namespaces is looked up in its own: a router link does not stand for a host one', () => {
    const state = withObserved(v6);
    state.host.links = state.host.links.filter((l) => l.name !== 'host-e-100');
    state.host.links.push({ index: 300, name: 'pe-e-100', kind: 'veth', up: true, mtu: 1500, group: 0 });
    expect(diffKernel(v6, state).map(show)).toEqual([
      'delete-link router/pe-e-100',
      'create-link router/pe-e-100',
      'set-link host/host-e-100 {"up":true}',
      'add-address host/host-e-100 fd00:ab::5/64',
      'add-address router/pe-e-100 fd00:ab::1/64',
    ]);
  });
});
