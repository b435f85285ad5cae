// The schema validators generated at build time (schemas/validators.generated.cjs): in sync with
// the schemas, and judging every document exactly as the same schemas compiled here and now
// (validity, each error with its parent schema, the defaults filled in).
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { ValidateFunction } from 'ajv/dist/2020.js';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { SCHEMA_FILES, specExport } from '../../src/config/schemas.js';
import { SPEC_DEFS, compileValidators, validatorsSource } from '../../tools/schemas/validators.js';

const repo = new URL('../../', import.meta.url);
const text = (f: string): string => readFileSync(new URL(f, repo), 'utf8');
const texts = { openpe: text(`schemas/${SCHEMA_FILES.openpe}`), node: text(`schemas/${SCHEMA_FILES.node}`) };
const generated = createRequire(import.meta.url)('../../schemas/validators.generated.cjs') as Record<string, ValidateFunction>;

/** Every example's documents, and variants with one leaf given a value of another type. */
function corpus(): Array<{ name: string; kind: 'openpe' | 'node'; doc: unknown }> {
  const out: Array<{ name: string; kind: 'openpe' | 'node'; doc: unknown }> = [];
  for (const ex of readdirSync(new URL('examples/', repo), { withFileTypes: true }).filter((e) => e.isDirectory())) {
    out.push({ name: `${ex.name}/node-config.yaml`, kind: 'node', doc: parse(text(`examples/${ex.name}/node-config.yaml`)) });
    for (const f of readdirSync(new URL(`examples/${ex.name}/configs/`, repo)))
      out.push({ name: `${ex.name}/${f}`, kind: 'openpe', doc: parse(text(`examples/${ex.name}/configs/${f}`)) });
  }
  const variants = out.flatMap((c) =>
    leaves(c.doc).map((path) => ({ ...c, name: `${c.name} ${path.join('.')}`, doc: mutate(c.doc, path) })),
  );
  return [...out, ...variants];
}

function leaves(v: unknown, path: Array<string | number> = []): Array<Array<string | number>> {
  if (Array.isArray(v)) return v.flatMap((x, i) => leaves(x, [...path, i]));
  if (v && typeof v === 'object') return Object.entries(v).flatMap(([k, x]) => leaves(x, [...path, k]));
  return [path];
}

function mutate(doc: unknown, path: Array<string | number>): unknown {
  const copy = structuredClone(doc) as Record<string | number, unknown>;
  let at = copy;
  for (const k of path.slice(0, -1)) at = at[k] as Record<string | number, unknown>;
  const last = path[path.length - 1] as string | number;
  at[last] = typeof at[last] === 'string' ? 12345 : 'not-a-number';
  return copy;
}

const judged = (v: ValidateFunction, doc: unknown): unknown => {
  const data = structuredClone(doc);
  const ok = v(data);
  return { ok, data, errors: v.errors ?? null };
};

describe('schemas/validators.generated.cjs', () => {
  it('is what the generator writes from schemas/*.schema.json (run npm run gen:validators after a schema change)', () => {
    expect(text('schemas/validators.generated.cjs') === validatorsSource(texts)).toBe(true);
  });

  it('judges every document as the schemas compiled now do: validity, errors, defaults', () => {
    const compiled = compileValidators({ openpe: JSON.parse(texts.openpe), node: JSON.parse(texts.node) });
    const docs = corpus();
    expect(docs.length).toBeGreaterThan(100);
    for (const c of docs) expect(judged(generated[c.kind]!, c.doc), c.name).toEqual(judged(compiled[c.kind]!, c.doc));
  });

  it('has a validator for the spec of each custom resource kind', () => {
    const compiled = compileValidators({ openpe: JSON.parse(texts.openpe), node: JSON.parse(texts.node) });
    for (const def of SPEC_DEFS) {
      const fn = generated[specExport(def)];
      expect(fn, def).toBeTypeOf('function');
      expect(judged(fn!, {}), def).toEqual(judged(compiled[specExport(def)]!, {}));
    }
  });
});
