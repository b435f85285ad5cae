// FRR output for the same input: cases of upstream's conversion test
// (internal/conversion/frr_conversion_test.go: TestAPItoFRR, at upstream commit 1d5dcdfd), each
// an API input with the frr.conf lines upstream renders for it (its expected FRR model written
// out by upstream's template, internal/frr/templates: the same lines its golden files hold).
// `differences` are the lines where perouterd renders otherwise, each with the reason
// (README, "Where perouterd differs from OpenPERouter"). Run by test/k8s/upstream-corpus.test.ts.
import type { Spec } from './validation-cases.js';

export interface FrrDifference {
  /** A line upstream renders and perouterd does not. */
  upstream?: string;
  /** A line perouterd renders instead (or in addition). */
  perouterd?: string;
  /** A line both render, a different number of times. */
  times?: { line: string; upstream: number; perouterd: number };
  why: string;
}

export interface FrrCase {
  upstream: string;
  nodeIndex: number;
  objects: { underlays: Spec[]; l3vnis?: Spec[]; l3passthroughs?: Spec[] };
  /** Lines (trimmed) of upstream's frr.conf for this input. */
  lines: string[];
  differences: FrrDifference[];
}

const T = 'internal/conversion/frr_conversion_test.go: TestAPItoFRR';
const ROUTER_ID: FrrDifference = {
  upstream: 'bgp router-id 10.0.0.1',
  perouterd: 'bgp router-id 10.0.0.0',
  why: 'router-id host(routerIDCIDR, index) without the former +1 (upstream PR 693, newer than this test)',
};
const NO_EVPN_YET: FrrDifference = {
  perouterd: 'advertise-all-vni',
  why: 'EVPN stays activated on underlay neighbours whenever the node has a tunnel endpoint (upstream: only while a VNI exists)',
};

const underlay = (neighbors: Spec[]): Spec => ({
  asn: 65000,
  tunnelEndpoint: { cidrs: ['192.168.1.0/24'] },
  routerIDCIDR: '10.0.0.0/24',
  interfaces: [{ type: 'NetworkDevice', networkDevice: { interfaceName: 'eth0' } }],
  neighbors,
});
const header = ['router bgp 65000', 'no bgp network import-check', 'no bgp default ipv4-unicast', 'network 192.168.1.0/32'];
const hostSession = (localCIDR: Spec): Spec => ({
  name: 'vni1',
  vrf: 'vrf1',
  vni: 200,
  hostSession: { asn: 65000, hostASN: 65001, localCIDR },
});
const vrf = ['vrf vrf1', 'vni 200', 'router bgp 65000 vrf vrf1', 'advertise ipv4 unicast', 'advertise ipv6 unicast'];

function underlayOnly(name: string, neighbor: Spec, remoteAs: string): FrrCase {
  return {
    upstream: `${T}/"${name}"`,
    nodeIndex: 0,
    objects: { underlays: [underlay([neighbor])] },
    lines: [...header, 'bgp router-id 10.0.0.1', `neighbor 192.168.1.1 remote-as ${remoteAs}`, 'neighbor 192.168.1.1 activate'],
    differences: [ROUTER_ID, NO_EVPN_YET],
  };
}

function noHostSession(name: string, rts: Spec, rtLines: string[]): FrrCase {
  return {
    upstream: `${T}/"${name}"`,
    nodeIndex: 0,
    objects: { underlays: [underlay([{ address: '192.168.1.1', asn: 65001 }])], l3vnis: [{ name: 'vni1', vrf: 'vrf1', vni: 200, ...rts }] },
    lines: [...header, 'bgp router-id 10.0.0.1', 'neighbor 192.168.1.1 remote-as 65001', 'advertise-all-vni', ...vrf, ...rtLines],
    differences: [ROUTER_ID],
  };
}

