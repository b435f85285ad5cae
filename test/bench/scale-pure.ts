// The pure path of a reconcile at scale, in process: read + validate + plan +
// render + kernel diff + FRR comparison, against a kernel and an FRR that
// already hold the configuration (a no-op resync). Floor: reading the files.
// pureNoop builds from scratch (what `render` does); pureCached runs the daemon's
// path through its caches (BuildCache), the no-op (a resync: every file looked at) and +1 VNI
// (a file event's: only the file the directory watch named, src/config/dir-changes.ts).
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { ChangeFeed } from '../../src/config/dir-changes.js';
import { CONCLUSIVE_NS } from '../../src/config/file-cache.js';
import { BuildCache, buildDesiredState, buildDesiredStateAsync, type DesiredState } from '../../src/daemon/desired-state.js';
import { diffKernel, type DataplaneOp, type ObservedState } from '../../src/dataplane/diff.js';
import { indexDesired, scopeSteps, vrfTablesAfter, vrfTablesOf, type AppliedKernel } from '../../src/dataplane/kernel-scope.js';
import { observeScoped, type LinkLookup } from '../../src/dataplane/observe-scoped.js';
import type { AddrInfo } from '../../src/dataplane/netlink/index.js';
import type { KernelPlan } from '../../src/plan/kernel-plan.js';
import { runSync } from '../../src/util/steps.js';
import { frrDelta, parseFrrConfig } from '../../src/frr/frr-config.js';
import { applyToFake, emptyObserved } from '../unit/fake-kernel.js';
import { addVni, type GeneratedConfig } from './scale-config.js';

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

export function desired(cfg: GeneratedConfig): DesiredState {
  const r = buildDesiredState({ configDir: cfg.configDir, nodeConfigPath: cfg.nodeConfigPath });
  if (!r.ok) throw new Error(`generated config rejected: ${r.reason} ${r.problems.map((p) => p.message).join('; ')}`);
  return r.desired;
}

/** A fake kernel holding `d` already (what a resync observes). */
export function observedFor(d: DesiredState): ObservedState {
  const s = emptyObserved();
  s.host.links.push({ index: 2, name: 'toswitch', kind: undefined, up: true, mtu: 1500, group: 0 } as never);
  applyToFake(s, diffKernel(d.kernel, s));
  return s;
}

/** What the fake kernel answers to lookups by name and index (built outside the timed part: the kernel's work). */
export function indexedLookup(observed: ObservedState): LinkLookup {
  const by = (r: 'host' | 'router') => ({
    name: new Map(observed[r].links.map((l) => [l.name, l])),
    index: new Map(observed[r].links.map((l) => [l.index, l])),
    addrs: observed[r].addrs.reduce((m, a) => m.set(a.index, [...(m.get(a.index) ?? []), a]), new Map<number, AddrInfo[]>()),
  });
  const m = { host: by('host'), router: by('router') };
  return {
    link: async (r, key) => (typeof key === 'number' ? m[r].index.get(key) : m[r].name.get(key)),
    addresses: async (r, index) => m[r].addrs.get(index) ?? [],
  };
}

/** The kernel as the last clean apply of `plan` left it (the daemon's trusted view). */
export const appliedKernel = (plan: KernelPlan, observed: ObservedState): AppliedKernel => ({
  plan,
  desired: runSync(indexDesired(plan)),
  vrfTables: vrfTablesOf(observed.router.links),
});

/** The daemon's kernel side of a change (kernel-tracker.ts): scope against the last applied plan, look up, diff. */
export async function scopedDiff(
  applied: AppliedKernel,
  plan: KernelPlan,
  lookup: LinkLookup,
): Promise<{ ops: DataplaneOp[]; applied: AppliedKernel }> {
  const d = runSync(scopeSteps(applied, plan));
  if (d.kind !== 'scoped') throw new Error(`scoped diff not taken: ${d.why}`);
  const seen = await observeScoped(lookup, d.scope.fetch);
  const ops = diffKernel({ ...plan, links: d.scope.links, sysctls: [] }, seen, d.scope);
  return { ops, applied: { plan, desired: d.scope.index(), vrfTables: vrfTablesAfter(applied.vrfTables, ops) } };
}

