// Gathering the trace's facts through a fake port, and parsing FRR's JSON as FRR prints it.
import { describe, expect, it } from 'vitest';
import { gatherTraceFacts, parseEvpnNextHops, parseFrrRoute, type TraceSources } from '../../src/observe/trace-facts.js';
import type { LinkInfo, RouteInfo } from '../../src/dataplane/netlink/index.js';
import type { RouterPlan } from '../../src/plan/router-plan.js';

// `show ip route vrf red 10.100.0.5 json` on FRR 8.4 (trimmed).
const FRR_EVPN_ROUTE = {
  '10.100.0.5/32': [
    {
      prefix: '10.100.0.5/32',
      prefixLen: 32,
      protocol: 'bgp',
      vrfName: 'red',
      selected: true,
      destSelected: true,
      distance: 20,
      installed: true,
      table: 1000,
      nexthops: [
        {
          flags: 3,
          fib: true,
          ip: '100.65.0.2',
          afi: 'ipv4',
          interfaceIndex: 9,
          interfaceName: 'br-pe-100',
          active: true,
          onLink: true,
          weight: 1,
        },
      ],
    },
  ],
};

const PLAN = {
  l3vnis: [
    { name: 'red', vrf: 'red', vni: 100 },
    { name: 'blue', vrf: 'blue', vni: 200 },
  ],
  l2vnis: [],
} as unknown as RouterPlan;

const link = (index: number, name: string, kind?: string): LinkInfo => ({
  index,
  name,
  up: true,
  mtu: 1500,
  group: 0,
  ...(kind ? { kind } : {}),
});

describe('trace facts', () => {
  it('parses FRR route JSON (selected route, next hops) and EVPN next hops', () => {
    expect(parseFrrRoute(FRR_EVPN_ROUTE)).toEqual({
      prefix: '10.100.0.5/32',
      protocol: 'bgp',
      selected: true,
      installed: true,
      nexthops: [{ ip: '100.65.0.2', interface: 'br-pe-100', active: true, onLink: true }],
    });
    expect(parseFrrRoute({})).toBeUndefined();
    expect(parseFrrRoute(undefined)).toBeUndefined();
    expect(parseEvpnNextHops({ numNextHops: 1, '100.65.0.2': { nexthopIp: '100.65.0.2', routerMac: '00:aa:bb:cc:dd:02' } })).toEqual({
      '100.65.0.2': '00:aa:bb:cc:dd:02',
    });
  });

  it('looks the destination up in every VRF, then the underlay toward each VTEP, router MACs and bridge neighbours', async () => {
    const calls: string[] = [];
    const routes: Record<string, RouteInfo> = {
      '10.100.0.5@5': { dst: '10.100.0.5/32', table: 1000, family: 4, protocol: 186, type: 1, gateway: '100.65.0.2', oif: 9, onlink: true },
      '10.100.0.5@6': { dst: '0.0.0.0/0', table: 1001, family: 4, protocol: 186, type: 7 },
      '100.65.0.2@main': {
        dst: '100.65.0.2/32',
        table: 254,
        family: 4,
        protocol: 186,
        type: 1,
        nexthops: [
          { gateway: '192.168.11.2', oif: 2 },
          { gateway: '192.168.12.2', oif: 3 },
        ],
      },
    };
    const src: TraceSources = {
      links: async () => [
        link(2, 'toswitch'),
        link(3, 'toswitch2'),
        link(5, 'red', 'vrf'),
        link(6, 'blue', 'vrf'),
        link(9, 'br-pe-100', 'bridge'),
      ],
      getRoute: async (dst, vrfIndex) => routes[`${dst}@${vrfIndex ?? 'main'}`],
      neighbours: async () => [{ family: 4, ifindex: 9, state: 0x80, flags: 0x10, dst: '100.65.0.2', mac: '00:aa:bb:cc:dd:02' }],
      vtyshJson: async (c) => {
        calls.push(c);
        return c === 'show ip route vrf red 10.100.0.5 json' ? FRR_EVPN_ROUTE : {};
      },
    };
    const f = await gatherTraceFacts(src, PLAN, { destination: '10.100.0.5', vrf: 'red' });
    expect(f.vrfs.red?.kernel).toEqual({
      dst: '10.100.0.5/32',
      table: 1000,
      type: 'unicast',
      nexthops: [{ gateway: '100.65.0.2', dev: 'br-pe-100', onlink: true }],
    });
    expect(f.vrfs.red?.frr?.protocol).toBe('bgp');
    expect(f.vrfs.blue?.kernel?.type).toBe('unreachable');
    expect(f.underlay['100.65.0.2']?.kernel?.nexthops).toEqual([
      { gateway: '192.168.11.2', dev: 'toswitch' },
      { gateway: '192.168.12.2', dev: 'toswitch2' },
    ]);
    expect(f.neighbours).toEqual({ 'br-pe-100': { '100.65.0.2': '00:aa:bb:cc:dd:02' } });
    expect(calls.sort()).toEqual([
      'show evpn next-hops vni 100 json',
      'show ip route 100.65.0.2 json',
      'show ip route vrf blue 10.100.0.5 json',
      'show ip route vrf red 10.100.0.5 json',
    ]);
  });
});
