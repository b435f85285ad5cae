// The EVPN data-plane health check (pure) and what feeds it: neighbour and
// multipath route decoding, the repair policy, the repair commands.
import { describe, expect, it } from 'vitest';
import { evpnFaults, type EvpnObservation } from '../../src/dataplane/evpn-health.js';
import { decodeNeigh, decodeRoute } from '../../src/dataplane/netlink/codec.js';
import * as K from '../../src/dataplane/netlink/constants.js';
import type { NeighInfo, RouteInfo } from '../../src/dataplane/netlink/index.js';
import { link, RMAC, VTEP } from '../fixtures/evpn.js';
import { EvpnRepairPolicy } from '../../src/daemon/evpn-repair.js';
import { evpnRepairCommands } from '../../src/frr/evpn-repair.js';

const TABLE = 1000;
const l3 = [{ vni: 100, vrf: 'red' }];

/** red (table 1000), br-pe-100 (idx 11), vni100 (idx 12): one route via the VTEP with all it needs. */
function healthy(): EvpnObservation {
  return {
    links: [
      link(10, 'red', { kind: 'vrf', vrf: { table: TABLE } }),
      link(11, 'br-pe-100', { kind: 'bridge', master: 10 }),
      link(12, 'vni100', { kind: 'vxlan', master: 11 }),
    ],
    routes: [
      { table: TABLE, family: 4, dst: '10.100.2.1/32', gateway: VTEP, oif: 11, onlink: true, protocol: 186, type: 1 },
      { table: TABLE, family: 4, dst: '192.169.10.0/24', oif: 13, protocol: 2, type: 1 },
    ],
    neighbours: [{ family: 4, ifindex: 11, dst: VTEP, mac: RMAC, state: K.NUD_NOARP, flags: K.NTF_EXT_LEARNED }],
    fdb: [{ family: 'bridge', ifindex: 12, mac: RMAC, dst: VTEP, state: K.NUD_NOARP, flags: K.NTF_EXT_LEARNED }],
  };
}

describe('evpnFaults', () => {
  it('is empty when every route through a remote VTEP has its router-MAC neighbour and FDB entry', () => {
    expect(evpnFaults(l3, healthy())).toEqual([]);
  });

  it('names VNI and VTEP when the router-MAC neighbour is gone or INCOMPLETE (FRR 8.4 after a redundant session flap)', () => {
    const gone = healthy();
    gone.neighbours = [];
    expect(evpnFaults(l3, gone)).toEqual([{ vni: 100, vrf: 'red', vtep: VTEP, missing: 'router-mac', routes: 1 }]);
    const incomplete = healthy();
    incomplete.neighbours = [{ family: 4, ifindex: 11, dst: VTEP, state: K.NUD_INCOMPLETE, flags: 0 }];
    expect(evpnFaults(l3, incomplete)).toMatchObject([{ missing: 'router-mac' }]);
  });

  it('names the missing FDB entry (router MAC → VTEP on the VXLAN device)', () => {
    const o = healthy();
    o.fdb = [{ ...o.fdb[0]!, dst: '100.65.0.9' }];
    expect(evpnFaults(l3, o)).toEqual([{ vni: 100, vrf: 'red', vtep: VTEP, missing: 'fdb', routes: 1 }]);
  });

  it('checks every path of an ECMP route and IPv6 routes through an IPv4 VTEP (::ffff:a.b.c.d)', () => {
    const o = healthy();
    const v6: RouteInfo = { table: TABLE, family: 6, dst: '2001:db8::1/128', gateway: `::ffff:${VTEP}`, oif: 11, protocol: 186, type: 1 };
    const ecmp: RouteInfo = {
      table: TABLE,
      family: 4,
      dst: '10.100.9.0/24',
      nexthops: [
        { gateway: VTEP, oif: 11 },
        { gateway: '100.65.0.3', oif: 11 },
      ],
      protocol: 186,
      type: 1,
    };
    o.routes.push(v6, ecmp);
    const faults = evpnFaults(l3, o);
    // ::ffff:VTEP has no IPv6 neighbour: a fault on the same VTEP as the IPv4 route; .3 has nothing.
    expect(faults).toEqual([
      { vni: 100, vrf: 'red', vtep: VTEP, missing: 'router-mac', routes: 3 },
      { vni: 100, vrf: 'red', vtep: '100.65.0.3', missing: 'router-mac', routes: 1 },
    ]);
    o.neighbours.push(
      { family: 6, ifindex: 11, dst: `::ffff:${VTEP}`, mac: RMAC, state: K.NUD_NOARP, flags: K.NTF_EXT_LEARNED },
      { family: 4, ifindex: 11, dst: '100.65.0.3', mac: '02:aa:00:00:00:03', state: K.NUD_NOARP, flags: K.NTF_EXT_LEARNED },
    );
    o.fdb.push({ family: 'bridge', ifindex: 12, mac: '02:aa:00:00:00:03', dst: '100.65.0.3', state: K.NUD_NOARP, flags: 0 });
    expect(evpnFaults(l3, o)).toEqual([]);
  });

  it('ignores routes of other tables and devices, and VNIs whose devices do not exist (the kernel reconcile’s business)', () => {
    const o = healthy();
    o.neighbours = [];
    o.routes = o.routes.map((r) => ({ ...r, table: 254 }));
    expect(evpnFaults(l3, o)).toEqual([]);
    expect(evpnFaults([{ vni: 200, vrf: 'blue' }], healthy())).toEqual([]);
  });
});

