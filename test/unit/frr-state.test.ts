// FRR's state as perouterd reads it, parsed from JSON captured in the kernel lab (scenario
// test/lab/scenarios/observe.ts with --capture): two nodes, L3VNIs red/blue, L2VNI 110 in red,
// BFD on the underlay session, on FRR 8.4 (Debian 12) and FRR 10.3 (Debian 13). They differ in the VNI
// details: 8.4 names the VRF `vrf` and lists remote VTEPs as strings under `numRemoteVteps`; 10.3 says
// `tenantVrf` and `remoteVteps: [{ip, flood}]`.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseBfdPeers, parseBgpSummary, parseFrrState, parseNextHops, parseVnis } from '../../src/observe/frr-state.js';

const DIR = join(import.meta.dirname, '../fixtures/frr-json');
const read = (version: string, name: string): string => readFileSync(join(DIR, `frr-${version}`, `${name}.json`), 'utf8');
const outputs = (v: string): string[] =>
  ['bgp-vrf-all-summary', 'evpn-vni-detail', 'evpn-next-hops-vni-all', 'bfd-peers'].map((n) => read(v, n));

describe.each(['8.4', '10.3'])('FRR %s JSON', (version) => {
  const s = parseFrrState(outputs(version));

  it('BGP: the underlay session in ipv4 unicast and l2vpn evpn, the host sessions per VRF, with prefixes', () => {
    const est = s.bgp.filter((n) => n.state === 'Established').map((n) => `${n.vrf} ${n.peer} ${n.afi} ${n.safi}`);
    expect(est).toEqual(
      expect.arrayContaining([
        'default 192.168.11.2 ipv4 unicast',
        'default 192.168.11.2 l2vpn evpn',
        'red 192.169.10.3 ipv4 unicast',
        'blue 192.169.11.3 ipv4 unicast',
      ]),
    );
    const evpn = s.bgp.find((n) => n.vrf === 'default' && n.safi === 'evpn')!;
    // FRR 10.3 in the lab reports the UML host's name for every peer; 8.4 the ToR's `hostname`.
    expect(evpn).toMatchObject({ remoteAs: 64512, hostname: expect.any(String) });
    expect(evpn.prefixesReceived).toBeGreaterThan(0);
    expect(evpn.prefixesSent).toBeGreaterThan(0);
    expect(evpn.uptime).toMatch(/^\d\d:\d\d:\d\d$/);
  });

  it('EVPN: L3VNIs 100 and 200 and L2VNI 110, each with the other node as remote VTEP', () => {
    expect(s.vnis).toEqual([
      { vni: 100, type: 'L3', vrf: 'red', vxlanInterface: 'vni100', remoteVteps: ['100.65.0.2'] },
      { vni: 110, type: 'L2', vrf: 'red', vxlanInterface: 'vni110', remoteVteps: ['100.65.0.2'] },
      { vni: 200, type: 'L3', vrf: 'blue', vxlanInterface: 'vni200', remoteVteps: ['100.65.0.2'] },
    ]);
  });

  it('BFD: the underlay peer, up', () => {
    expect(s.bfd).toEqual([
      expect.objectContaining({ peer: '192.168.11.2', local: '192.168.11.3', vrf: 'default', interface: 'eth1', status: 'up' }),
    ]);
  });
});

describe('FRR JSON edge cases', () => {
  it('empty or broken output gives empty lists, never a throw', () => {
    expect(parseFrrState(['', '', '', ''])).toEqual({ bgp: [], vnis: [], bfd: [] });
    expect(parseBfdPeers('% bfdd is not running')).toEqual([]);
    expect(parseBgpSummary('{"default":{"ipv4Unicast":{"peers":{"10.0.0.1":{"state":"Active"}}}}}')).toEqual([
      { vrf: 'default', peer: '10.0.0.1', afi: 'ipv4', safi: 'unicast', state: 'Active' },
    ]);
  });

  it('VNI details one object after the other (no array) and next hops without numNextHops', () => {
    const detail = '{"vni":1,"type":"L2","remoteVteps":[{"ip":"10.0.0.9","flood":"HER"}]}\n{"vni":2,"type":"L3","vrf":"x"}';
    expect(parseVnis(detail, '{"2":{"10.0.0.8":{"nexthopIp":"10.0.0.8"}}}')).toEqual([
      { vni: 1, type: 'L2', remoteVteps: ['10.0.0.9'] },
      { vni: 2, type: 'L3', vrf: 'x', remoteVteps: ['10.0.0.8'] },
    ]);
    expect(parseNextHops('{}')).toEqual(new Map());
  });
});
