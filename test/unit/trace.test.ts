// `perouterd trace` decision core (src/observe/trace.ts) with fake facts: one test per verdict.
import { describe, expect, it } from 'vitest';
import type { RouterPlan } from '../../src/plan/router-plan.js';
import { trace, type KernelRoute, type TraceFacts } from '../../src/observe/trace.js';
import { formatTrace } from '../../src/observe/trace-format.js';

const session = (host: string, pe: string) => ({ asn: 64514, remoteAs: '64515', internal: false, ipv4: { host, pe } });
const PLAN: RouterPlan = {
  nodeName: 'pe1',
  nodeIndex: 1,
  logLevel: 'info',
  underlay: { asn: 64514, routerId: '10.0.0.1', nics: ['toswitch'], neighbors: [], vtepIPv4: '100.65.0.1', listenLimit: 65535 },
  l3vnis: [
    {
      name: 'red',
      vrf: 'red',
      vni: 100,
      vxlanPort: 4789,
      vtep: '100.65.0.1',
      hostSession: session('192.169.10.3/24', '192.169.10.1/24'),
      importRTs: [],
      exportRTs: [],
      gatewayNetworks: [],
    },
    {
      name: 'blue',
      vrf: 'blue',
      vni: 200,
      vxlanPort: 4789,
      vtep: '100.65.0.1',
      hostSession: session('192.169.11.3/24', '192.169.11.1/24'),
      importRTs: [],
      exportRTs: [],
      gatewayNetworks: [],
    },
  ],
  l2vnis: [{ name: 'l2red', vni: 300, vxlanPort: 4789, vtep: '100.65.0.1', vrf: 'red', gatewayIPs: ['192.170.1.1/24'] }],
  passthrough: { name: 'pt', hostSession: session('192.168.20.3/24', '192.168.20.2/24') },
  rawSnippets: [],
} as RouterPlan;

const unreachableDefault: KernelRoute = { dst: '0.0.0.0/0', table: 1000, type: 'unreachable', nexthops: [] };
const evpnRoute = (dst: string, ...vteps: string[]): KernelRoute => ({
  dst,
  table: 1000,
  type: 'unicast',
  nexthops: vteps.map((v) => ({ gateway: v, dev: 'br-pe-100', onlink: true })),
});
const UNDERLAY_ECMP = {
  kernel: {
    dst: '100.65.0.2/32',
    table: 254,
    type: 'unicast',
    nexthops: [
      { gateway: '192.168.11.2', dev: 'toswitch' },
      { gateway: '192.168.12.2', dev: 'toswitch2' },
    ],
  },
  frr: { prefix: '100.65.0.2/32', protocol: 'bgp', selected: true, installed: true, nexthops: [] },
};

function facts(over: Partial<TraceFacts>): TraceFacts {
  return { destination: '10.100.0.5', plan: PLAN, vrfs: {}, underlay: {}, routerMacs: {}, neighbours: {}, ...over };
}

