// Imports point one way: cli -> daemon | k8s -> frr | dataplane -> plan -> config -> net.
// Adapters (frr, dataplane, k8s, service) never import each other, and the daemon
// reaches them only through the ports it declares (structural typing: no import needed).
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, resolve, dirname } from 'node:path';
import { describe, expect, it } from 'vitest';

const SRC = resolve(import.meta.dirname, '../../src');

/** Layer of each top-level folder of src/: a file may import only from lower layers or its own folder. */
const LAYER: Record<string, number> = {
  net: 0,
  sys: 0,
  util: 0,
  config: 1,
  plan: 2,
  frr: 3,
  dataplane: 3,
  service: 3,
  k8s: 4,
  daemon: 4,
  observe: 4,
  cli: 5,
};

/**
 * Sideways edges allowed by design: observe watches the loop through the daemon's own types
 * (ports, outcome, desired state); the daemon never imports observe (cli wires them).
 */
const ALLOWED: ReadonlySet<string> = new Set<string>(['observe -> daemon']);

/** Edges still to be removed by the layout work (issue 7); this list only shrinks. */
const KNOWN: ReadonlySet<string> = new Set<string>([]);

function walk(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? walk(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  );
}

function folderOf(file: string): string {
  return relative(SRC, file).split('/')[0] ?? '';
}

function edges(): Array<{ from: string; to: string; file: string; spec: string }> {
  const out: Array<{ from: string; to: string; file: string; spec: string }> = [];
  for (const file of walk(SRC)) {
    const text = readFileSync(file, 'utf8');
    for (const m of text.matchAll(/(?:^|\n)\s*(?:import|export)\b[^'"]*?from\s+'(\.[^']+)'|import\(\s*'(\.[^']+)'\s*\)/g)) {
      const spec = (m[1] ?? m[2]) as string;
      const target = resolve(dirname(file), spec);
      out.push({ from: folderOf(file), to: folderOf(target), file: relative(SRC, file), spec });
    }
  }
  return out;
}

describe('import direction', () => {
  it('every folder of src/ has a layer', () => {
    const folders = readdirSync(SRC, { withFileTypes: true })
      .filter((e) => e.isDirectory())
      .map((e) => e.name);
    expect(folders.filter((f) => LAYER[f] === undefined)).toEqual([]);
  });

  it('no import points up or sideways between adapters', () => {
    const bad = edges().filter((e) => {
      if (e.from === e.to) return false;
      if (KNOWN.has(`${e.from} -> ${e.to}`) || ALLOWED.has(`${e.from} -> ${e.to}`)) return false;
      return (LAYER[e.to] ?? 99) >= (LAYER[e.from] ?? -1);
    });
    expect(bad.map((e) => `${e.file}: ${e.spec}`)).toEqual([]);
  });

  it('the list of known exceptions holds no edge that no longer exists', () => {
    const present = new Set(edges().map((e) => `${e.from} -> ${e.to}`));
    expect([...KNOWN].filter((k) => !present.has(k))).toEqual([]);
  });
});