describe('netlink decoding for the health check', () => {
  it('decodes a neighbour and a VXLAN FDB entry', () => {
    const ndmsg = (af: number, ifindex: number, state: number, flags: number, attrs: Buffer[]): Buffer => {
      const h = Buffer.alloc(12);
      h.writeUInt8(af, 0);
      h.writeInt32LE(ifindex, 4);
      h.writeUInt16LE(state, 8);
      h.writeUInt8(flags, 10);
      return Buffer.concat([h, ...attrs]);
    };
    const attr = (type: number, v: Buffer): Buffer => {
      const b = Buffer.alloc((4 + v.length + 3) & ~3);
      b.writeUInt16LE(4 + v.length, 0);
      b.writeUInt16LE(type, 2);
      v.copy(b, 4);
      return b;
    };
    const ip = Buffer.from([100, 65, 0, 2]);
    const mac = Buffer.from([2, 0xaa, 0, 0, 0, 2]);
    expect(
      decodeNeigh(ndmsg(K.AF_INET, 11, K.NUD_NOARP, K.NTF_EXT_LEARNED, [attr(K.NDA_DST, ip), attr(K.NDA_LLADDR, mac)])),
    ).toEqual<NeighInfo>({
      family: 4,
      ifindex: 11,
      state: K.NUD_NOARP,
      flags: K.NTF_EXT_LEARNED,
      dst: VTEP,
      mac: RMAC,
    });
    expect(decodeNeigh(ndmsg(K.AF_BRIDGE, 12, K.NUD_NOARP, 0, [attr(K.NDA_LLADDR, mac), attr(K.NDA_DST, ip)]))).toMatchObject({
      family: 'bridge',
      dst: VTEP,
      mac: RMAC,
    });
  });

  it('decodes the paths of a multipath route and the onlink flag', () => {
    const rtnh = (oif: number, gw: number[]): Buffer => {
      const b = Buffer.alloc(16);
      b.writeUInt16LE(16, 0);
      b.writeUInt8(K.RTNH_F_ONLINK, 2);
      b.writeInt32LE(oif, 4);
      b.writeUInt16LE(8, 8);
      b.writeUInt16LE(K.RTA_GATEWAY, 10);
      Buffer.from(gw).copy(b, 12);
      return b;
    };
    const mp = Buffer.concat([rtnh(11, [100, 65, 0, 2]), rtnh(11, [100, 65, 0, 3])]);
    const hdr = Buffer.alloc(12);
    hdr.writeUInt8(K.AF_INET, 0);
    hdr.writeUInt8(32, 1);
    hdr.writeUInt8(0, 4);
    const mpAttr = Buffer.alloc(4 + mp.length);
    mpAttr.writeUInt16LE(4 + mp.length, 0);
    mpAttr.writeUInt16LE(K.RTA_MULTIPATH, 2);
    mp.copy(mpAttr, 4);
    const table = Buffer.alloc(8);
    table.writeUInt16LE(8, 0);
    table.writeUInt16LE(K.RTA_TABLE, 2);
    table.writeUInt32LE(TABLE, 4);
    expect(decodeRoute(Buffer.concat([hdr, table, mpAttr]))?.nexthops).toEqual([
      { oif: 11, onlink: true, gateway: VTEP },
      { oif: 11, onlink: true, gateway: '100.65.0.3' },
    ]);
  });
});

describe('EVPN repair policy and commands', () => {
  it('confirms, climbs the ladder with backoff, is bounded and resets when healthy', () => {
    const p = new EvpnRepairPolicy({
      steps: ['resync-vni', 'restart-frr'],
      confirmMs: 1000,
      maxAttempts: 3,
      backoff: { initialMs: 2000, maxMs: 8000 },
    });
    const f = [{ vni: 100, vrf: 'red', vtep: VTEP, missing: 'router-mac' as const, routes: 1 }];
    expect(p.decide(f, 0)).toEqual({ action: 'none', why: 'confirming' });
    expect(p.decide(f, 1000)).toEqual({ action: 'repair', step: 'resync-vni', attempt: 1 });
    expect(p.decide(f, 2000)).toEqual({ action: 'none', why: 'waiting' });
    expect(p.decide(f, 3000)).toEqual({ action: 'repair', step: 'restart-frr', attempt: 2 });
    expect(p.decide(f, 6000)).toEqual({ action: 'none', why: 'waiting' });
    expect(p.decide(f, 7000)).toEqual({ action: 'repair', step: 'restart-frr', attempt: 3 });
    expect(p.decide(f, 100_000)).toEqual({ action: 'none', why: 'gave-up' });
    expect(p.decide([], 100_001)).toEqual({ action: 'none', why: 'healthy' });
    expect(p.decide(f, 100_002)).toEqual({ action: 'none', why: 'confirming' });
    expect(p.decide(f, 101_002)).toMatchObject({ action: 'repair', step: 'resync-vni' });
  });

  it('re-sync takes each VNI off its VRF in zebra and puts it back, in two calls', () => {
    expect(evpnRepairCommands([...l3, { vni: 200, vrf: 'blue' }])).toEqual([
      ['configure terminal', 'vrf red', 'no vni 100', 'exit-vrf', 'vrf blue', 'no vni 200', 'exit-vrf', 'end'],
      ['configure terminal', 'vrf red', 'vni 100', 'exit-vrf', 'vrf blue', 'vni 200', 'exit-vrf', 'end'],
    ]);
  });
});
