// The FRR-crash phase of fabric-faults (issue 10 item 4): node1's FRR daemons SIGKILLed and
// started again 2 s later as packaged FRR does, under the 10 ms ping, with the timeline of
// where the outage goes: the FRR logs of node1's router namespace, of leaf1 (BGP debug
// switched on for this phase) and of node1's host speaker, the kernel's route and neighbour
// changes on both PEs, and the ping's replies, all on one clock.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { ping, sh, sleep, waitFor } from '../harness/fabric.js';
import { FABRIC_FRR_ROOT, HAS_MGMTD, killFrr, logFile, startNodeFrr, vtysh, vtyshJson } from '../harness/frr.js';
import { readStatus, type PerouterdNode } from '../harness/perouterd.js';
import { log, measure } from '../harness/results.js';
import { ContinuousPing } from '../harness/evpn.js';
import {
  eventsOf,
  formatTimeline,
  frrLogEvents,
  KernelMonitor,
  monitorTime,
  type LineRule,
  type TimelineEvent,
} from '../harness/timeline.js';
import { svc } from '../fixtures/two-nodes.js';

export interface FaultFigures {
  lostPackets: number;
  /** ms from the fault until the last lost packet (0: none lost). */
  recoveryMs: number;
  windows: string;
}

export type UnderPing = (name: string, fault: () => Promise<void>, settleMs: number, p?: ContinuousPing) => Promise<FaultFigures>;

const NODE1 = '192.168.11.3';
/**
 * Packets the 10 ms ping may lose, per FRR line, above every run the lab measured (2026-12-02,
 * UML on a shared 2-core machine): 548 and 549 on 8.4, 652 and 593 on 10.3 with the route-map
 * delay-timer, up to 951 and 896 before it. The outage is the leaves' (FRR before 10.6 keeps
 * no EVPN route of a restarting peer, see the README), so it spans the whole restart, and
 * the daemons' start inside UML (4.5-12 s, with the load) is most of it.
 */
const LOSS_BOUND: Record<'8' | '10', number> = { '8': 1000, '10': 1100 };

/**
 * With leaves that keep EVPN routes as GR helpers (LAB_LEAF_FRR=10.7): issue 10's ≤ 1 s, 100
 * packets of the 10 ms ping. Measured 2026-12-02: 19 and 21 on 8.4, 0 on 10.3; what is lost is
 * FRR issue 22623 (End-of-RIB to the leaves before the host speaker's routes are re-imported).
 */
const GR_LEAVES_LOSS_BOUND: Record<'8' | '10', number> = { '8': 100, '10': 100 };

/**
 * The same when node1's bgpd reset its leaf sessions once after the start (`Cease/BFD Down`, a
 * hard reset: the helpers flush node1's routes). That is FRR's BFD re-registration race (bgpd
 * registers a BFD session before it knows its interface and re-registers it at Established;
 * docs/kernel-lab.md), seen in about one run of three: 127 packets in one, against 16-28 without.
 * The check names it, so a loss above GR_LEAVES_LOSS_BOUND without it still fails.
 */
const GR_LEAVES_BFD_RESET_BOUND = 500;

const adjChange: LineRule = (l) => {
  const m = /%ADJCHANGE: neighbor (\S+?)(?:\(\S*\))? in vrf (\S+) (Up|Down)/.exec(l);
  return m ? `session ${m[1]} (vrf ${m[2]}) ${m[3] === 'Up' ? 'Established' : 'down'}` : undefined;
};
const notification: LineRule = (l) => {
  // FRR 10 writes `%NOTIFICATION(Hard Reset): sent to …` for an RFC 8538 hard reset.
  const m = /%NOTIFICATION(?:\([^)]*\))?: (sent to|received from) neighbor (\S+?)(?:\(\S*\))? .*?\((.+?)\)/.exec(l);
  return m ? `NOTIFICATION ${m[1]} ${m[2]}: ${m[3]}` : undefined;
};

/** leaf1, the GR helper, with `debug bgp neighbor-events` and `debug bgp updates`. */
const LEAF_RULES: LineRule[] = [
  adjChange,
  notification,
  (l) => (l.includes(NODE1) && /Peer has restarted/.test(l) ? "node1's OPEN: restarting (R bit)" : undefined),
  (l) =>
    /(\S+) Address family (.+?) is( not)? ?preserved/.exec(l)?.[1]?.startsWith(NODE1)
      ? `node1's GR capability lists ${/Address family (.+?) is/.exec(l)![1]}`
      : undefined,
  (l) => {
    const m = /rcvd End-of-RIB for (.+?) from (\S+)/.exec(l);
    return m?.[2]?.startsWith(NODE1) ? `End-of-RIB ${m[1]} from node1` : undefined;
  },
  (l) => (l.includes(NODE1) && /rcvd/.test(l) && l.includes('[5]') ? 'type-5 route received from node1' : undefined),
  (l) => (/[Ss]tale|graceful restart|GR\]/.test(l) ? 'graceful-restart helper at work (stale marking, timers)' : undefined),
  (l) => (/withdr|MP_UNREACH|unreachable/i.test(l) ? 'withdrawals sent on' : undefined),
];

