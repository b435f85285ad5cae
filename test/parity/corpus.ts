// The upstream-material corpus (test/parity/upstream/): OpenPERouter's samples, examples,
// website YAML blocks and static-configuration test data, rewritten here as data (structure and
// values kept, comments and prose dropped), each file naming its upstream source and the
// verdict upstream gives it. Read by test/k8s/upstream-corpus.test.ts.
//
// A file is a header of `# key: value` lines, then YAML:
//   # upstream: <path in upstream's repository> [(which block / test)]
//   # upstream-verdict: valid | invalid: <upstream's rule>
//   # upstream-admission: refused: <why>   (CRs only; default: upstream's CRDs admit every object)
//   # perouterd-verdict: invalid: <why>    (a deliberate difference, listed in README/docs)
//   # expect: <text perouterd's message must contain>
//   # node-labels: key=value, key=value    (CRs only: the node the daemon path evaluates for)
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export type Verdict = 'valid' | 'invalid';
export type CorpusKind = 'static' | 'node' | 'crs';

export interface CorpusCase {
  kind: CorpusKind;
  /** File base name, without .yaml. */
  name: string;
  /** Upstream path (and block or test) the case comes from. */
  upstream: string;
  /** samples | examples | website | testdata | tests: where in upstream's repository. */
  sourceKind: string;
  verdict: Verdict;
  rule?: string;
  /** Upstream's CRDs refuse the objects (with why); undefined: they admit them. */
  refusedBy?: string;
  /** perouterd's verdict when it differs on purpose, with the reason. */
  difference?: { verdict: Verdict; why: string };
  expect?: string;
  nodeLabels?: Record<string, string>;
  /** The YAML after the header. */
  body: string;
}

export const CORPUS_DIR = fileURLToPath(new URL('./upstream/', import.meta.url));

function verdictOf(v: string, file: string): { verdict: Verdict; rule?: string } {
  const m = /^(valid|invalid)(?::\s*(.*))?$/.exec(v.trim());
  if (!m) throw new Error(`${file}: bad verdict ${v}`);
  return m[2] !== undefined ? { verdict: m[1] as Verdict, rule: m[2] } : { verdict: m[1] as Verdict };
}

function sourceKindOf(upstream: string): string {
  if (upstream.startsWith('config/samples/')) return 'samples';
  if (upstream.startsWith('examples/')) return 'examples';
  if (upstream.startsWith('website/')) return 'website';
  if (upstream.includes('/testdata/')) return 'testdata';
  if (upstream.includes('_test.go')) return 'tests';
  throw new Error(`unknown source kind of ${upstream}`);
}

export function parseCase(kind: CorpusKind, file: string, text: string): CorpusCase {
  const header = new Map<string, string>();
  const lines = text.split('\n');
  let i = 0;
  for (; i < lines.length && lines[i]?.startsWith('# '); i++) {
    const m = /^# ([a-z-]+): (.*)$/.exec(lines[i] as string);
    if (!m) throw new Error(`${file}:${i + 1}: bad header line`);
    header.set(m[1] as string, m[2] as string);
  }
  const upstream = header.get('upstream');
  const v = header.get('upstream-verdict');
  if (upstream === undefined || v === undefined) throw new Error(`${file}: needs upstream and upstream-verdict`);
  const c: CorpusCase = {
    kind,
    name: file.replace(/\.yaml$/, ''),
    upstream,
    sourceKind: sourceKindOf(upstream),
    ...verdictOf(v, file),
    body: lines.slice(i).join('\n'),
  };
  const adm = header.get('upstream-admission');
  if (adm !== undefined) c.refusedBy = adm.replace(/^refused:\s*/, '');
  const diff = header.get('perouterd-verdict');
  if (diff !== undefined) {
    const d = verdictOf(diff, file);
    c.difference = { verdict: d.verdict, why: d.rule ?? '' };
  }
  const exp = header.get('expect');
  if (exp !== undefined) c.expect = exp;
  const labels = header.get('node-labels');
  if (labels !== undefined) {
    c.nodeLabels = Object.fromEntries(labels.split(',').map((kv) => kv.trim().split('=') as [string, string]));
  }
  return c;
}

/** Every case of the corpus, by kind then name. */
export function loadCorpus(): CorpusCase[] {
  const out: CorpusCase[] = [];
  for (const kind of ['static', 'node', 'crs'] as const) {
    for (const f of readdirSync(join(CORPUS_DIR, kind)).sort()) {
      if (f.endsWith('.yaml')) out.push(parseCase(kind, f, readFileSync(join(CORPUS_DIR, kind, f), 'utf8')));
    }
  }
  return out;
}
