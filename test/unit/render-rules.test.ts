// Single rendering rules, each pinned on its own (the goldens show whole files).
// Most are about lines FRR 8.4 (datacenter profile) never prints back because their
// value is its default: rendering them would make frr-reload.py see a difference
// forever (measured with test/host/frr-accepts.test.ts).
import { describe, expect, it } from 'vitest';
import type { Neighbor, NodeSettings, RouterConfig } from '../../src/config/model.js';
import { planRouter } from '../../src/plan/router-plan.js';
import { frrRouteTarget, renderFrrConfig } from '../../src/frr/render.js';
import { TOR, hostSession, l2vni, l3vni, passthrough, routerConfig, underlay } from '../support/builders.js';

const node: NodeSettings = { nodeName: 'node1', nodeIndex: 1, logLevel: 'info' };
const render = (c: RouterConfig, opts: { listenLimit?: number; node?: Partial<NodeSettings> } = {}): string =>
  renderFrrConfig(planRouter(c, { ...node, ...opts.node }, opts.listenLimit === undefined ? {} : { listenLimit: opts.listenLimit }));
const withNeighbors = (...neighbors: Neighbor[]): string => render(routerConfig({ underlays: [underlay({ neighbors })] }));
const lines = (out: string): string[] => out.split('\n');

describe('global lines', () => {
  it('never renders hostname nor the datacenter default `no bgp ebgp-requires-policy`', () => {
    const out = render(routerConfig({ underlays: [underlay()], l3vnis: [l3vni('red', 100)] }));
    expect(out).not.toMatch(/hostname/);
    expect(out).not.toMatch(/ebgp-requires-policy/);
    expect(out.startsWith('frr defaults datacenter\n')).toBe(true);
  });

  it('logs at debugging as plain `log stdout` and splits `debug bgp updates` as FRR prints it', () => {
    const out = render(routerConfig({}), { node: { logLevel: 'debug' } });
    expect(lines(out)).toContain('log stdout');
    expect(out).not.toMatch(/log stdout debugging/);
    expect(lines(out)).toEqual(expect.arrayContaining(['debug bgp updates in', 'debug bgp updates out']));
    expect(lines(out)).not.toContain('debug bgp updates');
    expect(lines(render(routerConfig({}), { node: { logLevel: 'error' } }))).toContain('log stdout errors');
  });

  it('keeps the allowall route-map in an empty configuration', () => {
    expect(render(routerConfig({}))).toContain('route-map allowall permit 1\nexit\n');
  });
});

describe('neighbour session lines', () => {
  it('spells remote-as as a number, external or internal', () => {
    const out = withNeighbors(
      { asn: 64512, address: '192.168.11.2' },
      { type: 'External', address: '192.168.11.3' },
      { type: 'Internal', address: '192.168.11.4' },
    );
    expect(out).toContain(' neighbor 192.168.11.2 remote-as 64512\n');
    expect(out).toContain(' neighbor 192.168.11.3 remote-as external\n');
    expect(out).toContain(' neighbor 192.168.11.4 remote-as internal\n');
  });

  it('writes the peer as FRR prints it: canonical IPv6, masked listen range', () => {
    const out = withNeighbors({ asn: 64512, address: '2001:DB8:0:0::2' }, { asn: 64513, listenRange: '192.168.12.9/24' });
    expect(out).toContain(' neighbor 2001:db8::2 remote-as 64512\n');
    expect(out).toContain(' neighbor 192.168.12.0/24 peer-group\n neighbor 192.168.12.0/24 remote-as 64513\n');
    expect(out).toContain(' bgp listen range 192.168.12.0/24 peer-group 192.168.12.0/24\n');
  });

  it('renders ebgp-multihop as FRR prints it: no TTL is 255; TTL 1, iBGP and interface peers get none', () => {
    const mh = (ttl?: number) => [{ type: 'ebgpMultiHop' as const, ebgpMultiHop: ttl === undefined ? {} : { ttl } }];
    const out = withNeighbors(
      { asn: 64512, address: '192.168.11.2', properties: mh(5) },
      { asn: 64512, address: '192.168.11.3', properties: mh() },
      { asn: 64512, address: '192.168.11.4', properties: mh(1) },
      { type: 'Internal', address: '192.168.11.5', properties: mh(3) },
      { asn: 64512, interface: 'eth1', properties: mh(3) },
    );
    expect(out).not.toMatch(/eth1 ebgp-multihop/);
    expect(out).toContain(' neighbor 192.168.11.2 ebgp-multihop 5\n');
    expect(out).toContain(' neighbor 192.168.11.3 ebgp-multihop 255\n');
    expect(out).not.toMatch(/192\.168\.11\.[45] ebgp-multihop/);
  });

  it('leaves out port 179, keeps any other port', () => {
    const out = withNeighbors({ ...TOR, port: 179 }, { asn: 64512, address: '192.168.11.3', port: 1790 });
    expect(out).not.toMatch(/192\.168\.11\.2 port/);
    expect(out).toContain(' neighbor 192.168.11.3 port 1790\n');
  });

  it('renders keepalive/hold only as a pair, connect timer and password as given', () => {
    const out = withNeighbors({ ...TOR, keepaliveTimeSeconds: 3, holdTimeSeconds: 9, connectTimeSeconds: 7, password: 'p4ss' });
    expect(out).toContain(
      ' neighbor 192.168.11.2 timers 3 9\n neighbor 192.168.11.2 timers connect 7\n neighbor 192.168.11.2 password p4ss\n',
    );
  });

  it('renders extended-nexthop for IPv6 peers carrying ipv4 unicast, never for interface peers (their default)', () => {
    const out = render(
      routerConfig({
        underlays: [
          underlay({
            neighbors: [
              { asn: 64512, interface: 'eth1' },
              { asn: 64512, address: '2001:db8::2' },
              { type: 'Internal', listenRange: 'fd00::/64' },
            ],
          }),
        ],
        l3vnis: [l3vni('red', 100)],
      }),
    );
    expect(out).not.toMatch(/eth1 capability/);
    expect(out).toContain(' neighbor 2001:db8::2 capability extended-nexthop\n');
    expect(out).toContain(' neighbor fd00::/64 capability extended-nexthop\n');
    expect(out).toContain(' neighbor eth1 interface remote-as 64512\n');
  });

  it('renders disable-connected-check only for address eBGP peers with ipv6 unicast and no multihop', () => {
    const out = withNeighbors(
      { asn: 64512, address: '2001:db8::2' },
      { type: 'Internal', address: '2001:db8::3' },
      { asn: 64512, address: '2001:db8::4', properties: [{ type: 'ebgpMultiHop', ebgpMultiHop: { ttl: 2 } }] },
      { asn: 64512, listenRange: '2001:db8:1::/64' },
    );
    expect(out.match(/disable-connected-check/g)).toEqual(['disable-connected-check']);
    expect(out).toContain(' neighbor 2001:db8::2 disable-connected-check\n');
  });
});

