// The rtnetlink event subscription and the neighbour/FDB writes of the EVPN patch on
// the real host kernel, in a throw-away namespace: a router-MAC neighbour on a bridge
// and an FDB entry on a VXLAN device, written and deleted through our own codec, are
// announced to a subscriber in that namespace (and not to one in another); a queue
// overflow while the event loop is busy is reported as an overrun and reading goes on.
// Needs root; skipped otherwise. `ip` only builds the scene and looks.
import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as K from '../../src/dataplane/netlink/constants.js';
import {
  createNamedNetns,
  deleteNamedNetns,
  openRtNetlink,
  subscribeRtNetlink,
  type LinkInfo,
  type RtEvent,
  type RtNetlink,
  type RtSubscription,
} from '../../src/dataplane/netlink/index.js';

const isRoot = process.getuid?.() === 0;
const tag = `${process.pid.toString(36)}${Math.random().toString(36).slice(2, 5)}`;
const NS = `nle-${tag}`;
const OTHER = `nle-${tag}-o`;
const VTEP = '100.65.0.2';
const RMAC = '0a:8d:86:56:0f:9c';

const ip = (ns: string, args: string): string => execFileSync('ip', ['-n', ns, ...args.split(' ')], { encoding: 'utf8' });
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe.skipIf(!isRoot)('rtnetlink events on the host kernel', () => {
  let rt: RtNetlink;
  let br: LinkInfo;
  let vx: LinkInfo;
  const subs: RtSubscription[] = [];

  function subscribe(ns: string, testRcvBuf?: number): { events: RtEvent[]; overruns: string[]; sub: RtSubscription } {
    const events: RtEvent[] = [];
    const overruns: string[] = [];
    const sub = subscribeRtNetlink(
      { netnsPath: ns, groups: ['neigh', 'ipv4-route'], ...(testRcvBuf ? { testRcvBuf } : {}) },
      { event: (e) => events.push(e), overrun: (w) => overruns.push(w) },
    );
    subs.push(sub);
    return { events, overruns, sub };
  }
  async function until(what: string, ok: () => boolean, ms = 5000): Promise<void> {
    for (const t0 = Date.now(); Date.now() - t0 < ms; await sleep(20)) if (ok()) return;
    throw new Error(`timed out: ${what}`);
  }

  beforeAll(async () => {
    createNamedNetns(NS);
    createNamedNetns(OTHER);
    ip(NS, 'link add br-pe-100 type bridge');
    ip(NS, 'link add vni100 type vxlan id 100 local 100.65.0.1 dstport 4789 nolearning');
    ip(NS, 'link set vni100 master br-pe-100 up');
    ip(NS, 'link set br-pe-100 up');
    rt = openRtNetlink({ netnsPath: NS });
    br = (await rt.getLink('br-pe-100'))!;
    vx = (await rt.getLink('vni100'))!;
  }, 60_000); // creating a namespace waits for rtnl_lock, held for seconds by any namespace being torn down

  afterAll(() => {
    for (const s of subs) s.close();
    rt?.close();
    for (const ns of [NS, OTHER]) deleteNamedNetns(ns);
  });

  it('announces the router-MAC neighbour and the FDB entry perouterd writes and deletes, in its namespace only', async () => {
    const here = subscribe(NS);
    const there = subscribe(OTHER);
    const neigh = { family: 4 as const, ifindex: br.index, dst: VTEP, mac: RMAC, state: K.NUD_NOARP };
    const fdb = {
      family: 'bridge' as const,
      ifindex: vx.index,
      dst: VTEP,
      mac: RMAC,
      state: K.NUD_REACHABLE | K.NUD_NOARP,
      flags: K.NTF_SELF,
    };
    await rt.replaceNeighbour(neigh);
    await rt.replaceNeighbour(fdb);
    expect(await rt.dumpNeighbours(4)).toContainEqual(
      expect.objectContaining({ ifindex: br.index, dst: VTEP, mac: RMAC, state: K.NUD_NOARP }),
    );
    expect(execFileSync('bridge', ['-n', NS, 'fdb', 'show', 'dev', 'vni100'], { encoding: 'utf8' })).toContain(`${RMAC} dst ${VTEP} self`);
    await rt.replaceNeighbour(neigh); // idempotent
    await until('both additions seen', () => here.events.filter((e) => !e.deleted).length >= 2);
    expect(here.events).toContainEqual({
      kind: 'neigh',
      deleted: false,
      neigh: expect.objectContaining({ family: 4, ifindex: br.index, dst: VTEP, mac: RMAC }),
    });
    expect(here.events).toContainEqual({
      kind: 'neigh',
      deleted: false,
      neigh: expect.objectContaining({ family: 'bridge', ifindex: vx.index, dst: VTEP, mac: RMAC }),
    });

    const t0 = Date.now();
    ip(NS, `neigh del ${VTEP} dev br-pe-100`);
    await until('neighbour delete seen', () => here.events.some((e) => e.kind === 'neigh' && e.deleted && e.neigh.family === 4));
    expect(Date.now() - t0).toBeLessThan(1000); // event-driven, not a poll
    await rt.deleteNeighbour(fdb);
    await rt.deleteNeighbour(fdb); // ENOENT is success
    await until('FDB delete seen', () => here.events.some((e) => e.kind === 'neigh' && e.deleted && e.neigh.family === 'bridge'));
    expect(there.events).toEqual([]);
    expect(here.overruns).toEqual([]);
  });

  it('reports an overrun (ENOBUFS) when events pile up while the event loop is busy, and keeps reading', async () => {
    const s = subscribe(NS, 4096);
    await sleep(50); // the reader waits in recv()
    const batch = Array.from(
      { length: 200 },
      (_, i) => `neigh replace 10.9.${i >> 8}.${i & 255} lladdr 02:00:00:00:00:01 dev br-pe-100 nud noarp`,
    );
    execFileSync('ip', ['-n', NS, '-batch', '-'], { input: batch.join('\n') });
    await until('overrun reported', () => s.overruns.length > 0);
    expect(s.overruns[0]).toMatch(/ENOBUFS/);
    const before = s.events.length;
    ip(NS, `neigh replace 10.9.9.9 lladdr 02:00:00:00:00:02 dev br-pe-100 nud noarp`);
    await until('events again after the overrun', () =>
      s.events.slice(before).some((e) => e.kind === 'neigh' && e.neigh.dst === '10.9.9.9'),
    );
  });
});
