// CLI to run one lab scenario by hand, streaming the console:
//   npx tsc -p tsconfig.lab.json
//   node build/test/lab/harness/run.js build/test/lab/experiments/frr-ordering.js [args...]
// Env: LAB_TIMEOUT_MS (default 300000), LAB_MEM_MB, LAB_QUIET=1 (only scenario lines),
// LAB_FRR=10 (boot the Debian 13 root with FRR 10 instead of the host's), LAB_LEAF_FRR=10.7
// (the fabric's switches run the FRR of the Debian forky root); the
// scenario variables below are passed into the lab.

import { bootLab, frrLineFromEnv, labRootFor, leafRootFromEnv } from './uml.js';

const [scenario, ...args] = process.argv.slice(2);
if (!scenario) {
  console.error('usage: node build/test/lab/harness/run.js <compiled-scenario.js> [args...]');
  process.exit(2);
}
const quiet = process.env.LAB_QUIET === '1';
/** Knobs scenarios read (fabric-faults: which faults, perouterd's EVPN check period and patch). */
const SCENARIO_ENV = ['LAB_FAULTS', 'LAB_EVPN_CHECK_MS', 'LAB_EVPN_PATCH'];
const env = Object.fromEntries(SCENARIO_ENV.flatMap((k) => (process.env[k] === undefined ? [] : [[k, process.env[k]!]])));
const run = await bootLab({
  scenario,
  args,
  timeoutMs: Number(process.env.LAB_TIMEOUT_MS ?? 300_000),
  memMb: process.env.LAB_MEM_MB ? Number(process.env.LAB_MEM_MB) : undefined,
  keepWorkDir: true,
  env,
  root: labRootFor(frrLineFromEnv()),
  fabricRoot: leafRootFromEnv(),
  onLine: (l) => {
    if (!quiet || l.startsWith('[lab') || l.startsWith('@@LAB')) console.log(l);
  },
});
const res = run.results as { checks?: Array<{ name: string; ok: boolean; ms: number }>; fatal?: string } | undefined;
console.log(
  `\n=== exit ${run.exitCode}${run.timedOut ? ' (TIMED OUT)' : ''} in ${run.durationMs} ms; timings ${JSON.stringify(run.timings)}; work dir ${run.workDir}`,
);
for (const c of res?.checks ?? []) console.log(`${c.ok ? 'PASS' : 'FAIL'} ${c.name} (${c.ms} ms)`);
if (res?.fatal) console.log(`FATAL ${res.fatal}`);
process.exit(run.exitCode === 0 ? 0 : 1);
