// The JSON Schema the CRDs are generated from: reading it, and following its `$ref`s.

import { existsSync, readFileSync } from 'node:fs';

export type Schema = { [key: string]: unknown };

/** Where a conversion stands: the schema root `$ref`s point into, and a path for error messages. */
export interface Ctx {
  root: Schema;
  /** `$defs` name of the schema being converted (for LIST_TYPES / API_ONLY_RULES). */
  def?: string;
  where: string;
}

export function isObj(v: unknown): v is Schema {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

let cachedRoot: Schema | undefined;

/** The checkout's root (holding package.json), whether this runs from tools/ or from a build directory. */
export function packageRoot(): URL {
  for (let dir = new URL('./', import.meta.url); ; dir = new URL('../', dir)) {
    if (existsSync(new URL('package.json', dir))) return dir;
    if (dir.pathname === '/') throw new Error('package.json not found above tools/crds');
  }
}

/** The openpe-config schema (read once). */
export function openpeSchemaRoot(): Schema {
  if (!cachedRoot) {
    const url = new URL('schemas/openpe-config.schema.json', packageRoot());
    cachedRoot = JSON.parse(readFileSync(url, 'utf8')) as Schema;
  }
  return cachedRoot;
}

export function defsOf(root: Schema): Schema {
  const defs = root.$defs;
  if (!isObj(defs)) throw new Error('schema has no $defs');
  return defs;
}

/** Inlines a `$ref` (possibly chained); siblings of the `$ref` win over the target. */
export function resolve(schema: Schema, ctx: Ctx): { schema: Schema; def?: string } {
  let cur = schema;
  let def: string | undefined;
  for (let depth = 0; typeof cur.$ref === 'string'; depth++) {
    if (depth > 32) throw new Error(`$ref loop at ${ctx.where}`);
    const m = /^#\/\$defs\/([^/]+)$/.exec(cur.$ref);
    if (!m || m[1] === undefined) throw new Error(`unsupported $ref ${cur.$ref} at ${ctx.where}`);
    def = m[1];
    const target = defsOf(ctx.root)[def];
    if (!isObj(target)) throw new Error(`unknown $ref ${cur.$ref} at ${ctx.where}`);
    const { $ref: _ref, ...siblings } = cur;
    cur = { ...target, ...siblings };
  }
  return def === undefined ? { schema: cur } : { schema: cur, def };
}