/** node1's router namespace: its daemons' own (informational) logs. */
const PE_BGP_RULES: LineRule[] = [
  (l) => (/BGPd .* starting/.test(l) ? 'bgpd starting' : undefined),
  adjChange,
  notification,
  (l) =>
    /End-of-RIB|[Dd]eferral|update-delay|select/.test(l) ? `bgpd: ${l.replace(/^.*?: (\[[\w-]+\] )?/, '').slice(0, 100)}` : undefined,
];
const ZEBRA_RULES: LineRule[] = [
  (l) => (/Zebra .* starting|zebra .* starting/i.test(l) ? 'zebra starting' : undefined),
  (l) => (/client .*bgp|bgp.*client/i.test(l) ? 'bgpd connects to zebra' : undefined),
];
const BFD_RULES: LineRule[] = [
  (l) => {
    const m = /state-change.*peer:(\S+).*? (\w+) -> (\w+)/.exec(l);
    return m ? `BFD ${m[1]} ${m[2]} -> ${m[3]}` : undefined;
  },
];

/** A kernel monitor's lines: VRF red's route to `prefix`, and the router-MAC neighbours on br-pe-100. */
function kernelRules(who: string, prefix: string): LineRule[] {
  return [
    (l) => (l.includes(`${prefix} `) ? `${who}: route to ${prefix} ${/\] Deleted /.test(l) ? 'deleted' : 'installed'}` : undefined),
    (l) =>
      /dev br-pe-100 /.test(l) && !/ route/.test(l)
        ? `${who}: router-MAC neighbour on br-pe-100 ${/\] Deleted /.test(l) ? 'deleted' : 'added/changed'}`
        : undefined,
  ];
}

/** The ping's outage from its own timestamps: the widest gap between replies after `fromMs`. */
function pingEvents(p: ContinuousPing, fromMs: number): TimelineEvent[] {
  const r = p.replies().filter((x) => x.atMs >= fromMs - 1000);
  let best: [{ seq: number; atMs: number }, { seq: number; atMs: number }] | undefined;
  for (let i = 1; i < r.length; i++)
    if (r[i]!.seq - r[i - 1]!.seq > 1 && (!best || r[i]!.atMs - r[i - 1]!.atMs > best[1].atMs - best[0].atMs)) best = [r[i - 1]!, r[i]!];
  if (!best) return [];
  return [
    { atMs: best[0].atMs, source: 'ping', what: 'last reply before the outage' },
    { atMs: best[1].atMs, source: 'ping', what: `replies again (${best[1].seq - best[0].seq - 1} requests unanswered)` },
  ];
}

/** A log file with millisecond timestamps (the command line's --log target has none). */
const traceLog = (ns: string): string => `/var/log/frr/${ns}-trace.log`;

/** BGP debugging on leaf1, and millisecond logs of leaf1 and node1's host speaker. */
async function traceOn(): Promise<void> {
  for (const ns of ['leaf1', 'node1'])
    await vtysh(ns, ['configure terminal', 'log timestamp precision 3', `log file ${traceLog(ns)} debugging`]);
  await vtysh('leaf1', ['debug bgp neighbor-events', 'debug bgp updates', 'debug bgp graceful-restart']);
}

/** Every object under `v` (FRR's JSON nests paths in arrays of arrays). */
function* objects(v: unknown): Generator<Record<string, unknown>> {
  if (Array.isArray(v)) for (const x of v) yield* objects(x);
  else if (v && typeof v === 'object') {
    yield v as Record<string, unknown>;
    for (const x of Object.values(v)) yield* objects(x);
  }
}

/**
 * What the fabric keeps of node1 while its FRR is down: leaf1's EVPN type-5 paths learned
 * from node1 (and how many are stale: a graceful-restart helper keeping them), and whether
 * pe2's kernel still routes to node1's red prefix.
 */
async function keptDuringRestart(): Promise<{ paths: number; stale: number; pe2Route: boolean }> {
  const j = await vtyshJson('leaf1', 'show bgp l2vpn evpn route type prefix').catch(() => ({}));
  const fromNode1 = [...objects(j)].filter((o) => 'valid' in o || 'stale' in o).filter((o) => JSON.stringify(o).includes(`"${NODE1}"`));
  const route = await sh('ip', ['-n', 'pe2', 'route', 'show', 'vrf', 'red', `${svc(1).red}`]).catch(() => '');
  return { paths: fromNode1.length, stale: fromNode1.filter((o) => o['stale'] === true).length, pe2Route: route.trim() !== '' };
}