describe('BFD', () => {
  it('`bfd: {}` is a plain `neighbor X bfd` and no bfd block', () => {
    const out = withNeighbors({ ...TOR, bfd: {} });
    expect(out).toContain(' neighbor 192.168.11.2 bfd\n');
    expect(out).not.toMatch(/^bfd$/m);
    expect(out).not.toMatch(/bfd profile/);
  });

  it('a profile neighbour gets both `bfd` and `bfd profile` (FRR prints both)', () => {
    const out = withNeighbors({ ...TOR, bfd: { receiveInterval: 50 } });
    expect(out).toContain(' neighbor 192.168.11.2 bfd\n neighbor 192.168.11.2 bfd profile neighbor-192.168.11.2\n');
    expect(out).toContain('bfd\n profile neighbor-192.168.11.2\n  receive-interval 50\n exit\n !\nexit\n');
  });

  it('leaves out profile values equal to bfdd defaults', () => {
    const out = withNeighbors({
      ...TOR,
      bfd: { receiveInterval: 300, transmitInterval: 300, detectMultiplier: 3, minimumTTL: 254, sessionMode: 'Active' },
    });
    expect(out).toContain('bfd\n profile neighbor-192.168.11.2\n exit\n');
    expect(out).not.toMatch(/interval|detect-multiplier|minimum-ttl|passive-mode/);
  });

  it('sessionMode Passive → passive-mode, minimumTTL → minimum-ttl', () => {
    const out = withNeighbors({ ...TOR, bfd: { sessionMode: 'Passive', minimumTTL: 10, detectMultiplier: 4, transmitInterval: 20 } });
    expect(out).toContain('  transmit-interval 20\n  detect-multiplier 4\n  passive-mode\n  minimum-ttl 10\n');
  });
});

