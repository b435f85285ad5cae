import { describe, expect, it } from 'vitest';
import type { L3VNIResource, NodeSettings, RouterConfig } from '../../src/config/model.js';
import { hostSession, l3vni, underlay } from '../support/builders.js';
import { planRouter } from '../../src/plan/router-plan.js';
import { planKernel } from '../../src/plan/kernel-plan.js';
import { diffKernel } from '../../src/dataplane/diff.js';
import { applyToFake, emptyObserved } from './fake-kernel.js';

const node: NodeSettings = { nodeName: 'node1', nodeIndex: 3, logLevel: 'info' };
const cfg = (l3: L3VNIResource[]): RouterConfig => ({
  underlays: [underlay()],
  l3vnis: l3,
  l2vnis: [],
  l3passthroughs: [],
  rawFrrConfigs: [],
});

describe('router plan', () => {
  it('resolves addresses exactly as upstream IPAM (worked example, node index 3)', () => {
    const p = planRouter(cfg([l3vni('red', 100)]), node);
    expect(p.underlay?.routerId).toBe('10.0.0.3');
    expect(p.underlay?.vtepIPv4).toBe('100.65.0.3');
    expect(p.l3vnis[0]?.hostSession?.ipv4).toEqual({ pe: '192.169.10.1/24', host: '192.169.10.5/24' });
    expect(p.l3vnis[0]?.vtep).toBe('100.65.0.3');
    expect(p.underlay?.neighbors[0]?.families).toEqual(['evpn', 'ipv4unicast']);
  });
});

