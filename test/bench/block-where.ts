// One-off: where the daemon's cached build blocks the event loop longest at N (+1 VNI rounds):
// every setImmediate (the pause of src/util/steps.ts) records how long the code before it ran
// since the last macrotask began, with the stack that paused.
//   tsc -p tsconfig.lab.json && ln -sfn ../schemas build/schemas && node build/test/bench/block-where.js 4000
import { rmSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { CONCLUSIVE_NS } from '../../src/config/file-cache.js';
import { BuildCache, buildDesiredStateAsync } from '../../src/daemon/desired-state.js';
import { addVni, writeConfig } from './scale-config.js';

const n = Number(process.argv[2] ?? 4000);
const cfg = writeConfig(n);
const src = { configDir: cfg.configDir, nodeConfigPath: cfg.nodeConfigPath };
const cache = new BuildCache();
await new Promise((r) => setTimeout(r, Number(CONCLUSIVE_NS / 1_000_000n) + 100));
let began = performance.now();
const worst: Array<{ ms: number; where: string }> = [];
const original = globalThis.setImmediate;
let recording = false;
globalThis.setImmediate = ((cb: (...a: unknown[]) => void, ...args: unknown[]) => {
  const ms = performance.now() - began;
  if (recording && ms > 15) worst.push({ ms, where: (new Error().stack ?? '').split('\n').slice(2, 9).join('\n') });
  return original(() => {
    began = performance.now();
    cb(...args);
  });
}) as typeof setImmediate;
await buildDesiredStateAsync(src, undefined, cache);
for (let i = 0; i < 4; i++) {
  addVni(cfg.configDir, n + i);
  recording = i > 0;
  began = performance.now();
  const r = await buildDesiredStateAsync(src, undefined, cache);
  if (!r.ok) throw new Error(r.reason);
}
console.log('validation full, partial', cache.validation.full, cache.validation.partial);
worst.sort((a, b) => b.ms - a.ms);
for (const w of worst.slice(0, 8)) console.log(`${w.ms.toFixed(0)} ms before\n${w.where}\n`);
rmSync(cfg.dir, { recursive: true, force: true });
