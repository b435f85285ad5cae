import { describe, expect, it } from 'vitest';
import type { NodeSettings, RouterConfig } from '../../src/config/model.js';
import { planRouter } from '../../src/plan/router-plan.js';
import { renderFrrConfig } from '../../src/frr/render.js';
import { l3vni, underlay } from '../support/builders.js';

const node: NodeSettings = { nodeName: 'node1', nodeIndex: 1, logLevel: 'info' };
const render = (c: Partial<RouterConfig>): string =>
  renderFrrConfig(planRouter({ underlays: [], l3vnis: [], l2vnis: [], l3passthroughs: [], rawFrrConfigs: [], ...c }, node));

describe('frr.conf rendering', () => {
  it('renders the walking-skeleton L3VNI (golden)', async () => {
    await expect(render({ underlays: [underlay()], l3vnis: [l3vni('red', 100)] })).toMatchFileSnapshot(
      '../fixtures/golden/l3vni-basic.frr.conf',
    );
  });

  it('closes every block the way frr-reload.py expects', () => {
    const out = render({ underlays: [underlay()], l3vnis: [l3vni('red', 100)] });
    const opens = out.split('\n').filter((l) => /^(router bgp|route-map|vrf )/.test(l)).length;
    const closes = out.split('\n').filter((l) => /^(exit|exit-vrf)$/.test(l)).length;
    expect(closes).toBe(opens);
    const afOpen = out.split('\n').filter((l) => /^\s+address-family /.test(l)).length;
    expect(out.split('\n').filter((l) => /^\s+exit-address-family$/.test(l)).length).toBe(afOpen);
  });

  it('puts the VTEP network, the EVPN family and advertise-all-vni in the underlay instance', () => {
    const out = render({ underlays: [underlay()], l3vnis: [l3vni('red', 100)] });
    expect(out).toContain('router bgp 64514\n bgp router-id 10.0.0.1\n');
    expect(out).toContain('  network 100.65.0.1/32\n');
    expect(out).toMatch(
      /address-family l2vpn evpn\n {2}neighbor 192\.168\.11\.2 activate\n {2}neighbor 192\.168\.11\.2 allowas-in\n {2}advertise-all-vni/,
    );
    expect(out).toContain('vrf red\n vni 100\nexit-vrf');
    expect(out).toContain('router bgp 64514 vrf red\n');
    expect(out).toContain(' neighbor 192.169.10.3 remote-as 64515\n');
    expect(out).toContain('  network 192.169.10.3/32\n');
    expect(out).toContain('  advertise ipv4 unicast\n');
  });

  it('renders only the header and route-map without an underlay', () => {
    const out = render({});
    expect(out).not.toContain('router bgp');
    expect(out).toContain('route-map allowall permit 1');
  });
});
