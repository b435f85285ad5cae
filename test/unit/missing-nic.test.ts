// A configured underlay NIC in neither namespace (left in a router namespace
// deleted while FRR held it) must be named, never skipped silently.
import { describe, expect, it } from 'vitest';
import { diffKernel } from '../../src/dataplane/diff.js';
import { hostVethsWithUnseenPeer, missingUnderlayNics } from '../../src/dataplane/unfixable.js';
import type { LinkInfo } from '../../src/dataplane/netlink/index.js';
import { planKernel, type KernelPlan } from '../../src/plan/kernel-plan.js';
import { planRouter } from '../../src/plan/router-plan.js';
import { l3vni, routerConfig, underlay } from '../support/builders.js';
import { applyToFake, emptyObserved } from './fake-kernel.js';

const plan = { underlayNics: ['eth1', 'eth2'] } as unknown as KernelPlan;
const nic = (index: number, name: string): LinkInfo => ({ index, name, kind: undefined, up: true, mtu: 1500, group: 0 }) as LinkInfo;

describe('missingUnderlayNics', () => {
  it('names the NICs found in neither namespace', () => {
    const o = emptyObserved();
    o.host.links.push(nic(2, 'eth2'));
    expect(missingUnderlayNics(plan, o)).toEqual(['eth1']);
  });

  it('is empty when every NIC is in the host or the router namespace', () => {
    const o = emptyObserved();
    o.host.links.push(nic(2, 'eth2'));
    o.router.links.push(nic(3, 'eth1'));
    expect(missingUnderlayNics(plan, o)).toEqual([]);
  });
});

describe('host veths whose peer is out of sight', () => {
  it('are kept (never deleted, their router side left alone) and named, when the router namespace was replaced', () => {
    const hs = { hostSession: { asn: 64514, hostASN: 64515, localCIDR: { ipv4: '192.169.10.0/24' } } };
    const node: Parameters<typeof planRouter>[1] = { nodeName: 'node1', nodeIndex: 3, logLevel: 'info' };
    const plan = planKernel(planRouter(routerConfig({ underlays: [underlay()], l3vnis: [l3vni('red', 100, hs)] }), node));
    const state = emptyObserved();
    state.host.links.push(nic(2, 'eth1'));
    applyToFake(state, diffKernel(plan, state));
    expect(hostVethsWithUnseenPeer(state)).toEqual([]);
    // `ip netns delete` while FRR held the old namespace: perouterd now sees a new, empty one.
    state.router = emptyObserved().router;
    expect(hostVethsWithUnseenPeer(state)).toEqual(['host-e-100']);
    const ops = diffKernel(plan, state);
    const touched = ops.flatMap((o) => ('name' in o ? [`${o.op} ${o.name}`] : o.op === 'create-link' ? [`create ${o.link.name}`] : []));
    expect(touched.filter((t) => /host-e-100|pe-e-100/.test(t))).toEqual([]);
    expect(touched).toContain('create red');
  });
});