/**
 * FRR 10.3's own failure of a restart's boot load, seen once in CI: zebra refuses the `vni`
 * line (`libyang Invalid type uint32 value`), mgmtd fails the commit (`Backend daemon
 * disconnected while processing commit!`) and keeps its candidate lock for good, so no
 * configuration reaches FRR until it restarts (README, "An FRR that does not answer"). When
 * mgmtd's log shows it, the phase checks perouterd's answer instead of the loss bound.
 */
const BOOT_LOAD_FAILED = /Backend daemon disconnected while processing commit/;
/** How long red may take to come back then: two pushes of 30 s, FRR's restart and its load. */
const BOOT_LOAD_FAILED_RECOVERY_MS = 240_000;

/** What mgmtd of pe1 logged after byte `from` (FRR 10; '' without mgmtd). */
function mgmtdLogSince(from: number): string {
  const f = logFile('pe1', 'mgmtd');
  return HAS_MGMTD && existsSync(f) ? readFileSync(f).subarray(from).toString('utf8') : '';
}

const mgmtdLogSize = (): number => {
  const f = logFile('pe1', 'mgmtd');
  return HAS_MGMTD && existsSync(f) ? statSync(f).size : 0;
};

/** After FRR's boot-load failure: perouterd must restart FRR and red come back; the summary says how long it took. */
async function afterBootLoadFailure(n1: PerouterdNode, restartsBefore: number, f: FaultFigures): Promise<string> {
  log("FRR restart: pe1 mgmtd failed the boot load (Backend daemon disconnected while processing commit): FRR 10.3's bug");
  const t = Date.now();
  const red = (): Promise<boolean> =>
    ping('node1', svc(2).red, { source: svc(1).red, count: 2 }).then(
      () => true,
      () => false,
    );
  await waitFor(
    async () => (readStatus(n1)?.frr.restarts ?? 0) > restartsBefore && (await red()),
    BOOT_LOAD_FAILED_RECOVERY_MS,
    'perouterd restarting FRR and red back',
    2000,
  );
  measure('fault_frr_kill_boot_load_failed', { redBackMsAfterPhase: Date.now() - t, lostInPhase: f.lostPackets });
  return `${JSON.stringify(f)}; FRR's boot load failed (mgmtd kept its lock): perouterd restarted FRR, red back ${Date.now() - t} ms after the phase`;
}

