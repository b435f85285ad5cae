// The EVPN patch decision (pure) and the kernel-event filter in front of the check:
// what perouterd writes when zebra lost a remote VTEP's router MAC, when it gives
// it back to zebra and when it deletes its own entries.
import { describe, expect, it } from 'vitest';
import { evpnDevices, evpnEventReason, type EvpnObservation } from '../../src/dataplane/evpn-health.js';
import { planEvpnPatch, type HeldPatch } from '../../src/dataplane/evpn-patch.js';
import * as K from '../../src/dataplane/netlink/constants.js';
import type { NeighInfo } from '../../src/dataplane/netlink/index.js';
import { link, RMAC, VTEP } from '../fixtures/evpn.js';

const KEY = `100/${VTEP}`;
const l3vnis = [{ vni: 100, vrf: 'red' }];
const zebraNeigh = (dst = VTEP, mac = RMAC): NeighInfo => ({
  family: dst.includes(':') ? 6 : 4,
  ifindex: 11,
  dst,
  mac,
  state: K.NUD_NOARP,
  flags: K.NTF_EXT_LEARNED,
});
const zebraFdb = (mac = RMAC): NeighInfo => ({
  family: 'bridge',
  ifindex: 12,
  mac,
  dst: VTEP,
  state: K.NUD_REACHABLE | K.NUD_NOARP,
  flags: K.NTF_SELF,
});

/** red (table 1000), br-pe-100 (11), vni100 (12); routes via the VTEP; zebra's entries unless told otherwise. */
function observed(o: Partial<EvpnObservation> = {}, ipv6 = false): EvpnObservation {
  return {
    links: [
      link(10, 'red', { kind: 'vrf', vrf: { table: 1000 } }),
      link(11, 'br-pe-100', { kind: 'bridge' }),
      link(12, 'vni100', { kind: 'vxlan' }),
    ],
    routes: [
      { table: 1000, family: 4, dst: '10.100.2.1/32', gateway: VTEP, oif: 11, onlink: true, protocol: 186, type: 1 },
      ...(ipv6
        ? [
            {
              table: 1000,
              family: 6 as const,
              dst: 'fd00::2/128',
              gateway: `::ffff:${VTEP}`,
              oif: 11,
              onlink: true,
              protocol: 186,
              type: 1,
            },
          ]
        : []),
    ],
    neighbours: [zebraNeigh(), ...(ipv6 ? [zebraNeigh(`::ffff:${VTEP}`)] : [])],
    fdb: [zebraFdb()],
    ...o,
  };
}
const plan = (o: EvpnObservation, known = new Map<string, string>(), held = new Map<string, HeldPatch>(), enabled = true) =>
  planEvpnPatch({ l3vnis, observed: o, known, held, enabled });
const heldPatch = (mac = RMAC): Map<string, HeldPatch> => new Map([[KEY, { vni: 100, vrf: 'red', vtep: VTEP, mac, gateways: [VTEP] }]]);

