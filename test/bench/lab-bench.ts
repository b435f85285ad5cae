// `BENCH_LAB=1 npm run bench`: the scale benchmark in the kernel lab (User-Mode Linux, real
// VRFs and FRR): boots one lab that runs lab-inside.ts for every N of BENCH_SIZES (default
// 10,100,1000) and prints each figure beside its floor measured in the same run, as a ratio.
// LAB_FRR=8 (the host's root, FRR 8.4) or 10 (the Debian 13 root, FRR 10); LAB_MEM_MB
// (default 4096); LAB_TIMEOUT_MS (default 4 h). Run it under the lab lock:
//   flock /work/lab.lock env BENCH_LAB=1 LAB_FRR=10 npm run bench
import { fileURLToPath } from 'node:url';
import { bootLab, frrLineFromEnv, labAvailable, labRootFor } from '../lab/harness/uml.js';
import type { LabRow } from './lab-inside.js';

const ms = (x: number): string => (x >= 10_000 ? `${(x / 1000).toFixed(1)} s` : `${x.toFixed(x < 10 ? 2 : 0)} ms`);

export async function labBench(): Promise<void> {
  const line = frrLineFromEnv();
  const root = labRootFor(line);
  const avail = labAvailable(root ?? '/');
  if (!avail.ok) throw new Error(`the kernel lab cannot run here: ${avail.why}`);
  const sizes = process.env.BENCH_SIZES ?? '10,100,1000';
  console.log(`perouterd scale benchmark, lab mode (UML, FRR line ${line}), N = ${sizes}`);
  const run = await bootLab({
    scenario: fileURLToPath(new URL('./lab-inside.js', import.meta.url)),
    timeoutMs: Number(process.env.LAB_TIMEOUT_MS ?? 4 * 3600_000),
    memMb: Number(process.env.LAB_MEM_MB ?? 4096),
    env: { BENCH_SIZES: sizes },
    root,
    onLine: (l) => {
      if (l.startsWith('[lab')) console.log(l);
    },
  });
  const res = run.results as { measurements?: { rows?: LabRow[] }; fatal?: string } | undefined;
  const rows = res?.measurements?.rows ?? [];
  console.log(`\n${'what'.padEnd(42)} ${'N'.padStart(5)} ${'perouterd'.padStart(10)} ${'floor'.padStart(10)} ${'ratio'.padStart(7)}`);
  for (const r of rows)
    console.log(
      `${r.what.padEnd(42)} ${String(r.n).padStart(5)} ${ms(r.ms).padStart(10)} ${(r.floorMs === undefined ? '' : ms(r.floorMs)).padStart(10)} ${(r.floorMs === undefined ? '' : `${(r.ms / r.floorMs).toFixed(2)}x`).padStart(7)}`,
    );
  console.log(
    `\nlab exit ${run.exitCode}${run.timedOut ? ' (TIMED OUT)' : ''} in ${(run.durationMs / 1000).toFixed(0)} s${res?.fatal ? `; fatal: ${res.fatal}` : ''}; work dir ${run.workDir}`,
  );
  if (run.exitCode !== 0) process.exitCode = 1;
}
