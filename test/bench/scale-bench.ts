// npm run bench: the scale benchmark of issue "a change costs what it changes".
// For N VNIs (N L3VNIs with host sessions, one file each, plus N/10 L2VNIs):
//   pure    the daemon's no-op reconcile and +1 VNI in process, through its caches (build,
//           kernel diff, FRR comparison) at N = 10, 100, 1000, 4000; floors: reading the
//           files, reading the one file added. BENCH_SIZES= (empty) runs these rows alone.
//   kernel  cold create of N VNIs, +1, -1, no-op, on the host kernel; floor: ip -batch
//   frr     cold load, +1, -1, no-op on the host's FRR; floor: one vtysh -f of the same lines
//   rss     perouterd --version and render at the largest N; the Kubernetes client's cost
// Every figure is printed beside its floor measured in the same run, as a ratio.
// Sizes: BENCH_SIZES (default 10,100,1000), BENCH_PURE_SIZES (default 10,100,1000,4000).
// BENCH_LAB=1: the lab mode instead (lab-bench.ts: UML, real VRFs and FRR; LAB_FRR=8|10).
process.env.UV_THREADPOOL_SIZE ??= '16';

import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { writeConfig, addVni } from './scale-config.js';
import { desired, pureCached, pureNoop } from './scale-pure.js';
import { kernelRows } from './scale-kernel.js';
import { frrRows } from './scale-frr.js';

const sizesOf = (v: string): number[] => v.split(',').filter(Boolean).map(Number);
const sizes = sizesOf(process.env.BENCH_SIZES ?? '10,100,1000');
const pureSizes = sizesOf(process.env.BENCH_PURE_SIZES ?? '10,100,1000,4000');
const CLI = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));

type Row = [what: string, n: number, ms: number, floorMs: number | undefined, goal: string, ok: boolean | undefined];
const rows: Row[] = [];
const ms = (x: number): string => (x >= 10_000 ? `${(x / 1000).toFixed(1)} s` : `${x.toFixed(x < 10 ? 2 : 0)} ms`);

function print(): void {
  console.log(`\n${'what'.padEnd(38)} ${'N'.padStart(5)} ${'perouterd'.padStart(10)} ${'floor'.padStart(10)} ${'ratio'.padStart(7)}  goal`);
  for (const [what, n, v, f, goal, ok] of rows) {
    const ratio = f === undefined ? '' : `${(v / f).toFixed(2)}x`;
    const verdict = ok === undefined ? '' : ok ? '  met' : '  NOT MET';
    console.log(
      `${what.padEnd(38)} ${String(n).padStart(5)} ${ms(v).padStart(10)} ${(f === undefined ? '' : ms(f)).padStart(10)} ${ratio.padStart(7)}  ${goal}${verdict}`,
    );
  }
}

/** The NODE_OPTIONS the packaged unit runs the daemon with (systemd/perouterd.service). */
function unitNodeOptions(): string {
  const unit = readFileSync(new URL('../../../systemd/perouterd.service', import.meta.url), 'utf8');
  return /^Environment=NODE_OPTIONS=(.*)$/m.exec(unit)?.[1] ?? '';
}

function maxRssKb(args: string[], nodeOptions = ''): { kb: number; ms: number } {
  const t = Date.now();
  const env = { ...process.env, NODE_OPTIONS: nodeOptions };
  const r = spawnSync('/usr/bin/time', ['-f', '%M', process.execPath, ...args], { encoding: 'utf8', env });
  const kb = Number(r.stderr.trim().split('\n').pop());
  return { kb, ms: Date.now() - t };
}

