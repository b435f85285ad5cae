// Explains an FRR change for the log: which lines a reload adds and removes,
// grouped by the top-level block they belong to. Pure.
//
// frr-reload.py --test prints each changed line under its context lines
// (`router bgp 64514 vrf red`, ` address-family ipv4 unicast`, `  network …`),
// so the diff is a flat list in which an unindented line opens a block.
import type { FrrDiff } from './reloader.js';

/** Why perouterd pushes its configuration to FRR. */
export type FrrChangeReason = 'start' | 'config-change' | 'frr-restart' | 'drift';

export interface BlockCounts {
  add: number;
  delete: number;
}

const CLOSERS = new Set(['exit', 'exit-vrf', 'exit-address-family', '!', 'end']);

/** Changed lines per top-level block (`router bgp 64514 vrf red`, `vrf red`, `bfd`, or `global`). */
export function countsPerBlock(diff: FrrDiff): Record<string, BlockCounts> {
  const out: Record<string, BlockCounts> = {};
  const indent = (l: string | undefined): number => (l === undefined ? -1 : l.length - l.trimStart().length);
  const tally = (all: string[], key: keyof BlockCounts): void => {
    // FRR 10's frr-reload.py closes every context it prints (`exit`, ` exit`): not changes.
    const lines = all.filter((l) => !CLOSERS.has(l.trim()));
    let block = 'global';
    lines.forEach((line, i) => {
      if (indent(line) === 0) block = line.replace(/^no /, '');
      // A line followed by a deeper one is context (a block or address family opening).
      if (indent(lines[i + 1]) > indent(line)) return;
      const c = (out[block] ??= { add: 0, delete: 0 });
      c[key]++;
    });
  };
  tally(diff.toAdd, 'add');
  tally(diff.toDelete, 'delete');
  return out;
}

/** One line for the info log: "router bgp 64514 vrf red +12 -0; vrf red +2 -0". */
export function summarize(diff: FrrDiff): string {
  return Object.entries(countsPerBlock(diff))
    .map(([b, c]) => `${b} +${c.add} -${c.delete}`)
    .join('; ');
}

const isExit = (l: string): boolean => /^(exit|exit-vrf|exit-address-family)$/.test(l.trim());

/**
 * The lines of an incremental vtysh change (each changed line written with its
 * contexts entered before it and exited after it: `router bgp 1`, `address-family
 * ipv4 unicast`, `network …`, `exit-address-family`, `exit`) as a diff whose
 * changed lines sit under their indented contexts, like frr-reload.py prints it.
 */
export function diffFromVtyshLines(lines: string[]): FrrDiff {
  const diff: FrrDiff = { toAdd: [], toDelete: [] };
  const push = (path: string[]): void => {
    const target = path.at(-1)!.startsWith('no ') ? diff.toDelete : diff.toAdd;
    path.forEach((p, i) => target.push(' '.repeat(i) + p));
  };
  let run: string[] = [];
  // A run of lines closed by k exits ends with k contexts and their changed line;
  // the lines before those are top-level lines changed on their own.
  const flush = (exits: number): void => {
    const pathStart = Math.max(0, run.length - exits - 1);
    for (const s of run.slice(0, pathStart)) push([s]);
    if (run.length > pathStart) push(run.slice(pathStart));
    run = [];
  };
  for (let i = 0; i < lines.length;) {
    if (!isExit(lines[i]!)) {
      run.push(lines[i++]!);
      continue;
    }
    let k = 0;
    while (i < lines.length && isExit(lines[i]!)) {
      k++;
      i++;
    }
    flush(k);
  }
  flush(0);
  return diff;
}
