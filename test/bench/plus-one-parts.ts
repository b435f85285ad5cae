// Where +1 VNI's time goes at N, phase by phase, the way the daemon's cached build runs it
// for a file event (the settle digests and the load through the file cache, both limited to
// the files the directory watch named; incremental validation, plan, render, kernel plan),
// then the kernel diff and FRR's delta (from the tree the renderer hands over with the text); CPU ms of each of rounds 2-6, and the longest stretch
// between two pauses of each phase. `load, full scan` is the same load looking at every file
// (what a resync does; the load before the watch was used), `3 full digests` the same for the
// digests. Not part of `npm run bench`; run as
//   tsc -p tsconfig.lab.json && ln -sfn ../schemas build/schemas && node build/test/bench/plus-one-parts.js [N]
// PROF=1 writes a CPU profile of rounds 2-6 to ./plus-one.cpuprofile.
import { rmSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { performance } from 'node:perf_hooks';
import { pino } from 'pino';
import { ChangeFeed, type FileEventSink } from '../../src/config/dir-changes.js';
import { CONCLUSIVE_NS } from '../../src/config/file-cache.js';
import { emptyRouterConfig } from '../../src/config/model.js';
import { BuildCache, loadSourcesAsync } from '../../src/daemon/desired-state.js';
import { FileSources } from '../../src/daemon/sources.js';
import { ConfigWatch } from '../../src/daemon/triggers.js';
import { diffKernel } from '../../src/dataplane/diff.js';
import { frrDelta, parseFrrConfig } from '../../src/frr/frr-config.js';
import { renderFrrConfigSteps } from '../../src/frr/render.js';
import { planKernelSteps } from '../../src/plan/kernel-plan.js';
import { planRouterSteps } from '../../src/plan/router-plan.js';
import type { Steps } from '../../src/util/steps.js';
import { addVni, writeConfig } from './scale-config.js';
import { appliedKernel, desired, indexedLookup, observedFor, scopedDiff } from './scale-pure.js';

const cpu = (): number => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};
const times: Record<string, number[]> = {};
const longest: Record<string, number> = {};

/** Drains `steps` at once, noting the longest stretch between two pauses under `phase`. */
function drain<R>(phase: string, steps: Steps<R>): R {
  for (;;) {
    const t0 = performance.now();
    const s = steps.next();
    longest[phase] = Math.max(longest[phase] ?? 0, performance.now() - t0);
    if (s.done) return s.value;
  }
}

async function main(n: number): Promise<void> {
  const cfg = writeConfig(n);
  const src = { configDir: cfg.configDir, nodeConfigPath: cfg.nodeConfigPath };
  const cache = new BuildCache();
  // The watch feeds the load's record and the digest's (a FileSources used for its digest only).
  const feed = new ChangeFeed();
  const record = feed.record();
  const digests = new FileSources(src);
  const fullDigests = new FileSources(src); // never fed: every digest scans the whole directory
  const both: FileEventSink = {
    changed: (n) => (feed.changed(n), digests.events.changed(n)),
    lost: () => (feed.lost(), digests.events.lost()),
    watching: (d) => (feed.watching(d), digests.events.watching(d)),
  };
  const watch = new ConfigWatch({ ...src, debounceMs: 10 }, () => undefined, pino({ level: 'silent' }), both);
  watch.arm();
  await new Promise((r) => setTimeout(r, Number(CONCLUSIVE_NS / 1_000_000n) + 100)); // old files: trusted by identity
  const observed = observedFor(desired(cfg));
  let applied = appliedKernel(desired(cfg).kernel, observed);
  let running = parseFrrConfig(desired(cfg).frrConfig);
  const session = new Session();
  session.connect();
  if (process.env.PROF === '1') await session.post('Profiler.enable');
  await loadSourcesAsync(src, cache.files, record.take());
  await digests.digest();
  await fullDigests.digest();
  for (let i = 0; i < 6; i++) {
    addVni(cfg.configDir, n + i);
    await new Promise((r) => setTimeout(r, 50)); // the watch's events arrive
    if (process.env.PROF === '1' && i === 1) await session.post('Profiler.start');
    const lap = (k: string, t0: number): number => {
      const now = cpu();
      if (i > 0) (times[k] ??= []).push(now - t0);
      return now;
    };
    let x = cpu();
    for (let k = 0; k < 3; k++) await digests.digest(); // the settle's two reads and the one after the build
    x = lap('3 digests', x);
    const s = await loadSourcesAsync(src, cache.files, record.take());
    if (!s.ok) throw new Error(s.reason);
    x = lap('load', x);
    await loadSourcesAsync(src, cache.files);
    x = lap('load, full scan', x);
    for (let k = 0; k < 3; k++) await fullDigests.digest();
    x = lap('3 full digests', x);
    const v = drain('validate', cache.validation.steps(s.staticConfig, emptyRouterConfig(), { nodeIndex: s.node.nodeIndex }));
    x = lap('validate', x);
    const plan = drain('plan', planRouterSteps(v.valid, s.node, {}));
    x = lap('plan', x);
    const frr = drain('render', renderFrrConfigSteps(plan));
    x = lap('render', x);
    const kernel = drain('kernel plan', planKernelSteps(plan));
    lap('kernel plan', x);
    // The daemon's +1 (kernel-tracker.ts): what changed since the last apply, looked up and diffed.
    const lookup = indexedLookup(observed); // the kernel's side of the lookups
    x = cpu();
    applied = (await scopedDiff(applied, kernel, lookup)).applied;
    x = lap('kernel diff', x);
    diffKernel(kernel, observed);
    x = lap('(full diff)', x);
    frrDelta(running, frr.tree); // the renderer's parse: frr.conf is not parsed again
    lap('FRR delta', x);
    running = frr.tree;
  }
  if (process.env.PROF === '1') writeFileSync('plus-one.cpuprofile', JSON.stringify((await session.post('Profiler.stop')).profile));
  console.log(
    `+1 VNI at ${n}, CPU ms per round (validation: ${cache.validation.full} full, ${cache.validation.partial} of the changed objects)`,
  );
  for (const [k, v] of Object.entries(times)) console.log(`${k.padEnd(15)} ${v.map((t) => t.toFixed(1).padStart(6)).join(' ')}`);
  console.log(
    `longest stretch between pauses (ms): ${Object.entries(longest)
      .map(([k, t]) => `${k} ${t.toFixed(0)}`)
      .join(', ')}`,
  );
  watch.stop();
  rmSync(cfg.dir, { recursive: true, force: true });
}

await main(Number(process.argv[2] ?? 4000));