async function main(): Promise<void> {
  console.log(
    `perouterd scale benchmark on ${os.cpus().length} x ${os.cpus()[0]?.model ?? 'cpu'}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, kernel ${os.release()}, Node ${process.version}`,
  );
  for (const n of pureSizes) {
    const cfg = writeConfig(n);
    const p = pureNoop(cfg, 1);
    const c = await pureCached(cfg, n);
    console.log(
      `pure N=${n}: from scratch ${ms(p.buildMs)} (read+validate+plan+render); daemon no-op: build ${ms(c.noopBuildMs)}, kernel diff ${ms(c.noopDiffMs)}; ` +
        `+1: build ${ms(c.plusOneBuildMs)}, kernel diff ${ms(c.plusOneDiffMs)}, FRR delta ${ms(c.plusOneFrrMs)}; resync drift comparison ${ms(c.driftCompareMs)}`,
    );
    const at4000 = n >= 4000;
    rows.push([
      'no-op reconcile, CPU (daemon, cached)',
      n,
      c.noopMs,
      p.floorMs,
      at4000 ? '<= 100 ms at 4000' : '',
      at4000 ? c.noopMs <= 100 : undefined,
    ]);
    rows.push(['+1 VNI, perouterd own time (pure)', n, c.plusOneMs, c.plusOneFloorMs, '<= 50 ms, flat in N', c.plusOneMs <= 50]);
    rows.push(['pure: worst event-loop block', n, c.worstBlockMs, undefined, '<= 50 ms', c.worstBlockMs <= 50]);
    rmSync(cfg.dir, { recursive: true, force: true });
  }
  if (sizes.length === 0) return print();
  for (const n of sizes) {
    const k = await kernelRows(n);
    rows.push(['kernel: cold create', n, k.coldMs, k.coldFloorMs, '<= 1.2x ip -batch', k.coldMs / k.coldFloorMs <= 1.2]);
    rows.push(['kernel: +1 VNI', n, k.plusOneMs, k.plusOneFloorMs, '', undefined]);
    rows.push(['kernel: -1 VNI', n, k.minusOneMs, k.minusOneFloorMs, '', undefined]);
    rows.push(['kernel: no-op (dumps + diff)', n, k.noopMs, undefined, '', undefined]);
    rows.push(['kernel: worst event-loop delay', n, k.maxLoopDelayMs, undefined, '< 50 ms', k.maxLoopDelayMs < 50]);
    if (process.env.BENCH_SKIP_FRR) continue;
    const cfg = writeConfig(n);
    const cN = desired(cfg).frrConfig;
    addVni(cfg.configDir, n);
    const cN1 = desired(cfg).frrConfig;
    rmSync(cfg.dir, { recursive: true, force: true });
    const f = await frrRows(String(n), cN, cN1);
    console.log(`frr N=${n}: ${f.paths.join('; ')}`);
    rows.push(['frr: cold load', n, f.coldMs, f.coldFloorMs, '<= 2x vtysh -f', f.coldMs / f.coldFloorMs <= 2]);
    rows.push(['frr: +1 VNI', n, f.plusOneMs, f.plusOneFloorMs, '', undefined]);
    rows.push(['frr: -1 VNI', n, f.minusOneMs, f.minusOneFloorMs, '', undefined]);
    rows.push(['frr: no-op (read running config, compare)', n, f.noopMs, undefined, '', undefined]);
    rows.push([
      '+1 VNI end to end (kernel + FRR)',
      n,
      k.plusOneMs + f.plusOneMs,
      k.plusOneFloorMs + f.plusOneFloorMs,
      '<= 2x floor',
      (k.plusOneMs + f.plusOneMs) / (k.plusOneFloorMs + f.plusOneFloorMs) <= 2,
    ]);
    rows.push([
      'cold apply end to end (kernel + FRR)',
      n,
      k.coldMs + f.coldMs,
      k.coldFloorMs + f.coldFloorMs,
      '<= 2x floor',
      (k.coldMs + f.coldMs) / (k.coldFloorMs + f.coldFloorMs) <= 2,
    ]);
  }
  const big = Math.max(...sizes);
  const cfg = writeConfig(big);
  const base = maxRssKb(['-e', '']);
  const version = maxRssKb([CLI, '--version']);
  const renderArgs = [CLI, 'render', '--config-dir', cfg.configDir, '--node-config', cfg.nodeConfigPath];
  const renderDefault = maxRssKb(renderArgs);
  const render = maxRssKb(renderArgs, unitNodeOptions());
  const k8s = maxRssKb(['--input-type=module', '-e', "await import('@kubernetes/client-node')"]);
  rmSync(cfg.dir, { recursive: true, force: true });
  rows.push(['RSS MB: --version', 0, version.kb / 1024, base.kb / 1024, 'floor: node -e ""', undefined]);
  rows.push(['start ms: --version', 0, version.ms, base.ms, '', undefined]);
  rows.push(['RSS MB: render, node defaults', big, renderDefault.kb / 1024, base.kb / 1024, '', undefined]);
  rows.push([
    `RSS MB: render, the unit's NODE_OPTIONS (${unitNodeOptions()})`,
    big,
    render.kb / 1024,
    base.kb / 1024,
    '<= 80 MB at 1000',
    big >= 1000 ? render.kb / 1024 <= 80 : undefined,
  ]);
  rows.push(['RSS MB: Kubernetes client alone', 0, k8s.kb / 1024, base.kb / 1024, 'loaded only with the API stage', undefined]);
  print();
  console.log('\n(RSS rows are in MB, not ms. Kernel and FRR rows are on the host: no VRF devices; FRR VRFs inactive.)');
  execFileSync('true');
}

if (process.env.BENCH_LAB === '1') await (await import('./lab-bench.js')).labBench();
else await main();
