// The bridge refresher on the real kernel and FRR (issue 13): a VM on L2VNI 110
// that stays silent past the neighbour ageing keeps its EVPN type-2 MAC+IP route
// and stays reachable from node2 while perouterd refreshes; with the refresher
// switched off (perouterd restarted with --bridge-refresh-ms 0) the kernel drops
// the entry and zebra withdraws the route. Phases of the l2vni scenario (no extra
// boot), run last: the off phase leaves vm1 without its route.
//
// Ageing shortened for the lab, on pe1 only (the node of the silent VM):
//   br-pe-110: base_reachable_time 4 s (REACHABLE for 2-6 s), delay_first_probe_time
//   1 s (below reachable_time, else the kernel re-probes a confirmed entry by itself),
//   gc_stale_time 12 s; the kernel-wide table: gc_thresh1 0 (below it the kernel
//   never collects STALE entries) and its GC every 1 s (default base_reachable_time
//   2 s). An entry is then dropped 12-13 s after its last confirmation; the
//   refresher (every 2 s here) catches it STALE within 8 s.
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { check, measure } from '../harness/results.js';
import { ping, run, sh, waitFor } from '../harness/fabric.js';
import { readStatus, startPerouterd, waitForReconcile, type PerouterdNode, type PerouterdProcess } from '../harness/perouterd.js';
import { evpnRoutes, nexthopsOf, withDiag } from '../harness/evpn.js';

export const REFRESH_MS = '2000';
const SILENT_MS = 30_000;
const GC_STALE_S = 12;