describe('graceful restart, route reflector, listen limit', () => {
  it('renders default GR times not at all, custom ones as given, and connect 5 where no connect time is set', () => {
    const def = render(
      routerConfig({ underlays: [underlay({ gracefulRestart: { restartTimeSeconds: 120, stalePathTimeSeconds: 360 } })] }),
    );
    expect(def).toContain(' bgp graceful-restart\n bgp graceful-restart preserve-fw-state\n neighbor');
    expect(def).toContain(' neighbor 192.168.11.2 timers connect 5\n');
    const custom = render(
      routerConfig({
        underlays: [
          underlay({
            gracefulRestart: { restartTimeSeconds: 30, stalePathTimeSeconds: 360 },
            neighbors: [{ ...TOR, connectTimeSeconds: 12 }],
          }),
        ],
      }),
    );
    expect(custom).toContain(' bgp graceful-restart restart-time 30\n');
    expect(custom).not.toMatch(/stalepath-time/);
    expect(custom).toContain(' neighbor 192.168.11.2 timers connect 12\n');
    expect(custom).not.toMatch(/timers connect 5/);
  });

  it('renders no connect timer without GR', () => {
    expect(withNeighbors(TOR)).not.toMatch(/timers connect/);
  });

  it('renders the cluster id and route-reflector-client per family', () => {
    const out = render(
      routerConfig({
        underlays: [
          underlay({
            routeReflector: { clusterID: '192.0.2.1' },
            neighbors: [
              {
                type: 'Internal',
                address: '192.168.11.3',
                addressFamilies: [{ type: 'ipv4unicast' }, { type: 'evpn', properties: [{ type: 'routeReflectorClient' }] }],
              },
            ],
          }),
        ],
      }),
    );
    expect(out).toContain(' bgp cluster-id 192.0.2.1\n');
    expect(out).toMatch(
      /address-family ipv4 unicast\n {2}network 100\.65\.0\.1\/32\n {2}neighbor 192\.168\.11\.3 activate\n {2}neighbor 192\.168\.11\.3 next-hop-self force\n/,
    );
    expect(out).toMatch(
      /address-family l2vpn evpn\n {2}neighbor 192\.168\.11\.3 activate\n {2}neighbor 192\.168\.11\.3 route-reflector-client\n/,
    );
  });

  it('renders bgp listen limit only with a listen range and only when it is not FRR default (100)', () => {
    const lr = routerConfig({ underlays: [underlay({ neighbors: [{ asn: 64512, listenRange: '192.168.11.0/24' }] })] });
    expect(render(lr)).toContain(' bgp listen limit 65535\n');
    expect(render(lr, { listenLimit: 500 })).toContain(' bgp listen limit 500\n');
    expect(render(lr, { listenLimit: 100 })).not.toMatch(/listen limit/);
    expect(withNeighbors(TOR)).not.toMatch(/listen limit/);
  });
});

describe('VRF instances', () => {
  it('uses the underlay router-id, activates every host peer in both unicast families', () => {
    const out = render(routerConfig({ underlays: [underlay()], l3vnis: [l3vni('red', 100)] }));
    const vrf = out.slice(out.indexOf('router bgp 64514 vrf red'));
    expect(vrf).toContain(' bgp router-id 10.0.0.1\n');
    expect(vrf).toMatch(/address-family ipv6 unicast\n {2}neighbor 192\.169\.10\.3 activate\n/);
  });

  it('merges a dual-stack host session into one instance', () => {
    const out = render(
      routerConfig({
        underlays: [underlay()],
        l3vnis: [l3vni('red', 100, { hostSession: hostSession({ ipv4: '192.169.10.0/24', ipv6: '2001:db8:1::/64' }) })],
      }),
    );
    expect(out.match(/router bgp 64514 vrf red/g)).toHaveLength(1);
    expect(out.match(/^vrf red$/gm)).toHaveLength(1);
  });

  it('advertises L2 gateway subnets of the VRF even without a host session', () => {
    const out = render(
      routerConfig({
        underlays: [underlay()],
        l3vnis: [l3vni('red', 100, { hostSession: undefined })],
        l2vnis: [l2vni(110, 'red', { gatewayIPs: ['192.170.1.1/24', '2001:db8:170::1/64'] })],
      }),
    );
    expect(out).toMatch(
      /router bgp 64514 vrf red\n(?:.*\n)*? address-family ipv4 unicast\n {2}network 192\.170\.1\.0\/24\n exit-address-family/,
    );
    expect(out).toMatch(/ address-family ipv6 unicast\n {2}network 2001:db8:170::\/64\n exit-address-family/);
  });

  it('renders route targets once each, normalised', () => {
    const out = render(
      routerConfig({
        underlays: [underlay()],
        l3vnis: [l3vni('red', 100, { exportRTs: ['064512:0100', '64512:100'], importRTs: ['10.0.0.1:7'] })],
      }),
    );
    expect(out.match(/route-target export/g)).toHaveLength(1);
    expect(out).toContain('  route-target export 64512:100\n  route-target import 10.0.0.1:7\n');
    expect(frrRouteTarget('4200000000:00100')).toBe('4200000000:100');
  });
});

describe('passthrough', () => {
  it('peers the host in the underlay instance, per family, with next-hop-self for iBGP', () => {
    const out = render(
      routerConfig({
        underlays: [underlay()],
        l3passthroughs: [passthrough(hostSession({ ipv4: '192.169.100.0/24', ipv6: '2001:db8:100::/64' }, { hostASN: 64514 }, 64530))],
      }),
    );
    expect(out).not.toMatch(/vrf/);
    expect(out).toContain(' neighbor 192.169.100.3 remote-as 64514\n neighbor 192.169.100.3 timers connect 5\n');
    expect(out).toMatch(/address-family ipv4 unicast\n {2}network 100\.65\.0\.1\/32\n {2}network 192\.169\.100\.3\/32\n/);
    expect(out).toContain('  neighbor 192.169.100.3 route-map allowall out\n  neighbor 192.169.100.3 next-hop-self force\n');
    expect(out).toMatch(/address-family ipv6 unicast\n {2}network 2001:db8:100::3\/128\n/);
    expect(out).toContain('  neighbor 2001:db8:100::3 activate\n');
  });
});
