// The bridge refresher: which ARP/ND entries on which L2VNI bridges the kernel is
// asked to re-confirm (pure), the NTF_USE request it sends, and the daemon's timer
// around it (counts, busy reconciles, errors). The kernel side: test/host/bridge-refresh.test.ts.
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { leaveAlone, staleNeighbours, type NeighbourObservation } from '../../src/dataplane/bridge-refresh.js';
import { encodeNeighUse } from '../../src/dataplane/netlink/codec.js';
import * as K from '../../src/dataplane/netlink/constants.js';
import type { LinkInfo, NeighInfo } from '../../src/dataplane/netlink/index.js';
import { BridgeRefresher } from '../../src/daemon/bridge-refresher.js';
import type { NeighbourRefreshReport } from '../../src/dataplane/bridge-refresh.js';

const link = (index: number, name: string): LinkInfo => ({ index, name, up: true, mtu: 1500, group: 0 });
const neigh = (ifindex: number, dst: string, state: number, extra: Partial<NeighInfo> = {}): NeighInfo => ({
  family: dst.includes(':') ? 6 : 4,
  ifindex,
  dst,
  mac: '02:00:00:01:10:11',
  state,
  flags: 0,
  ...extra,
});

/** br-pe-110 (idx 11, L2VNI), br-pe-300 (idx 30, L2VNI), br-pe-100 (idx 10, an L3VNI's), eth1 (idx 2). */
const obs = (neighbours: NeighInfo[]): NeighbourObservation => ({
  links: [link(2, 'eth1'), link(10, 'br-pe-100'), link(11, 'br-pe-110'), link(30, 'br-pe-300')],
  neighbours,
});

describe('staleNeighbours', () => {
  it('picks the STALE entries with MAC and IP, IPv4 and IPv6, on the bridges of the L2VNIs applied', () => {
    const o = obs([
      neigh(11, '192.170.1.11', K.NUD_STALE),
      neigh(11, 'fd00:110::11', K.NUD_STALE),
      neigh(30, '192.171.0.11', K.NUD_STALE, { mac: '02:00:00:03:00:11' }),
      neigh(10, '192.170.9.9', K.NUD_STALE), // an L3VNI's bridge
      neigh(2, '192.168.11.2', K.NUD_STALE), // the underlay
    ]);
    expect(staleNeighbours([110, 300], o)).toEqual([
      { vni: 110, bridge: 'br-pe-110', ifindex: 11, ip: '192.170.1.11', mac: '02:00:00:01:10:11' },
      { vni: 110, bridge: 'br-pe-110', ifindex: 11, ip: 'fd00:110::11', mac: '02:00:00:01:10:11' },
      { vni: 300, bridge: 'br-pe-300', ifindex: 30, ip: '192.171.0.11', mac: '02:00:00:03:00:11' },
    ]);
    expect(staleNeighbours([110], o).map((r) => r.vni)).toEqual([110, 110]);
    expect(staleNeighbours([], o)).toEqual([]);
    expect(staleNeighbours([120], o)).toEqual([]); // its bridge is not there (yet): the reconcile's business
  });

  it('leaves alone what the kernel is already confirming, what makes no type-2 route and zebra’s own entries', () => {
    const cases: Array<[NeighInfo, string]> = [
      [neigh(11, '192.170.1.11', K.NUD_REACHABLE), 'not stale'],
      [neigh(11, '192.170.1.11', K.NUD_DELAY), 'not stale'],
      [neigh(11, '192.170.1.11', K.NUD_PROBE), 'not stale'],
      [neigh(11, '192.170.1.11', K.NUD_FAILED), 'not stale'],
      [neigh(11, '192.170.1.11', K.NUD_NOARP, { flags: K.NTF_EXT_LEARNED }), 'not stale'],
      [neigh(11, '192.170.1.11', K.NUD_PERMANENT), 'not stale'],
      [neigh(11, '192.170.1.11', K.NUD_STALE, { mac: undefined }), 'no MAC or IP: no type-2 route'],
      [neigh(11, '192.170.1.11', K.NUD_STALE, { flags: K.NTF_EXT_LEARNED }), 'installed by zebra'],
      [neigh(11, 'fe80::1', K.NUD_STALE), 'link-local'],
      [neigh(11, '169.254.1.1', K.NUD_STALE), 'link-local'],
    ];
    for (const [n, why] of cases) expect(leaveAlone(n), JSON.stringify(n)).toBe(why);
    expect(staleNeighbours([110], obs(cases.map(([n]) => n)))).toEqual([]);
  });
});