export const FRR_CASES: FrrCase[] = [
  {
    upstream: `${T}/"L3 passthrough"`,
    nodeIndex: 0,
    objects: {
      underlays: [underlay([{ address: '192.168.1.1', asn: 65001 }])],
      l3passthroughs: [{ hostSession: { asn: 65000, hostASN: 65001, localCIDR: { ipv4: '192.168.2.0/24', ipv6: '2001:db8::/64' } } }],
    },
    lines: [
      ...header,
      'bgp router-id 10.0.0.1',
      'neighbor 192.168.1.1 remote-as 65001',
      'neighbor 192.168.1.1 activate',
      'neighbor 192.168.2.2 remote-as 65001',
      'neighbor 192.168.2.2 timers connect 5',
      'neighbor 2001:db8::2 remote-as 65001',
      'neighbor 2001:db8::2 timers connect 5',
      'network 192.168.2.2/32',
      'network 2001:db8::2/128',
    ],
    differences: [ROUTER_ID, NO_EVPN_YET],
  },
  {
    upstream: `${T}/"BFD enabled without settings"`,
    nodeIndex: 0,
    objects: { underlays: [underlay([{ address: '192.168.1.100', asn: 65001, bfd: {} }])] },
    lines: [
      ...header,
      'bgp router-id 10.0.0.1',
      'neighbor 192.168.1.100 remote-as 65001',
      'neighbor 192.168.1.100 bfd',
      'neighbor 192.168.1.100 activate',
    ],
    differences: [ROUTER_ID, NO_EVPN_YET],
  },
  noHostSession('vni without host session', {}, []),
  noHostSession('vni without host session with route targets', { exportRTs: ['65000:100'], importRTs: ['65000:200'] }, [
    'route-target export 65000:100',
    'route-target import 65000:200',
  ]),
  {
    ...noHostSession('ipv4 with route targets', { exportRTs: ['65000:1000'], importRTs: ['65000:2000', '10.0.0.1:3000'] }, [
      'route-target export 65000:1000',
      'route-target import 65000:2000',
      'route-target import 10.0.0.1:3000',
      'neighbor 192.168.2.2 remote-as 65001',
      'network 192.168.2.2/32',
    ]),
    objects: {
      underlays: [underlay([{ address: '192.168.1.1', asn: 65001 }])],
      l3vnis: [{ ...hostSession({ ipv4: '192.168.2.0/24' }), exportRTs: ['65000:1000'], importRTs: ['65000:2000', '10.0.0.1:3000'] }],
    },
  },
  underlayOnly('no vnis', { address: '192.168.1.1', asn: 65001 }, '65001'),
  underlayOnly('parse underlay external', { address: '192.168.1.1', type: 'External' }, 'external'),
  underlayOnly('parse underlay internal', { address: '192.168.1.1', type: 'Internal' }, 'internal'),
  underlayOnly('parse underlay internal numeric', { address: '192.168.1.1', asn: 65000 }, '65000'),
  {
    upstream: `${T}/"ipv4 only"`,
    nodeIndex: 0,
    objects: { underlays: [underlay([{ address: '192.168.1.1', asn: 65001 }])], l3vnis: [hostSession({ ipv4: '192.168.2.0/24' })] },
    lines: [
      ...header,
      'bgp router-id 10.0.0.1',
      'neighbor 192.168.1.1 remote-as 65001',
      'neighbor 192.168.1.1 activate',
      'advertise-all-vni',
      ...vrf,
      'neighbor 192.168.2.2 remote-as 65001',
      'network 192.168.2.2/32',
      'neighbor 192.168.2.2 activate',
      'neighbor 192.168.2.2 route-map allowall in',
      'neighbor 192.168.2.2 route-map allowall out',
    ],
    differences: [ROUTER_ID],
  },
  {
    upstream: `${T}/"ipv6 only"`,
    nodeIndex: 0,
    objects: {
      underlays: [underlay([{ address: '2001:db8::1:192:168:1:1', asn: 65001 }])],
      l3vnis: [hostSession({ ipv6: '2001:db8::/64' })],
    },
    lines: [
      ...header,
      'bgp router-id 10.0.0.1',
      'neighbor 2001:db8::1:192:168:1:1 remote-as 65001',
      'neighbor 2001:db8::1:192:168:1:1 capability extended-nexthop',
      'neighbor 2001:db8::1:192:168:1:1 activate',
      'advertise-all-vni',
      ...vrf,
      'neighbor 2001:db8::2 remote-as 65001',
      'network 2001:db8::2/128',
      'neighbor 2001:db8::2 activate',
    ],
    differences: [
      ROUTER_ID,
      ...['remote-as 65001', 'capability extended-nexthop', 'activate'].map((rest) => ({
        upstream: `neighbor 2001:db8::1:192:168:1:1 ${rest}`,
        perouterd: `neighbor 2001:db8:0:1:192:168:1:1 ${rest}`,
        why: 'addresses are written in canonical form (RFC 5952), as FRR prints them back',
      })),
    ],
  },
  {
    upstream: `${T}/"dual stack"`,
    nodeIndex: 0,
    objects: {
      underlays: [underlay([{ address: '192.168.1.1', asn: 65001 }])],
      l3vnis: [hostSession({ ipv4: '192.168.2.0/24', ipv6: '2001:db8::/64' })],
    },
    lines: [
      ...header,
      'bgp router-id 10.0.0.1',
      'neighbor 192.168.1.1 remote-as 65001',
      'advertise-all-vni',
      ...vrf,
      'neighbor 192.168.2.2 remote-as 65001',
      'network 192.168.2.2/32',
      'neighbor 2001:db8::2 remote-as 65001',
      'network 2001:db8::2/128',
    ],
    differences: [
      ROUTER_ID,
      {
        times: { line: 'router bgp 65000 vrf vrf1', upstream: 2, perouterd: 1 },
        why: 'a dual-stack host session is one router bgp … vrf block (upstream renders one per family)',
      },
    ],
  },
];
