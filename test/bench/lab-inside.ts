// The lab mode of `npm run bench`, INSIDE User-Mode Linux (started by lab-bench.ts): real
// VRFs and real FRR. For each N of BENCH_SIZES (N L3VNIs + N/10 L2VNIs, scale-config.ts):
//   perouterd: its dataplane (netlink, zebra readiness) and its FRR path (is FRR running,
//              dry run, apply) as the daemon runs them: cold apply, no-op (kernel diff +
//              the resync's FRR drift check), +1 VNI, -1 VNI;
//   floor:     in fresh namespaces with a fresh FRR, one `ip -batch` per namespace of the
//              same kernel objects (lab-floor.ts) and one `vtysh -f` of the same FRR lines.
// Every figure goes to the results as { n, what, ms, floorMs }.
import { writeFileSync, rmSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { NetlinkDataplane, reconcileKernel } from '../../src/dataplane/dataplane.js';
import { frrDelta, parseFrrConfig } from '../../src/frr/frr-config.js';
import { FrrReloader, frrPaths } from '../../src/frr/reloader.js';
import { ZebraReadinessCheck } from '../../src/frr/zebra-readiness.js';
import type { KernelPlan } from '../../src/plan/kernel-plan.js';
import { ipBatch, run } from '../lab/harness/fabric.js';
import { confDir, startFrr, stopFrr, type FrrDaemon } from '../lab/harness/frr.js';
import { log, measure, runScenario } from '../lab/harness/results.js';
import { addVni, writeConfig } from './scale-config.js';
import { withoutErrors } from './kernel-report.js';
import { desired } from './scale-pure.js';
import { addedLinks, ipCreateLines, ipDeleteLines, ipPlanLines } from './lab-floor.js';

const sizes = (process.env.BENCH_SIZES ?? '10,100').split(',').map(Number);
const DAEMONS: FrrDaemon[] = ['zebra', 'bgpd', 'staticd'];

export interface LabRow {
  n: number;
  what: string;
  ms: number;
  floorMs?: number;
  note?: string;
}
const rows: LabRow[] = [];
const row = (r: LabRow): void => {
  rows.push(r);
};
const LONG = { timeoutMs: 3_600_000 };

async function timed<T>(fn: () => Promise<T>): Promise<[T, number]> {
  const t = performance.now();
  const v = await fn();
  return [v, performance.now() - t];
}

async function pair(tag: string): Promise<{ host: string; router: string }> {
  const p = { host: `bh${tag}`, router: `br${tag}` };
  await run('ip', ['netns', 'add', p.host]);
  await ipBatch(p.host, ['link set lo up', 'link add toswitch type dummy', 'link set toswitch up']);
  return p;
}

async function drop(p: { host: string; router: string }): Promise<void> {
  await stopFrr(p.router).catch(() => undefined);
  for (const ns of [p.router, p.host]) await run('ip', ['netns', 'del', ns], LONG).catch(() => undefined);
}

interface Sizes {
  kN: KernelPlan;
  kN1: KernelPlan;
  cN: string;
  cN1: string;
}

/** perouterd: the dataplane and the FRR path of the daemon, cold, no-op, +1, -1. */
async function perouterd(n: number, s: Sizes): Promise<Record<string, number>> {
  const p = await pair(`p${n}`);
  const zebra = new ZebraReadinessCheck({ pathspace: p.router });
  const dp = new NetlinkDataplane(p.router, { hostNetns: p.host, zebra });
  const reloader = new FrrReloader(frrPaths(p.router), { log: (m, e) => log(`frr: ${m} ${JSON.stringify(e ?? {})}`) });
  const frr = async (config: string, want: string[]): Promise<number> => {
    const [r, ms] = await timed(async () => {
      if (!(await reloader.isRunning())) throw new Error('FRR is not running');
      const err = await reloader.check(config);
      if (err) throw new Error(err);
      return reloader.apply(config);
    });
    if (!want.includes(r.outcome)) throw new Error(`FRR apply: ${JSON.stringify(r).slice(0, 400)}`);
    return ms;
  };
  try {
    dp.ensureRouterNamespace();
    await startFrr(p.router, { daemons: DAEMONS });
    await reloader.apply('frr defaults datacenter\n'); // what FRR runs before perouterd's first apply
    const [, kCold] = await timed(async () => withoutErrors(await reconcileKernel(dp, s.kN), 'cold'));
    const fCold = await frr(s.cN, ['applied']);
    const [again, kNoop] = await timed(() => reconcileKernel(dp, s.kN));
    if (again.writes !== 0) throw new Error(`no-op made ${again.writes} kernel writes`);
    const [noop, fNoop] = await timed(() => reloader.apply(s.cN, { verify: true }));
    if (noop.outcome !== 'unchanged') throw new Error(`no-op FRR: ${JSON.stringify(noop).slice(0, 300)}`);
    const [, kUp] = await timed(async () => withoutErrors(await reconcileKernel(dp, s.kN1), '+1'));
    const fUp = await frr(s.cN1, ['applied']);
    const fDown = await frr(s.cN, ['applied']);
    const [, kDown] = await timed(async () => withoutErrors(await reconcileKernel(dp, s.kN), '-1'));
    return { kCold, fCold, kNoop, fNoop, kUp, fUp, kDown, fDown };
  } finally {
    dp.close();
    await drop(p);
  }
}

/** The floor: ip -batch of the same objects, one vtysh -f of the same lines, fresh namespaces and FRR. */
async function floor(n: number, s: Sizes): Promise<Record<string, number>> {
  const p = await pair(`f${n}`);
  const names = p;
  const vtyshFile = async (name: string, lines: string): Promise<number> => {
    const f = `${confDir(p.router)}/${name}`;
    writeFileSync(f, lines);
    const [r, ms] = await timed(() => run('vtysh', ['-N', p.router, '-f', f], { timeoutMs: 3_600_000 }));
    if (r.code !== 0) throw new Error(`vtysh -f ${name}: ${r.stderr.slice(0, 300)}`);
    return ms;
  };
  const batches = async (l: { hostFirst?: string[]; router: string[]; host: string[] }): Promise<number> => {
    const [, ms] = await timed(async () => {
      await ipBatch(p.host, l.hostFirst ?? [], LONG);
      await ipBatch(p.router, l.router, LONG);
      await ipBatch(p.host, l.host, LONG);
    });
    return ms;
  };
  try {
    await run('ip', ['netns', 'add', p.router]);
    await startFrr(p.router, { daemons: DAEMONS });
    const up = frrDelta(parseFrrConfig(s.cN), parseFrrConfig(s.cN1)).lines.join('\n') + '\n';
    const down = frrDelta(parseFrrConfig(s.cN1), parseFrrConfig(s.cN)).lines.join('\n') + '\n';
    const extra = addedLinks(s.kN, s.kN1);
    const kCold = await batches(ipPlanLines(s.kN, names));
    const fCold = await vtyshFile('floor-cold.conf', s.cN);
    const kUp = await batches(ipCreateLines(extra, names, 9000));
    const fUp = await vtyshFile('floor-up.conf', up);
    const fDown = await vtyshFile('floor-down.conf', down);
    const kDown = await batches({ router: ipDeleteLines(extra), host: [] });
    return { kCold, fCold, kUp, fUp, kDown, fDown };
  } finally {
    await drop(p);
  }
}

async function size(n: number): Promise<void> {
  const cfg = writeConfig(n);
  const dN = desired(cfg);
  addVni(cfg.configDir, n);
  const dN1 = desired(cfg);
  rmSync(cfg.dir, { recursive: true, force: true });
  const s: Sizes = { kN: dN.kernel, kN1: dN1.kernel, cN: dN.frrConfig, cN1: dN1.frrConfig };
  log(`N=${n}: ${s.kN.links.length} links, ${s.cN.split('\n').length} FRR lines`);
  const f = await floor(n, s);
  log(`N=${n} floor ${JSON.stringify(f)}`);
  const m = await perouterd(n, s);
  log(`N=${n} perouterd ${JSON.stringify(m)}`);
  row({ n, what: 'kernel: cold create', ms: m.kCold!, floorMs: f.kCold! });
  row({ n, what: 'kernel: +1 VNI', ms: m.kUp!, floorMs: f.kUp! });
  row({ n, what: 'kernel: -1 VNI', ms: m.kDown!, floorMs: f.kDown! });
  row({ n, what: 'kernel: no-op (dumps + diff)', ms: m.kNoop! });
  row({ n, what: 'frr: cold load', ms: m.fCold!, floorMs: f.fCold! });
  row({ n, what: 'frr: +1 VNI', ms: m.fUp!, floorMs: f.fUp! });
  row({ n, what: 'frr: -1 VNI', ms: m.fDown!, floorMs: f.fDown! });
  row({ n, what: 'frr: resync drift check (read, compare)', ms: m.fNoop! });
  row({ n, what: 'cold apply end to end', ms: m.kCold! + m.fCold!, floorMs: f.kCold! + f.fCold! });
  row({ n, what: '+1 VNI end to end', ms: m.kUp! + m.fUp!, floorMs: f.kUp! + f.fUp! });
  row({ n, what: '-1 VNI end to end', ms: m.kDown! + m.fDown!, floorMs: f.kDown! + f.fDown! });
  measure('rows', rows);
}

runScenario(async () => {
  for (const n of sizes) await size(n);
});
