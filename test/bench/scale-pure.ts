// The pure path of a reconcile at scale, in process: read + validate + plan +
// render + kernel diff + FRR comparison, against a kernel and an FRR that
// already hold the configuration (a no-op resync). Floor: reading the files.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { buildDesiredState, type DesiredState } from '../../src/daemon/desired-state.js';
import { diffKernel, type ObservedState } from '../../src/dataplane/diff.js';
import { frrDelta, parseFrrConfig } from '../../src/frr/frr-config.js';
import { applyToFake, emptyObserved } from '../unit/fake-kernel.js';
import type { GeneratedConfig } from './scale-config.js';

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
