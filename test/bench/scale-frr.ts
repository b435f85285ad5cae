// FRR rows on the host's FRR (a throw-away instance in its own namespace and
// path space): perouterd's FrrReloader beside the floor, one `vtysh -f` of the
// same lines. The host kernel has no VRF, so the VRFs are configured but
// inactive in zebra (the lab mode has them active).
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { frrDelta, parseFrrConfig } from '../../src/frr/frr-config.js';
import { FrrReloader, frrPaths } from '../../src/frr/reloader.js';
import { FrrTestInstance, run } from '../host/frr/instance.js';

export interface FrrFigures {
  coldMs: number;
  coldFloorMs: number;
  plusOneMs: number;
  plusOneFloorMs: number;
  minusOneMs: number;
  minusOneFloorMs: number;
  noopMs: number;
  /** How each perouterd apply went (a repair by frr-reload.py shows here). */
  paths: string[];
}

export async function frrRows(tag: string, configN: string, configN1: string): Promise<FrrFigures> {
  const frr = new FrrTestInstance(`pdb${tag}${process.pid % 10000}`);
  await frr.start();
  const paths: string[] = [];
  const reloader = new FrrReloader(frrPaths(frr.name), { log: (m) => paths.push(m) });
  const vtyshFile = async (name: string, lines: string): Promise<number> => {
    const f = path.join(frr.confDir, name);
    writeFileSync(f, lines);
    const t = performance.now();
    const r = await run('vtysh', ['-N', frr.name, '-f', f], 600_000);
    if (r.code !== 0) throw new Error(`vtysh -f ${name}: ${r.stderr.slice(0, 300)}`);
    return performance.now() - t;
  };
  // What the daemon does per FRR change: is FRR running, FRR's dry run, apply.
  const timed = async (config: string, want: string[]): Promise<number> => {
    const t = performance.now();
    if (!(await reloader.isRunning())) throw new Error('FRR is not running');
    const err = await reloader.check(config);
    if (err) throw new Error(err);
    const r = await reloader.apply(config);
    const ms = performance.now() - t;
    if (!want.includes(r.outcome)) throw new Error(`FRR apply: ${JSON.stringify(r).slice(0, 400)}`);
    return ms;
  };
  try {
    const empty = 'frr defaults datacenter\n';
    const up = frrDelta(parseFrrConfig(configN), parseFrrConfig(configN1)).lines.join('\n') + '\n';
    const down = frrDelta(parseFrrConfig(configN1), parseFrrConfig(configN)).lines.join('\n') + '\n';
    // Floors first: the whole file, then the +1 and -1 lines, each one vtysh -f.
    const coldFloorMs = await vtyshFile('floor-cold.conf', configN);
    const plusOneFloorMs = await vtyshFile('floor-up.conf', up);
    const minusOneFloorMs = await vtyshFile('floor-down.conf', down);
    await timed(empty, ['applied', 'unchanged']);
    paths.length = 0;
    const coldMs = await timed(configN, ['applied']);
    const noopMs = await timed(configN, ['unchanged']);
    const plusOneMs = await timed(configN1, ['applied']);
    const minusOneMs = await timed(configN, ['applied']);
    return { coldMs, coldFloorMs, plusOneMs, plusOneFloorMs, minusOneMs, minusOneFloorMs, noopMs, paths: [...new Set(paths)] };
  } finally {
    await frr.stop();
  }
}
