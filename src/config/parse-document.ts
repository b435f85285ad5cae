// Parsing one YAML document against its schema, shared by the node config and the static files:
// the schema run, key normalisation and the 'not a configuration at all' check.

import { type ConfigProblem } from './model.js';
import { applyRemovals, normalizeKeys } from './keys.js';
import { schemaErrorsToProblems } from './schema-errors.js';
import { type CompiledSchema, runSchema } from './schemas.js';
import { type SourceFile } from './read.js';
import { keyText, readYamlSource, yamlSourceOf, type YamlSource } from './yaml-source.js';
import { isMap, isScalar } from 'yaml';
import { suggestKey } from './keys.js';
export function isObj(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function hasError(problems: readonly ConfigProblem[]): boolean {
  return problems.some((p) => p.severity === 'error');
}

/**
 * A document that is not a configuration of this kind at all (no known top-level key, or
 * not a mapping), or one that configures nothing because every top-level key is empty (a
 * file caught half-way through a write: `bgppassthrough:` alone). Reported without echoing
 * any of its content.
 */
export function documentProblem(src: YamlSource, schema: CompiledSchema): ConfigProblem | undefined {
  const contents = src.doc?.contents;
  const known = Object.keys((schema.root.properties as Record<string, unknown> | undefined) ?? {});
  const where = { file: src.file, line: 1, column: 1, field: '' };
  const notConfig = (why: string): ConfigProblem => ({
    severity: 'error',
    message: `not a perouterd configuration file (${why}); its content is not shown`,
    location: where,
  });
  if (!isMap(contents)) return notConfig('the top level is not a mapping of keys');
  const keys = contents.items.map((p) => keyText(p.key));
  const lower = new Set(known.map((k) => k.toLowerCase()));
  const recognised = keys.filter((k) => lower.has(k.toLowerCase()) || suggestKey(k, known) !== undefined || k === '<<');
  if (recognised.length === 0) return notConfig('none of its top-level keys is a known one');
  const isNull = (v: unknown): boolean => v === null || v === undefined || (isScalar(v) && v.value === null);
  if (contents.items.every((p) => isNull(p.value))) {
    return {
      severity: 'error',
      message:
        'every top-level key is empty, so the file configures nothing: a file caught half-way through a write? (to configure nothing, remove the file)',
      location: src.locate([keyText(contents.items[0]?.key)], { key: true }),
    };
  }
  return undefined;
}

/** Parse, normalise keys, apply defaults and validate one YAML file against a schema. */
export function parseAndValidate(
  file: string | SourceFile,
  schema: CompiledSchema,
  prepare?: (data: unknown, src: YamlSource, problems: ConfigProblem[]) => boolean,
): {
  src: YamlSource;
  data?: unknown;
  /** True when `data` passed the schema (so it has the schema's shape). */
  schemaOk: boolean;
  problems: ConfigProblem[];
} {
  const src = typeof file === 'string' ? readYamlSource(file) : yamlSourceOf(file);
  const problems = [...src.problems];
  if (!src.ok || !src.doc) return { src, problems, schemaOk: false };
  const shape = documentProblem(src, schema);
  if (shape) return { src, problems: [...problems, shape], schemaOk: false };
  const keys = normalizeKeys(src, schema.root);
  problems.push(...keys.problems);
  let data: unknown;
  try {
    data = src.doc.toJS({ maxAliasCount: 1000 });
  } catch (err) {
    problems.push({ severity: 'error', message: `YAML: ${(err as Error).message}`, location: src.locate([]) });
    return { src, problems, schemaOk: false };
  }
  applyRemovals(data, keys.removals);
  if (prepare && !prepare(data, src, problems)) return { src, problems, schemaOk: false };
  const errors = runSchema(schema, data);
  const schemaProblems = schemaErrorsToProblems(errors, src);
  if (errors.length > 0 && !hasError(schemaProblems)) {
    schemaProblems.push({
      severity: 'error',
      message: `schema validation failed: ${errors.map((e) => `${e.instancePath || '/'} ${e.message ?? e.keyword}`).join('; ')}`,
      location: src.locate([]),
    });
  }
  problems.push(...schemaProblems);
  return { src, data, problems, schemaOk: errors.length === 0 };
}