describe('trace', () => {
  it('vxlan: from a host session address, the VRF, VNI, remote VTEP, router MAC and both ECMP underlay next hops', () => {
    const [r, ...rest] = trace(
      facts({
        from: '192.169.10.3',
        vrfs: {
          red: {
            kernel: evpnRoute('10.100.0.5/32', '100.65.0.2'),
            frr: {
              prefix: '10.100.0.5/32',
              protocol: 'bgp',
              selected: true,
              installed: true,
              nexthops: [{ ip: '100.65.0.2', interface: 'br-pe-100', active: true, onLink: true }],
            },
          },
        },
        underlay: { '100.65.0.2': UNDERLAY_ECMP },
        routerMacs: { 100: { '100.65.0.2': '00:aa:bb:cc:dd:02' } },
      }),
    );
    expect(rest).toEqual([]);
    expect(r).toMatchObject({
      verdict: 'vxlan',
      ingress: { vrf: 'red', vni: 100, hostLink: 'host-e-100', routerLink: 'pe-e-100' },
      vxlan: [
        {
          vni: 100,
          vxlanDevice: 'vni100',
          remoteVtep: '100.65.0.2',
          routerMac: '00:aa:bb:cc:dd:02',
          underlay: [
            { gateway: '192.168.11.2', dev: 'toswitch' },
            { gateway: '192.168.12.2', dev: 'toswitch2' },
          ],
        },
      ],
      notes: [],
    });
    expect(r?.ingress?.why).toMatch(/192\.169\.10\.0\/24|192\.169\.10\.3\/24/);
    const text = formatTrace([r!]);
    expect(text).toMatch(/VRF red/);
    expect(text).toMatch(/VNI 100/);
    expect(text).toMatch(/remote VTEP 100\.65\.0\.2/);
    expect(text).toMatch(/router MAC 00:aa:bb:cc:dd:02/);
    expect(text).toMatch(/via 192\.168\.11\.2 dev toswitch/);
    expect(text).toMatch(/via 192\.168\.12\.2 dev toswitch2/);
  });

  it('vxlan: the router MAC falls back to the kernel neighbour on the L3VNI bridge; a missing one is a note', () => {
    const base = { vrf: 'red', vrfs: { red: { kernel: evpnRoute('10.100.0.0/24', '100.65.0.2', '100.65.0.3') } } };
    const [r] = trace(
      facts({
        ...base,
        underlay: { '100.65.0.2': UNDERLAY_ECMP, '100.65.0.3': UNDERLAY_ECMP },
        neighbours: { 'br-pe-100': { '100.65.0.2': '00:aa:bb:cc:dd:02' } },
      }),
    );
    expect(r?.vxlan?.map((p) => [p.remoteVtep, p.routerMac])).toEqual([
      ['100.65.0.2', '00:aa:bb:cc:dd:02'],
      ['100.65.0.3', undefined],
    ]);
    expect(r?.notes).toEqual([expect.stringMatching(/FRR has no route/), 'no router MAC known for VTEP 100.65.0.3 on VNI 100']);
  });

  it('dropped (isolation): a destination on another tenant’s host session subnet stops in the source’s VRF', () => {
    const [r] = trace(
      facts({
        destination: '192.169.11.3',
        from: '192.169.10.3',
        vrfs: {
          red: { kernel: unreachableDefault },
          blue: { kernel: { dst: '192.169.11.0/24', table: 1001, type: 'unicast', nexthops: [{ dev: 'pe-e-200' }] } },
        },
      }),
    );
    expect(r).toMatchObject({ verdict: 'dropped', drop: { reason: 'isolation', at: 'VRF red' } });
    expect(r?.drop?.detail).toMatch(/belongs to VRF blue .*another tenant.*unreachable 0\.0\.0\.0\/0/);
    expect(formatTrace([r!])).toMatch(/dropped in VRF red: .*VRF blue/);
  });

  it('a host service address (outside the session subnet) enters the VRF that routes it back into its host session', () => {
    const [r] = trace(
      facts({
        destination: '10.200.2.1',
        from: '10.100.1.1',
        sources: {
          red: { kernel: { dst: '10.100.1.1/32', table: 1000, type: 'unicast', nexthops: [{ gateway: '192.169.10.3', dev: 'pe-e-100' }] } },
          blue: { kernel: unreachableDefault },
        },
        vrfs: { red: { kernel: unreachableDefault }, blue: { kernel: evpnRoute('10.200.2.1/32', '100.65.0.2') } },
      }),
    );
    expect(r?.ingress).toMatchObject({ vrf: 'red', vni: 100, routerLink: 'pe-e-100' });
    expect(r?.ingress?.why).toMatch(/announced by this node's host speaker into VRF red/);
    expect(r).toMatchObject({ verdict: 'dropped', drop: { reason: 'isolation', at: 'VRF red' } });
  });

  it('dropped (isolation): a remote service of another tenant (a route only in the other VRF)', () => {
    const [r] = trace(
      facts({ destination: '10.200.0.5', vrf: 'red', vrfs: { red: {}, blue: { kernel: evpnRoute('10.200.0.5/32', '100.65.0.2') } } }),
    );
    expect(r).toMatchObject({ verdict: 'dropped', drop: { reason: 'isolation' } });
    expect(r?.drop?.detail).toMatch(/VRF blue \(route 10\.200\.0\.5\/32\)/);
  });

  it('dropped (no route): nowhere on the node', () => {
    const [r] = trace(facts({ vrf: 'red', vrfs: { red: { kernel: unreachableDefault }, blue: { kernel: unreachableDefault } } }));
    expect(r).toMatchObject({ verdict: 'dropped', drop: { reason: 'no-route', at: 'VRF red' } });
  });

  it('dropped (underlay unreachable): the EVPN route leads to a VTEP the underlay cannot reach', () => {
    const [r] = trace(facts({ vrf: 'red', vrfs: { red: { kernel: evpnRoute('10.100.0.5/32', '100.65.0.9') } } }));
    expect(r).toMatchObject({ verdict: 'dropped', drop: { reason: 'underlay-unreachable', at: 'underlay' } });
  });

  it('dropped (no ingress): a source that belongs to no overlay never enters the router', () => {
    const [r] = trace(facts({ from: '172.16.0.1' }));
    expect(r).toMatchObject({ verdict: 'dropped', drop: { reason: 'no-ingress' } });
    expect(trace(facts({ vrf: 'green' }))[0]).toMatchObject({ drop: { reason: 'unknown-vrf' } });
    expect(trace(facts({ destination: 'nope' }))[0]).toMatchObject({ drop: { reason: 'bad-destination' } });
  });

  it('local: a route announced by this node’s host speaker, the host session subnet, an L2VNI subnet', () => {
    const viaHost = trace(
      facts({
        vrf: 'red',
        vrfs: {
          red: { kernel: { dst: '10.100.0.5/32', table: 1000, type: 'unicast', nexthops: [{ gateway: '192.169.10.3', dev: 'pe-e-100' }] } },
        },
      }),
    )[0];
    expect(viaHost).toMatchObject({ verdict: 'local', local: { dev: 'pe-e-100', gateway: '192.169.10.3' } });
    expect(viaHost?.local?.what).toMatch(/host speaker/);
    const connected = trace(
      facts({
        destination: '192.169.10.3',
        vrf: 'red',
        vrfs: { red: { kernel: { dst: '192.169.10.0/24', table: 1000, type: 'unicast', nexthops: [{ dev: 'pe-e-100' }] } } },
      }),
    )[0];
    expect(connected?.local?.what).toMatch(/host session subnet.*host-e-100/);
    const l2 = trace(
      facts({
        destination: '192.170.1.7',
        from: '192.169.10.3',
        vrfs: { red: { kernel: { dst: '192.170.1.0/24', table: 1000, type: 'unicast', nexthops: [{ dev: 'br-pe-300' }] } } },
      }),
    )[0];
    expect(l2?.local?.what).toMatch(/L2VNI 300/);
    expect(formatTrace([l2!])).toMatch(/stays on this node|local/);
  });

  it('underlay: passthrough traffic is routed in the router namespace’s own table, not encapsulated', () => {
    const [r] = trace(
      facts({
        destination: '10.0.0.9',
        from: '192.168.20.3',
        vrfs: {
          default: {
            kernel: { dst: '10.0.0.0/24', table: 254, type: 'unicast', nexthops: [{ gateway: '192.168.11.2', dev: 'toswitch' }] },
          },
        },
      }),
    );
    expect(r).toMatchObject({
      verdict: 'underlay',
      ingress: { vrf: 'default', routerLink: 'pt-ns' },
      underlay: [{ gateway: '192.168.11.2' }],
    });
  });

  it('without --from or --vrf, traces in every VRF', () => {
    const rs = trace(
      facts({ vrfs: { red: { kernel: evpnRoute('10.100.0.5/32', '100.65.0.2') } }, underlay: { '100.65.0.2': UNDERLAY_ECMP } }),
    );
    expect(rs.map((r) => [r.ingress?.vrf, r.verdict])).toEqual([
      ['red', 'vxlan'],
      ['blue', 'dropped'],
      ['default', 'dropped'],
    ]);
    expect(JSON.parse(JSON.stringify(rs))).toEqual(rs); // -o json is the results as they are
  });

  it('notes where FRR and the kernel disagree', () => {
    const [r] = trace(
      facts({
        vrf: 'red',
        vrfs: {
          red: {
            kernel: evpnRoute('10.100.0.0/24', '100.65.0.2'),
            frr: { prefix: '10.100.0.5/32', protocol: 'bgp', selected: true, installed: false, nexthops: [] },
          },
        },
        underlay: { '100.65.0.2': UNDERLAY_ECMP },
      }),
    );
    expect(r?.notes).toEqual(expect.arrayContaining([expect.stringMatching(/not installed in the kernel/)]));
  });
});