describe('kernel plan and diff', () => {
  const eth1 = { index: 2, name: 'eth1', kind: undefined, up: true, mtu: 1500, group: 0 };

  it('creates the L3VNI objects with upstream names, then a second diff is empty', () => {
    const plan = planKernel(planRouter(cfg([l3vni('red', 100)]), node));
    const state = emptyObserved();
    state.host.links.push(eth1);
    state.host.addrs.push({ index: 2, family: 4, address: '192.168.11.3', prefixLen: 24, scope: 0, flags: 0 });
    const ops = diffKernel(plan, state);
    expect(ops.map((o) => o.op)).toContain('move-nic-in');
    const created = ops.flatMap((o) => (o.op === 'create-link' ? [`${o.ns}/${o.link.name}`] : []));
    expect(created).toEqual(['router/red', 'router/br-pe-100', 'router/vni100', 'router/pe-e-100']);
    const nic = ops.find((o) => o.op === 'move-nic-in');
    expect(nic).toMatchObject({ name: 'eth1', addresses: ['192.168.11.3/24'], group: 4242 });
    applyToFake(state, ops);
    expect(diffKernel(plan, state)).toEqual([]);
    // veth legs follow the underlay MTU minus 50
    expect(state.host.links.find((l) => l.name === 'host-e-100')?.mtu).toBe(1450);
    const pe = state.router.links.find((l) => l.name === 'pe-e-100')!;
    expect(state.router.links.find((l) => l.index === pe.master)?.name).toBe('red');
    expect(state.router.addrs.filter((a) => a.index === pe.index).map((a) => `${a.address}/${a.prefixLen}`)).toEqual(['192.169.10.1/24']);
    expect(state.host.addrs.some((a) => a.address === '192.169.10.5')).toBe(true);
  });

  it('removing an L3VNI removes exactly its objects', () => {
    const state = emptyObserved();
    state.host.links.push(eth1);
    const both = planKernel(
      planRouter(cfg([l3vni('red', 100), l3vni('blue', 200, { hostSession: hostSession({ ipv4: '192.169.11.0/24' }) })]), node),
    );
    applyToFake(state, diffKernel(both, state));
    const onlyRed = planKernel(planRouter(cfg([l3vni('red', 100)]), node));
    const ops = diffKernel(onlyRed, state);
    expect(ops.every((o) => o.op === 'delete-link')).toBe(true);
    expect(ops.map((o) => (o.op === 'delete-link' ? `${o.ns}/${o.name}` : '')).sort()).toEqual([
      'host/host-e-200',
      'router/blue',
      'router/br-pe-200',
      'router/vni200',
    ]);
    applyToFake(state, ops);
    expect(diffKernel(onlyRed, state)).toEqual([]);
    expect(state.router.links.map((l) => l.name).sort()).toEqual(['br-pe-100', 'eth1', 'lo', 'pe-e-100', 'red', 'vni100']);
  });

  it('recreates a vxlan whose parameters drifted and leaves unmanaged links alone', () => {
    const state = emptyObserved();
    state.host.links.push(eth1, { index: 50, name: 'docker0', kind: 'bridge', up: true, mtu: 1500, group: 0 });
    const plan = planKernel(planRouter(cfg([l3vni('red', 100)]), node));
    applyToFake(state, diffKernel(plan, state));
    const vx = state.router.links.find((l) => l.name === 'vni100')!;
    vx.vxlan = { ...vx.vxlan!, port: 8472 };
    const ops = diffKernel(plan, state);
    expect(ops.find((o) => o.op === 'delete-link')).toMatchObject({ ns: 'router', name: 'vni100' });
    expect(ops.find((o) => o.op === 'create-link')).toMatchObject({ link: { name: 'vni100' } });
    expect(ops.some((o) => 'name' in o && o.name === 'docker0')).toBe(false);
  });

  it('moves an underlay NIC that is no longer configured back to the host with its addresses', () => {
    const state = emptyObserved();
    state.host.links.push(eth1);
    state.host.addrs.push({ index: 2, family: 4, address: '192.168.11.3', prefixLen: 24, scope: 0, flags: 0 });
    const plan = planKernel(planRouter(cfg([]), node));
    applyToFake(state, diffKernel(plan, state));
    const none = planKernel(planRouter({ underlays: [], l3vnis: [], l2vnis: [], l3passthroughs: [], rawFrrConfigs: [] }, node));
    const ops = diffKernel(none, state);
    expect(ops.find((o) => o.op === 'move-nic-out')).toMatchObject({ name: 'eth1', addresses: ['192.168.11.3/24'] });
  });

  it('sets sysctls only when they differ', () => {
    const state = emptyObserved();
    const plan = planKernel(planRouter(cfg([]), node));
    state.sysctls = { 'net/ipv4/conf/all/forwarding': '1', 'net/ipv6/conf/all/forwarding': '0' };
    const sys = diffKernel(plan, state)
      .filter((o) => o.op === 'sysctl')
      .map((o) => (o.op === 'sysctl' ? o.path : ''));
    expect(sys).toContain('net/ipv6/conf/all/forwarding');
    expect(sys).not.toContain('net/ipv4/conf/all/forwarding');
    // accept_untracked_na is optional: absent on old kernels, not an op
    expect(sys).not.toContain('net/ipv6/conf/all/accept_untracked_na');
  });
});

describe('host bridges', () => {
  it('leave addresses an operator put on a managed host bridge alone', () => {
    const plan = planKernel({
      nodeName: 'n',
      nodeIndex: 1,
      logLevel: 'info',
      underlay: { asn: 64514, routerId: '10.0.0.1', nics: [], neighbors: [], vtepIPv4: '100.65.0.1', listenLimit: 65535 },
      l3vnis: [],
      l2vnis: [
        { name: 'l2', vni: 300, vxlanPort: 4789, vtep: '100.65.0.1', gatewayIPs: [], hostBridge: { name: 'br-hs-300', managed: true } },
      ],
      rawSnippets: [],
    });
    const state = emptyObserved();
    applyToFake(state, diffKernel(plan, state));
    const br = state.host.links.find((l) => l.name === 'br-hs-300')!;
    state.host.addrs.push({ index: br.index, family: 4, address: '192.171.0.21', prefixLen: 24, scope: 0, flags: 0 });
    expect(diffKernel(plan, state)).toEqual([]);
  });
});