describe('planEvpnPatch', () => {
  it('learns the router MAC from a healthy observation and writes nothing', () => {
    const p = plan(observed());
    expect(p.known).toEqual(new Map([[KEY, RMAC]]));
    expect([p.write, p.remove, p.fixes, [...p.held]]).toEqual([[], [], [], []]);
  });

  it('puts back the neighbour (NUD_PERMANENT on br-pe) and FDB entry (self on vni) zebra lost while a route still uses the VTEP', () => {
    const lost = observed({ neighbours: [{ family: 4, ifindex: 11, dst: VTEP, state: K.NUD_INCOMPLETE, flags: 0 }], fdb: [] });
    const p = plan(lost, new Map([[KEY, RMAC]]));
    expect(p.write.map((w) => w.entry)).toEqual([
      { family: 4, ifindex: 11, dst: VTEP, mac: RMAC, state: K.NUD_PERMANENT },
      { family: 'bridge', ifindex: 12, dst: VTEP, mac: RMAC, state: K.NUD_PERMANENT, flags: K.NTF_SELF },
    ]);
    expect(p.fixes).toEqual([KEY]);
    expect(p.held.get(KEY)).toEqual({ vni: 100, vrf: 'red', vtep: VTEP, mac: RMAC, gateways: [VTEP] });
  });

  it('writes a neighbour for each gateway of the VTEP (IPv6 routes use ::ffff:<vtep>)', () => {
    const p = plan(observed({ neighbours: [], fdb: [] }, true), new Map([[KEY, RMAC]]));
    expect(p.write.map((w) => [w.entry.family, w.entry.dst])).toEqual([
      [4, VTEP],
      [6, `::ffff:${VTEP}`],
      ['bridge', VTEP],
    ]);
  });

  it('takes the MAC of the neighbour zebra kept when only the FDB entry is lost', () => {
    const p = plan(observed({ fdb: [] }), new Map([[KEY, '02:bb:00:00:00:09']]));
    expect(p.write.map((w) => w.entry)).toEqual([
      { family: 'bridge', ifindex: 12, dst: VTEP, mac: RMAC, state: K.NUD_PERMANENT, flags: K.NTF_SELF },
    ]);
  });

  it('writes nothing for a VTEP never seen healthy, or when switched off (but learns)', () => {
    expect(plan(observed({ neighbours: [], fdb: [] })).write).toEqual([]);
    const off = plan(observed({ neighbours: [], fdb: [] }), new Map([[KEY, RMAC]]), new Map(), false);
    expect([off.write, off.fixes]).toEqual([[], []]);
    expect(plan(observed(), new Map(), new Map(), false).known.get(KEY)).toBe(RMAC);
  });

  it("keeps holding while its own entries are in place, and releases the VTEP once zebra's are back", () => {
    const mine = observed({
      neighbours: [{ ...zebraNeigh(), state: K.NUD_PERMANENT, flags: 0 }],
      fdb: [{ ...zebraFdb(), state: K.NUD_PERMANENT }],
    });
    const kept = plan(mine, new Map([[KEY, RMAC]]), heldPatch());
    expect([kept.write, kept.remove, kept.released, [...kept.held.keys()]]).toEqual([[], [], [], [KEY]]);
    const back = plan(observed(), new Map([[KEY, RMAC]]), heldPatch());
    expect([back.remove, back.released, [...back.held.keys()]]).toEqual([[], [KEY], []]);
  });

  it('deletes its stale FDB entry when zebra comes back with another router MAC', () => {
    const o = observed({
      neighbours: [zebraNeigh(VTEP, '02:cc:00:00:00:03')],
      fdb: [zebraFdb('02:cc:00:00:00:03'), { ...zebraFdb(), state: K.NUD_PERMANENT }],
    });
    const p = plan(o, new Map(), heldPatch());
    expect(p.remove.map((r) => r.entry)).toEqual([
      { family: 'bridge', ifindex: 12, dst: VTEP, mac: RMAC, state: K.NUD_PERMANENT, flags: K.NTF_SELF },
    ]);
  });

  it('deletes its own entries (never zebra-s) once no route of the VRF uses the VTEP', () => {
    const o = observed({ routes: [], neighbours: [{ ...zebraNeigh(), state: K.NUD_PERMANENT, flags: 0 }], fdb: [zebraFdb()] });
    const p = plan(o, new Map([[KEY, RMAC]]), heldPatch());
    expect(p.remove.map((r) => r.entry)).toEqual([{ family: 4, ifindex: 11, dst: VTEP }]);
    expect(p.held.size).toBe(0);
  });
});

describe('evpnEventReason', () => {
  const d = evpnDevices(l3vnis, observed().links);
  const neigh = (deleted: boolean, n: Partial<NeighInfo>) => ({ kind: 'neigh' as const, deleted, neigh: { ...zebraNeigh(), ...n } });
  it('wakes the check for a lost neighbour on an L3VNI bridge or a lost FDB entry on its VXLAN device', () => {
    expect(evpnEventReason(neigh(true, {}), d)).toBe(`neighbour ${VTEP} deleted`);
    expect(evpnEventReason(neigh(false, { state: K.NUD_INCOMPLETE }), d)).toBe(`neighbour ${VTEP} unresolved`);
    expect(evpnEventReason({ kind: 'neigh', deleted: true, neigh: zebraFdb() }, d)).toBe(`FDB entry ${RMAC} dst ${VTEP} deleted`);
    expect(evpnEventReason(neigh(true, { ifindex: 99 }), undefined)).toBeDefined(); // nothing observed yet
  });
  it('ignores additions, other devices and routes', () => {
    expect(evpnEventReason(neigh(false, {}), d)).toBeUndefined();
    expect(evpnEventReason(neigh(true, { ifindex: 99 }), d)).toBeUndefined();
    expect(evpnEventReason({ kind: 'neigh', deleted: true, neigh: { ...zebraFdb(), ifindex: 99 } }, d)).toBeUndefined();
    expect(evpnEventReason({ kind: 'neigh', deleted: false, neigh: zebraFdb() }, d)).toBeUndefined();
    const { dst: _local, ...bridgeEntry } = zebraFdb(); // the bridge's own entry on the port: no VTEP
    expect(evpnEventReason({ kind: 'neigh', deleted: true, neigh: bridgeEntry }, d)).toBeUndefined();
    const route = { table: 1000, family: 4 as const, dst: '10.0.0.0/8', protocol: 186, type: 1 };
    expect(evpnEventReason({ kind: 'route', deleted: true, route }, d)).toBeUndefined();
  });
});