/** The phase's check body: returns its summary, throws when a bound is broken. */
export async function frrCrash(
  n1: PerouterdNode,
  underPing: UnderPing,
  figures: Record<string, FaultFigures>,
  diag: () => Promise<void>,
): Promise<string> {
  const line = HAS_MGMTD ? '10' : '8';
  const leaves = FABRIC_FRR_ROOT ? 'FRR 10.7 leaves (EVPN GR helpers)' : `FRR ${line} leaves`;
  const reloadsBefore = readStatus(n1)?.frr.reloads;
  const restartsBefore = readStatus(n1)?.frr.restarts ?? 0;
  const mgmtdFrom = mgmtdLogSize();
  await traceOn();
  const nbr = await vtysh('leaf1', 'show bgp neighbors 192.168.11.3').catch(() => '');
  const gr = nbr.slice(nbr.indexOf('Graceful restart information'), nbr.indexOf('Message statistics')).trim();
  log(`leaf1's view of node1's graceful restart before the kill:\n${gr}`);
  const monitors = { pe1: new KernelMonitor('pe1'), pe2: new KernelMonitor('pe2') };
  const p = new ContinuousPing('node1', svc(2).red, { source: svc(1).red, intervalSec: 0.01, timestamps: true });
  const marks: TimelineEvent[] = [];
  const mark = (what: string): void => void marks.push({ atMs: Date.now(), source: 'scenario', what });
  let kept: Awaited<ReturnType<typeof keptDuringRestart>> | undefined;
  figures['frr-kill'] = await underPing(
    'frr_kill',
    async () => {
      mark('SIGKILL zebra, bfdd, bgpd (and staticd, mgmtd) of pe1');
      await killFrr('pe1');
      const killed = Date.now();
      // Looked at 1 s after the kill, alongside: inside UML the reads take up to seconds,
      // and the restart keeps to its 2 s.
      const looked = sleep(1000)
        .then(keptDuringRestart)
        .then((k) => {
          kept = k;
          mark(`leaf1 holds ${k.paths} type-5 paths from node1 (${k.stale} stale); pe2 route to node1 ${k.pe2Route ? 'kept' : 'gone'}`);
        });
      await sleep(Math.max(0, 2000 - (Date.now() - killed)));
      mark('start as packaged: daemons empty, then vtysh -b');
      await startNodeFrr('pe1');
      mark('daemons started and frr.conf loaded (vtysh -b returned)');
      await looked;
    },
    25_000,
    p,
  );
  const t0 = marks[0]!.atMs;
  const to = t0 + 27_000;
  const events = [
    ...marks,
    ...pingEvents(p, t0),
    ...frrLogEvents(traceLog('leaf1'), 'leaf1 bgpd', LEAF_RULES, t0 - 200, to),
    ...frrLogEvents(logFile('pe1', 'bgpd'), 'pe1 bgpd', PE_BGP_RULES, t0, to),
    ...frrLogEvents(logFile('pe1', 'zebra'), 'pe1 zebra', ZEBRA_RULES, t0, to),
    ...frrLogEvents(logFile('pe1', 'bfdd'), 'pe1 bfdd', BFD_RULES, t0, to),
    ...frrLogEvents(traceLog('node1'), 'node1 host speaker', [adjChange, notification], t0, to),
    ...eventsOf(monitors.pe2.stop(), monitorTime, 'pe2 kernel', kernelRules('pe2', `${svc(1).red}`), t0 - 200, to),
    ...eventsOf(monitors.pe1.stop(), monitorTime, 'pe1 kernel', kernelRules('pe1', `${svc(2).red}`), t0 - 200, to),
  ];
  const timeline = formatTimeline(t0, events);
  log(`FAULT frr_kill timeline (FRR ${line} nodes, ${leaves}, ms after the SIGKILL):\n${timeline}`);
  measure('fault_frr_kill_kept', kept);
  measure('fault_frr_kill_timeline', timeline.split('\n'));
  const f = figures['frr-kill']!;
  if (BOOT_LOAD_FAILED.test(mgmtdLogSince(mgmtdFrom))) return afterBootLoadFailure(n1, restartsBefore, f);
  await recoveredOrHowLate(diag);
  // FRR started from perouterd's frr.conf (vtysh -b) runs exactly that configuration:
  // perouterd notices the restart and pushes nothing.
  const reloads = (readStatus(n1)?.frr.reloads ?? 0) - (reloadsBefore ?? 0);
  measure('fault_frr_kill_reloads', reloads);
  if (reloads !== 0) throw new Error(`FRR restart: perouterd reloaded FRR ${reloads} time(s): frr.conf does not round-trip`);
  // Helpers that keep EVPN routes must hold node1's type-5 routes (stale) through the restart.
  if (FABRIC_FRR_ROOT && !kept?.stale)
    throw new Error(`FRR restart: the GR-helper leaves kept no stale type-5 route of node1: ${JSON.stringify(kept)}`);
  const bfdResets = events.filter((e) => e.source === 'pe1 bgpd' && /NOTIFICATION sent to .*Cease\/BFD Down/.test(e.what)).length;
  measure('fault_frr_kill_bfd_resets', bfdResets);
  const grBound = bfdResets > 0 ? GR_LEAVES_BFD_RESET_BOUND : GR_LEAVES_LOSS_BOUND[line];
  const bound = FABRIC_FRR_ROOT ? grBound : LOSS_BOUND[line];
  const why = bfdResets > 0 ? `, after ${bfdResets} BFD reset(s) of node1's sessions (FRR's re-registration race)` : '';
  if (f.lostPackets > bound) throw new Error(`FRR restart: ${f.lostPackets} packets lost (bound ${bound} on FRR ${line}, ${leaves}${why})`);
  return `${JSON.stringify(f)}; ${leaves}; BFD resets ${bfdResets}; during the restart ${JSON.stringify(kept)}`;
}

/**
 * The ping after the phase: when red is still down, wait (bounded) for it to come back and
 * fail saying how late it was, so that the following faults run on a working overlay and a
 * slow recovery is told apart from an overlay lost for good (the diagnostics say why).
 */
async function recoveredOrHowLate(diag: () => Promise<void>): Promise<void> {
  const red = (): Promise<boolean> =>
    ping('node1', svc(2).red, { source: svc(1).red, count: 2 }).then(
      () => true,
      () => false,
    );
  if (await red()) return;
  const t = Date.now();
  await diag().catch(() => undefined); // while it is down
  const back = await waitFor(red, 90_000, 'red back', 1000).then(
    () => true,
    () => false,
  );
  measure('fault_frr_kill_late_recovery_ms', back ? Date.now() - t : -1);
  throw new Error(
    back
      ? `FRR restart: red still down at the end of the phase, back ${Date.now() - t} ms later`
      : 'FRR restart: red still down at the end of the phase and 90 s later',
  );
}