describe('encodeNeighUse', () => {
  it('is an ndmsg with NTF_USE, no state, the device and NDA_DST only (no address, so nothing else changes)', () => {
    const b = encodeNeighUse(11, '192.170.1.11');
    expect(b.readUInt8(0)).toBe(K.AF_INET);
    expect(b.readInt32LE(4)).toBe(11);
    expect(b.readUInt16LE(8)).toBe(0);
    expect(b.readUInt8(10)).toBe(K.NTF_USE);
    expect(b.subarray(K.NDMSG_LEN)).toEqual(Buffer.from([8, 0, K.NDA_DST, 0, 192, 170, 1, 11]));
    const v6 = encodeNeighUse(11, 'fd00::11');
    expect(v6.readUInt8(0)).toBe(K.AF_INET6);
    expect(v6.length).toBe(K.NDMSG_LEN + 20);
  });
});

describe('BridgeRefresher', () => {
  const log = pino({ level: 'silent' });
  function rig(report: NeighbourRefreshReport | Error, o: { vnis?: number[]; busy?: boolean } = {}) {
    const rounds: number[][] = [];
    const changes: number[] = [];
    const r = new BridgeRefresher({
      kernel: {
        refreshStaleNeighbours: async (v) => {
          rounds.push(v);
          if (report instanceof Error) throw report;
          return report;
        },
      },
      l2vnis: () => o.vnis ?? [110],
      busy: () => o.busy ?? false,
      changed: () => changes.push(1),
      log,
      now: () => Date.UTC(2026, 11, 2),
    });
    return { r, rounds, changes };
  }

  it('asks for the L2VNIs applied and counts what was re-confirmed and what had gone', async () => {
    const { r, rounds, changes } = rig({ refreshed: ['br-pe-110 192.170.1.11 02:00:00:01:10:11'], gone: 1, errors: [] });
    await r.tick();
    await r.tick();
    expect(rounds).toEqual([[110], [110]]);
    expect(changes).toHaveLength(2); // status written again after each round that re-confirmed something
    expect(r.status).toEqual({ intervalMs: 0, rounds: 2, refreshes: 2, gone: 2, lastRefreshAt: '2026-12-02T00:00:00.000Z' });
  });

  it('does nothing without L2VNIs or while a reconcile runs', async () => {
    for (const o of [{ vnis: [] }, { busy: true }]) {
      const { r, rounds } = rig({ refreshed: [], gone: 0, errors: [] }, o);
      await r.tick();
      expect(rounds).toEqual([]);
    }
  });

  it('keeps the last failure in status until a clean round', async () => {
    const failing = rig(new Error('EPERM'));
    await failing.r.tick();
    expect(failing.r.status.lastError).toBe('EPERM');
    const refused = rig({ refreshed: [], gone: 0, errors: ['br-pe-110 192.170.1.11: RTM_NEWNEIGH: EINVAL'] });
    await refused.r.tick();
    expect(refused.r.status.lastError).toMatch(/EINVAL/);
    expect(refused.r.status.refreshes).toBe(0);
  });

  it('starts only with a period above 0 (0 = switched off) and reports the period', () => {
    const off = rig({ refreshed: [], gone: 0, errors: [] });
    off.r.start(0);
    expect(off.r.status.intervalMs).toBe(0);
    const on = rig({ refreshed: [], gone: 0, errors: [] });
    on.r.start(30_000);
    expect(on.r.status.intervalMs).toBe(30_000);
    on.r.stop();
  });
});