interface Silent {
  node1: PerouterdNode;
  /** procs[0] is node1's perouterd; replaced when it is restarted. */
  procs: PerouterdProcess[];
  diag: () => Promise<void>;
  vm: { ns: string; ip: string; mac: string };
  gateway: string;
  vtep: string;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** The type-2 MAC+IP route of the VM via its VTEP, as node2's PE holds it (undefined: withdrawn). */
async function routeAtPe2(s: Silent): Promise<string | undefined> {
  const rs = await evpnRoutes('pe2', 'macip');
  const r = rs.find((x) => x.key.toLowerCase().endsWith(`[48]:[${s.vm.mac}]:[32]:[${s.vm.ip}]`));
  return r && nexthopsOf([r]).includes(s.vtep) ? r.key : undefined;
}

/** pe1's entry for the VM on br-pe-110 ('' when there is none). */
const entryAtPe1 = async (s: Silent): Promise<string> =>
  (await sh('ip', ['-n', 'pe1', 'neigh', 'show', s.vm.ip, 'dev', 'br-pe-110'])).trim();

async function shortenAgeing(): Promise<void> {
  await sh('sysctl', ['-qw', 'net.ipv4.neigh.default.gc_thresh1=0', 'net.ipv4.neigh.default.base_reachable_time_ms=2000']);
  const dev = 'net.ipv4.neigh.br-pe-110';
  await sh('ip', [
    ...['netns', 'exec', 'pe1', 'sysctl', '-qw'],
    `${dev}.base_reachable_time_ms=4000`,
    `${dev}.delay_first_probe_time=1`,
    `${dev}.gc_stale_time=${GC_STALE_S}`,
  ]);
}

/** node1's bridge refresher as its status.json shows it. */
const refresherOf = (s: Silent): Record<string, unknown> | undefined =>
  (readStatus(s.node1) as { bridgeRefresh?: Record<string, unknown> } | undefined)?.bridgeRefresh;

/** node1's perouterd log lines of the refresher (the last few), for a failure message. */
const refresherLog = (s: Silent): string =>
  readFileSync(s.node1.logFile, 'utf8')
    .split('\n')
    .filter((l) => l.includes('bridge-refresh'))
    .slice(-4)
    .join(' | ');

/**
 * The VM talks once (to its gateway), then nothing; its route must be there before the silence
 * counts. pe1's entry is dropped first, so that it is learnt again under the shortened ageing
 * (a timer already running keeps the period it started with).
 */
async function talkOnce(s: Silent): Promise<number> {
  await run('ip', ['-n', 'pe1', 'neigh', 'del', s.vm.ip, 'dev', 'br-pe-110'], { allowFail: true });
  await ping(s.vm.ns, s.gateway, { count: 1 });
  const t = Date.now();
  await waitFor(() => routeAtPe2(s), 20_000, `pe2: type-2 ${s.vm.mac}/${s.vm.ip} via ${s.vtep}`, 500);
  return t;
}

export async function silentHostPhases(s: Silent): Promise<void> {
  await check(
    'bridge refresher: a VM silent for 30 s (over twice the shortened neighbour ageing) keeps its type-2 MAC+IP route at node2’s PE and answers node2',
    withDiag(s.diag, async () => {
      await shortenAgeing();
      const t0 = await talkOnce(s);
      const before = Number(refresherOf(s)?.refreshes ?? 0);
      // What pe1's entry went through, one sample a second: `<s> <state>`.
      const timeline: string[] = [];
      while (Date.now() - t0 < SILENT_MS) {
        const entry = await entryAtPe1(s);
        timeline.push(`${Math.round((Date.now() - t0) / 1000)} ${entry.split(' ').pop() || 'none'}`);
        if (!(await routeAtPe2(s)))
          throw new Error(
            `type-2 route withdrawn ${Date.now() - t0} ms into the silence; pe1 entry: "${entry}"; timeline: ${timeline.join(', ')}; node1 refresher: ${JSON.stringify(refresherOf(s))}; its log: ${refresherLog(s)}`,
          );
        await sleep(1000);
      }
      const refresher = refresherOf(s);
      const refreshes = Number(refresher?.refreshes ?? 0) - before;
      if (refreshes < 1)
        throw new Error(`the refresher re-confirmed nothing: ${JSON.stringify(refresher)}; timeline: ${timeline.join(', ')}`);
      const p = await ping('node2', s.vm.ip, { source: '10.100.2.1', count: 2 });
      const states = [...new Set(timeline.map((t) => t.split(' ')[1]))];
      measure('silent_on', {
        silentMs: Date.now() - t0,
        refreshes,
        pe1States: states,
        timeline,
        gcStaleS: GC_STALE_S,
        refreshMs: Number(REFRESH_MS),
      });
      return `route held ${SILENT_MS / 1000} s; pe1 entry seen ${states.join('/')}; ${refreshes} re-confirmations; node2 → ${s.vm.ip}: ${p}`;
    }),
  );

  await check(
    'bridge refresher off (perouterd restarted with --bridge-refresh-ms 0): the silent VM’s entry is dropped and its type-2 route withdrawn',
    withDiag(s.diag, async () => {
      await s.procs[0]!.stop();
      rmSync(join(s.node1.stateDir, 'status.json'), { force: true });
      s.procs[0] = startPerouterd(s.node1, ['--bridge-refresh-ms', '0']);
      await waitForReconcile(s.node1, 0, 60_000);
      const t0 = await talkOnce(s);
      await waitFor(async () => !(await routeAtPe2(s)), 40_000, `pe2: type-2 ${s.vm.ip} withdrawn`, 500);
      const withdrawnMs = Date.now() - t0;
      const entry = await entryAtPe1(s);
      // The first packets from node2 find no route: pe2 resolves the VM on its own bridge, and the
      // VM's answer goes to the anycast gateway MAC, i.e. pe1 (arp_accept there re-learns it).
      const r = await run('ip', ['netns', 'exec', 'node2', 'ping', '-n', '-c', '1', '-W', '1', '-I', '10.100.2.1', s.vm.ip], {
        allowFail: true,
      });
      measure('silent_off', { withdrawnAfterMs: withdrawnMs, pe1Entry: entry, firstPingFromNode2: r.code === 0 ? 'answered' : 'lost' });
      return `withdrawn ${withdrawnMs} ms after the VM's last packet; pe1 entry now "${entry}"; first ping from node2 ${r.code === 0 ? 'answered' : 'lost'}`;
    }),
  );
}
