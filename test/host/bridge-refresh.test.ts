// The bridge refresher's kernel mechanics on the real host kernel, in throw-away
// namespaces: a STALE entry on br-pe-<vni> that perouterd asks the kernel to
// re-confirm (RTM_NEWNEIGH NTF_USE) is probed by unicast ARP and comes back
// REACHABLE while the host lives; a gone host's entry ends FAILED (then
// dropped); nothing is ever created. Needs root; skipped otherwise. `ip` only
// builds the scene and makes the host talk once.
import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NetlinkDataplane } from '../../src/dataplane/dataplane.js';
import { refreshStaleNeighbours } from '../../src/dataplane/router-neighbours.js';
import * as K from '../../src/dataplane/netlink/constants.js';
import { createNamedNetns, deleteNamedNetns, writeSysctl } from '../../src/dataplane/netlink/index.js';

const isRoot = process.getuid?.() === 0;
const tag = `${process.pid.toString(36)}${Math.random().toString(36).slice(2, 5)}`;
const PE = `brr-${tag}`;
const VM = `brr-${tag}-vm`;
const VM_IP = '192.170.1.11';

const ip = (ns: string, args: string): string => execFileSync('ip', ['-n', ns, ...args.split(' ')], { encoding: 'utf8' });
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe.skipIf(!isRoot)('bridge refresher on the host kernel', () => {
  let dp: NetlinkDataplane;

  async function entry(): Promise<{ state: number } | undefined> {
    return (await dp.observeNeighbours()).neighbours.find((n) => n.dst === VM_IP);
  }
  async function until(what: string, ok: (e: { state: number } | undefined) => boolean, ms = 8000): Promise<void> {
    for (const t0 = Date.now(); Date.now() - t0 < ms; await sleep(100)) if (ok(await entry())) return;
    throw new Error(`${what}: entry is ${JSON.stringify(await entry())}`);
  }

  beforeAll(() => {
    createNamedNetns(PE);
    createNamedNetns(VM);
    ip(PE, 'link add br-pe-110 type bridge');
    ip(PE, `link add wl type veth peer name eth0 netns ${VM}`);
    ip(PE, 'link set wl master br-pe-110 up');
    ip(PE, 'addr add 192.170.1.1/24 dev br-pe-110');
    ip(PE, 'link set br-pe-110 up');
    ip(VM, `addr add ${VM_IP}/24 dev eth0`);
    ip(VM, 'link set eth0 up');
    // Short ageing so the test sees STALE within a second and probes at once (a delay
    // longer than reachable_time would keep a probed entry cycling REACHABLE/DELAY).
    for (const [k, v] of Object.entries({ base_reachable_time_ms: '300', delay_first_probe_time: '0', retrans_time_ms: '200' }))
      writeSysctl(PE, `net/ipv4/neigh/br-pe-110/${k}`, v);
    dp = new NetlinkDataplane(PE);
  });

  afterAll(() => {
    dp?.close();
    for (const ns of [PE, VM]) deleteNamedNetns(ns);
  });

  it('re-confirms a STALE entry of a live host (REACHABLE again) and of a gone one (FAILED)', async () => {
    execFileSync('ip', ['netns', 'exec', VM, 'ping', '-c', '1', '-W', '2', '192.170.1.1']);
    await until('STALE after the ping', (e) => e !== undefined && (e.state & K.NUD_STALE) !== 0);
    expect(await refreshStaleNeighbours(dp, [300])).toEqual({ refreshed: [], gone: 0, errors: [] }); // not an L2VNI of the plan
    const r = await refreshStaleNeighbours(dp, [110]);
    expect(r.errors).toEqual([]);
    expect(r.refreshed).toEqual([expect.stringMatching(new RegExp(`^br-pe-110 ${VM_IP} [0-9a-f:]{17}$`))]);
    expect((await entry())!.state & (K.NUD_DELAY | K.NUD_PROBE | K.NUD_REACHABLE)).not.toBe(0);
    await until('REACHABLE after the probe', (e) => e !== undefined && (e.state & K.NUD_REACHABLE) !== 0);

    // The host goes away: the probe gets no answer and the kernel gives the entry up.
    await until('STALE again', (e) => e !== undefined && (e.state & K.NUD_STALE) !== 0);
    ip(VM, 'link set eth0 down');
    expect((await refreshStaleNeighbours(dp, [110])).refreshed).toHaveLength(1);
    await until('FAILED or gone after unanswered probes', (e) => e === undefined || (e.state & K.NUD_FAILED) !== 0);
  });

  it('never creates an entry: NTF_USE on an address without one is ENOENT, reported as gone', async () => {
    const br = (await dp.observeNeighbours()).links.find((l) => l.name === 'br-pe-110')!;
    expect(await dp.useNeighbour(br.index, '192.170.1.99')).toBe(false);
    expect((await dp.observeNeighbours()).neighbours.some((n) => n.dst === '192.170.1.99')).toBe(false);
  });
});
