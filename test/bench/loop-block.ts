// How long the daemon's build of the desired state blocks the event loop: the longest delay
// monitorEventLoopDelay sees while FileSources.build() runs on a generated configuration of N
// VNI files (scale-config.ts), next to the build's wall time; then the same for validation
// alone (the files already parsed), in one pass and paused between chunks as the daemon
// runs it. Not part of `npm run bench`
// (a one-off figure for the README); run as
//   tsc -p tsconfig.lab.json && ln -sfn ../schemas build/schemas && node build/test/bench/loop-block.js [N]
import { rmSync } from 'node:fs';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { emptyRouterConfig } from '../../src/config/model.js';
import { validateMerged, validateMergedSteps } from '../../src/config/validate/index.js';
import { buildDesiredState, loadSources } from '../../src/daemon/desired-state.js';
import { runAsync } from '../../src/util/steps.js';
import { FileSources } from '../../src/daemon/sources.js';
import { writeConfig } from './scale-config.js';

async function once(
  what: string,
  n: number,
  build: () => { ok: boolean; reason?: string } | Promise<{ ok: boolean; reason?: string }>,
): Promise<void> {
  await build(); // warm-up: schema compilation, JIT
  const h = monitorEventLoopDelay({ resolution: 1 });
  h.enable();
  await new Promise((res) => setTimeout(res, 20)); // the monitor's timer is running
  const t0 = performance.now();
  const r = await build();
  const wall = performance.now() - t0;
  await new Promise((res) => setTimeout(res, 20)); // let the histogram see the last turn
  h.disable();
  if (!r.ok) throw new Error(`build failed: ${r.reason ?? ''}`);
  const ms = (ns: number): string => (ns / 1e6).toFixed(0);
  console.log(
    `${n} files, ${what}: build ${wall.toFixed(0)} ms, longest event-loop block ${ms(h.max)} ms (p99 ${ms(h.percentile(99))} ms)`,
  );
}

async function measure(n: number): Promise<void> {
  const cfg = writeConfig(n);
  try {
    const src = { configDir: cfg.configDir, nodeConfigPath: cfg.nodeConfigPath };
    await once('synchronous (render, validate)', n, () => buildDesiredState(src));
    await once("the daemon's (FileSources)", n, () => new FileSources(src).build());
    const s = loadSources(src);
    if (!s.ok) throw new Error(s.reason);
    const objects = s.staticConfig.l3vnis.length + s.staticConfig.l2vnis.length;
    const opts = { nodeIndex: s.node.nodeIndex };
    const ok = (v: ReturnType<typeof validateMerged>) => ({ ok: !v.fatal, ...(v.fatal ? { reason: v.fatal.message } : {}) });
    await once(`validation of ${objects} objects, one pass`, n, () => ok(validateMerged(s.staticConfig, emptyRouterConfig(), opts)));
    await once(`validation of ${objects} objects, paused in chunks (the daemon's)`, n, async () =>
      ok(await runAsync(validateMergedSteps(s.staticConfig, emptyRouterConfig(), opts))),
    );
  } finally {
    rmSync(cfg.dir, { recursive: true, force: true });
  }
}

await measure(Number(process.argv[2] ?? 1000));
