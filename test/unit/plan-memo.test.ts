// The plan, frr.conf and the kernel plan are kept per VNI between builds (router-plan.ts,
// render.ts, kernel-plan.ts memoize by the resource or plan object and what else each depends
// on). A kept piece must never go stale: over random sequences of configurations that reuse
// the same resource objects while the underlay, the node index and the L2VNIs routed through
// each VRF change around them, every build equals the build of a fresh copy (no memo hit).
import { describe, expect, it } from 'vitest';
import type { L2VNIResource, L3VNIResource, NodeSettings, RouterConfig, UnderlayResource } from '../../src/config/model.js';
import { parseFrrConfig } from '../../src/frr/frr-config.js';
import { renderFrrConfigSteps } from '../../src/frr/render.js';
import { planKernel } from '../../src/plan/kernel-plan.js';
import { planRouter } from '../../src/plan/router-plan.js';
import { runSync } from '../../src/util/steps.js';
import { hostSession, l2vni, l3vni, l3vniName, routerConfig, underlay } from '../support/builders.js';

const underlays: UnderlayResource[] = [
  underlay(),
  underlay({ asn: 64600 }),
  underlay({ tunnelEndpoint: { cidrs: ['100.66.0.0/24', '2001:db8:66::/64'] } }),
  underlay({ tunnelEndpoint: { cidrs: ['100.66.0.0/24', '2001:db8:67::/64'] } }),
  underlay({ routerIDCIDR: '10.1.0.0/24', gracefulRestart: { restartTimeSeconds: 90, stalePathTimeSeconds: 360 } }),
];

const VRFS = ['red', 'blue', 'green', 'pink'];
const l3s: L3VNIResource[] = VRFS.flatMap((vrf, i) => [
  l3vni(vrf, 100 + i),
  l3vni(vrf, 100 + i, {
    hostSession: hostSession({ ipv4: `192.169.${10 + i}.0/24`, ipv6: `2001:db8:${i + 1}::/64` }, { hostType: 'Internal' }),
  }),
  l3vni(vrf, 200 + i, { hostSession: undefined, importRTs: ['64514:1'], exportRTs: ['10.0.0.1:7'] }),
  l3vni(vrf, 250 + i, { underlayAddressFamily: 'IPv6' }),
  // The same name on another VRF: an L2VNI routed through this name moves to that VRF.
  l3vni(`${vrf}2`, 300 + i, {}, { name: l3vniName(vrf) }),
]);
const l2s: L2VNIResource[] = VRFS.flatMap((vrf, i) => [
  l2vni(400 + i, vrf, { gatewayIPs: [`192.170.${i}.1/24`] }),
  l2vni(500 + i, vrf, { gatewayIPs: [`192.171.${i}.1/24`, `2001:db8:f${i}::1/64`] }),
  l2vni(600 + i, undefined, { hostMaster: { type: 'LinuxBridge', linuxBridge: { lifecycle: 'Managed' } } }),
  l2vni(700 + i, vrf),
  l2vni(800 + i, vrf, { underlayAddressFamily: 'IPv6', gatewayIPs: [`192.172.${i}.1/24`] }),
]);

/** The plan, frr.conf and kernel plan; or why there is none (an IPv6 overlay without an IPv6 VTEP). */
function build(cfg: RouterConfig, node: NodeSettings): unknown {
  let plan: ReturnType<typeof planRouter>;
  try {
    plan = planRouter(cfg, node);
  } catch (e) {
    return { error: String(e) };
  }
  const frr = runSync(renderFrrConfigSteps(plan));
  expect([...frr.tree.blocks.entries()]).toEqual([...parseFrrConfig(frr.text).blocks.entries()]);
  return { plan, frr: frr.text, kernel: planKernel(plan) };
}

describe('the plan, frr.conf and kernel plan kept per VNI', () => {
  it('equal a build without any kept piece, over random sequences of configurations', () => {
    let seed = 5;
    const next = (): number => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x80000000;
    const some = <T>(xs: readonly T[], p: number): T[] => xs.filter(() => next() < p);
    let hits = 0;
    let prevL3 = new Set<unknown>();
    let u = underlays[0]!;
    let nodeIndex = 1;
    for (let round = 0; round < 300; round++) {
      // The underlay and the node index change now and then; the VNIs at every round.
      if (next() < 0.15) u = underlays[Math.floor(next() * underlays.length)]!;
      if (next() < 0.15) nodeIndex = 1 + Math.floor(next() * 3);
      const cfg = routerConfig({ underlays: [u], l3vnis: some(l3s, 0.4), l2vnis: some(l2s, 0.4) });
      const node: NodeSettings = { nodeName: 'node1', nodeIndex, logLevel: 'info' };
      const kept = build(cfg, node);
      expect(kept, `round ${round}`).toEqual(build(structuredClone(cfg), node));
      const plan = (kept as { plan?: { l3vnis: unknown[] } }).plan;
      hits += plan?.l3vnis.filter((p) => prevL3.has(p)).length ?? 0;
      prevL3 = new Set(plan?.l3vnis);
    }
    expect(hits).toBeGreaterThan(50); // the memo was exercised, not only missed
  });

  it('keeps the plan, the rendered pieces and the links of an unchanged VNI as the same objects', () => {
    const node: NodeSettings = { nodeName: 'node1', nodeIndex: 1, logLevel: 'info' };
    const red = l3s[0]!;
    const a = planRouter(routerConfig({ underlays: [underlays[0]!], l3vnis: [red] }), node);
    const b = planRouter(routerConfig({ underlays: [underlays[0]!], l3vnis: [red, l3s[4]!] }), node);
    expect(b.l3vnis[0]).toBe(a.l3vnis[0]);
    const ta = runSync(renderFrrConfigSteps(a)).tree;
    const tb = runSync(renderFrrConfigSteps(b)).tree;
    expect(tb.blocks.get('router bgp 64514 vrf red')).toBe(ta.blocks.get('router bgp 64514 vrf red'));
    expect(planKernel(b).links.find((l) => l.name === 'br-pe-100')).toBe(planKernel(a).links.find((l) => l.name === 'br-pe-100'));
  });
});