export interface PureFigures {
  /** Whole no-op reconcile (blocking, synchronous): ms. */
  noopMs: number;
  /** Its parts. */
  buildMs: number;
  diffMs: number;
  frrMs: number;
  /** Reading the files, nothing else. */
  floorMs: number;
}

export function pureNoop(cfg: GeneratedConfig, rounds = 3): PureFigures {
  const d0 = desired(cfg);
  const observed = observedFor(d0);
  const running = d0.frrConfig; // FRR prints back what was rendered (host test frr-incremental)
  const all: PureFigures[] = [];
  for (let i = 0; i < rounds + 1; i++) {
    const t0 = performance.now();
    const d = desired(cfg);
    const t1 = performance.now();
    const ops = diffKernel(d.kernel, observed);
    const t2 = performance.now();
    const delta = frrDelta(parseFrrConfig(running), parseFrrConfig(d.frrConfig));
    const t3 = performance.now();
    if (ops.length !== 0 || delta.lines.length !== 0)
      throw new Error(`no-op reconcile found ${ops.length} kernel ops, ${delta.lines.length} FRR lines`);
    const f0 = performance.now();
    for (const f of readdirSync(cfg.configDir)) readFileSync(path.join(cfg.configDir, f));
    readFileSync(cfg.nodeConfigPath);
    const floorMs = performance.now() - f0;
    if (i > 0) all.push({ noopMs: t3 - t0, buildMs: t1 - t0, diffMs: t2 - t1, frrMs: t3 - t2, floorMs }); // first round warms up
  }
  const m = (k: keyof PureFigures): number => median(all.map((x) => x[k]));
  return { noopMs: m('noopMs'), buildMs: m('buildMs'), diffMs: m('diffMs'), frrMs: m('frrMs'), floorMs: m('floorMs') };
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Idle time before each measured build (see pureCached). */
const BUILD_IDLE_MS = 50;

/**
 * Process CPU time (user + system, all threads) in ms: the 2-core machine is shared, and what
 * perouterd spends is its CPU, not the wall time other jobs stretch.
 */
function cpuNow(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

/** The daemon's pure path through its caches: the build (BuildCache), the kernel diff, the FRR delta. */
export interface CachedFigures {
  /** All figures are CPU time (cpuNow). No-op reconcile: the cached build (nothing changed), the kernel diff, frr.conf compared as text (ms). */
  noopMs: number;
  noopBuildMs: number;
  noopDiffMs: number;
  /** +1 VNI: the cached build with one file more, the kernel diff (scoped: kernel-scope.ts), FRR's delta (from the renderer's parse of the new frr.conf). */
  plusOneMs: number;
  plusOneBuildMs: number;
  plusOneDiffMs: number;
  plusOneFrrMs: number;
  /** Reading the one file added (the floor of +1). */
  plusOneFloorMs: number;
  /** The resync's drift check's comparison (the whole frr.conf against FRR's, parsed): kept on purpose. */
  driftCompareMs: number;
  /** Longest event-loop block seen while the daemon's builds ran (ms; the bench's diffs run at once, the daemon's in chunks). */
  worstBlockMs: number;
}

/** No-op and +1 VNI (`rounds` of each) on `cfg` (N VNIs), the way the daemon runs them. */
export async function pureCached(cfg: GeneratedConfig, n: number, rounds = 3): Promise<CachedFigures> {
  const src = { configDir: cfg.configDir, nodeConfigPath: cfg.nodeConfigPath };
  const cache = new BuildCache();
  // What the daemon's watch tells the build: the directory watched, then the names of changed files.
  const feed = new ChangeFeed();
  const record = feed.record();
  feed.watching(statSync(cfg.configDir));
  const build = async (named?: string): Promise<DesiredState> => {
    if (named === undefined)
      feed.lost(); // a resync: the whole directory
    else feed.changed(named);
    const r = await buildDesiredStateAsync(src, undefined, cache, record.take());
    if (!r.ok) throw new Error(`generated config rejected: ${r.reason}`);
    return r.desired;
  };
  await sleep(Number(CONCLUSIVE_NS / 1_000_000n) + 100); // files as old as in a running node: trusted by identity
  let d = await build();
  const observed = observedFor(d);
  let applied = appliedKernel(d.kernel, observed);
  let running = parseFrrConfig(d.frrConfig);
  let accepted = d.frrConfig;
  const h = monitorEventLoopDelay({ resolution: 1 });
  const noop: number[][] = [];
  const plus: number[][] = [];
  const drift: number[] = [];
  // The worst block is taken per build from a histogram reset first: a histogram enabled
  // again counts the time it was off as one delay, and that was the bench's own synchronous
  // work between builds (its full kernel diff and FRR parse: 106-165 ms at 4000; with a 50 ms
  // pause instead, 55 ms at N=10). Each build starts after a short pause, as the daemon's do
  // (a file event or the resync timer after idle time).
  const idle = (): Promise<void> => sleep(BUILD_IDLE_MS);
  let worst = 0;
  for (let i = 0; i < rounds + 1; i++) {
    await idle();
    h.reset();
    h.enable();
    const t0 = cpuNow();
    const same = await build();
    const t1 = cpuNow();
    h.disable();
    worst = Math.max(worst, h.max);
    const ops = diffKernel(same.kernel, observed);
    const t2 = cpuNow();
    const frrChanged = same.frrConfig !== accepted; // FrrPush.changed: text against the last accepted
    const t3 = cpuNow();
    if (ops.length !== 0 || frrChanged) throw new Error(`no-op reconcile found ${ops.length} kernel ops, FRR changed: ${frrChanged}`);
    const d0 = cpuNow();
    frrDelta(running, parseFrrConfig(same.frrConfig));
    drift.push(cpuNow() - d0);
    // +1: one file more, built through the same cache; FRR's delta as the reloader computes it.
    addVni(cfg.configDir, n + i);
    const added = path.join(cfg.configDir, readdirSync(cfg.configDir).sort().at(-1)!);
    await idle();
    h.reset();
    h.enable();
    const p0 = cpuNow();
    d = await build(path.basename(added));
    const p1 = cpuNow();
    h.disable();
    worst = Math.max(worst, h.max);
    const lookup = indexedLookup(observed);
    const p1k = cpuNow();
    const scoped = await scopedDiff(applied, d.kernel, lookup); // the daemon's +1: what changed, looked up
    const plusOps = scoped.ops;
    applied = scoped.applied;
    const p2 = cpuNow();
    const want = d.frrTree; // the renderer's parse, what the reloader takes
    const delta = frrDelta(running, want);
    const p3 = cpuNow();
    const f0 = cpuNow();
    readFileSync(added);
    const floor = cpuNow() - f0;
    if (plusOps.length === 0 || delta.lines.length === 0) throw new Error('+1 VNI changed nothing');
    applyToFake(observed, plusOps);
    running = want;
    accepted = d.frrConfig;
    if (i > 0) {
      noop.push([t3 - t0, t1 - t0, t2 - t1]);
      plus.push([p3 - p0 - (p1k - p1), p1 - p0, p2 - p1k, p3 - p2, floor]);
    }
  }
  const med = (rows: number[][], k: number): number => median(rows.map((r) => r[k]!));
  return {
    noopMs: med(noop, 0),
    noopBuildMs: med(noop, 1),
    noopDiffMs: med(noop, 2),
    plusOneMs: med(plus, 0),
    plusOneBuildMs: med(plus, 1),
    plusOneDiffMs: med(plus, 2),
    plusOneFrrMs: med(plus, 3),
    plusOneFloorMs: med(plus, 4),
    driftCompareMs: median(drift),
    worstBlockMs: worst / 1e6,
  };
}
