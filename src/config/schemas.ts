// The JSON Schemas in <package>/schemas and their validators. The validators are ajv's
// standalone code, generated from the schemas at build time (schemas/validators.generated.cjs,
// `npm run gen:validators`, tools/schemas/validators.ts): no command loads ajv's compiler or
// compiles at start. The schema files are still read at run time (error messages and key
// normalisation walk them; the generated code must have been made from these very texts),
// relative to this module, so they ship next to `dist/` (src/config/schemas.ts and
// dist/config/schemas.js both resolve `../../schemas/`).

import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { ErrorObject, ValidateFunction } from 'ajv/dist/2020.js';

export type JsonSchema = { [key: string]: unknown };

/** Keyword carrying the human message for a failing allOf member (see schemas/*.json). */
export const MESSAGE_KEYWORD = 'x-message';

/** The schema files of the configuration. */
export const SCHEMA_FILES = { openpe: 'openpe-config.schema.json', node: 'node-config.schema.json' } as const;

/** Where the generated validators are, relative to this module. */
const GENERATED = '../../schemas/validators.generated.cjs';

/** Name of the generated validator of `$defs/<def>` (a custom resource's spec). */
export const specExport = (def: string): string => `spec_${def}`;

/** What the generated code was made from: a hash of both schema texts, checked when it is loaded. */
export function schemasDigest(texts: { openpe: string; node: string }): string {
  return createHash('sha256').update(texts.openpe).update('\0').update(texts.node).digest('hex');
}

const schemaText = (file: string): string => readFileSync(new URL(`../../schemas/${file}`, import.meta.url), 'utf8');

export interface CompiledSchema {
  root: JsonSchema;
  validate: ValidateFunction;
}

interface Compiled {
  openpe: CompiledSchema;
  node: CompiledSchema;
  generated: Record<string, ValidateFunction | string>;
}

let cache: Compiled | undefined;

/** The schemas and their generated validators, loaded once; refused when made from other schema texts. */
function loadAll(): Compiled {
  if (cache) return cache;
  const texts = { openpe: schemaText(SCHEMA_FILES.openpe), node: schemaText(SCHEMA_FILES.node) };
  const generated = createRequire(import.meta.url)(GENERATED) as Record<string, ValidateFunction | string>;
  if (generated.digest !== schemasDigest(texts))
    throw new Error(`${GENERATED.slice(6)} was generated from other schemas than schemas/*.schema.json: run npm run gen:validators`);
  cache = {
    generated,
    openpe: { root: JSON.parse(texts.openpe) as JsonSchema, validate: generated.openpe as ValidateFunction },
    node: { root: JSON.parse(texts.node) as JsonSchema, validate: generated.node as ValidateFunction },
  };
  return cache;
}

/** Schema of one `openpe_*.yaml` file. */
export function openpeSchema(): CompiledSchema {
  return loadAll().openpe;
}

/** Schema of `node-config.yaml`. */
export function nodeConfigSchema(): CompiledSchema {
  return loadAll().node;
}

/**
 * Validator of one `$defs/<def>` of the openpe schema (a custom resource's spec), generated
 * by the same ajv set-up as the files', so defaults and errors are the files' ones.
 */
export function specValidator(def: string): ValidateFunction {
  const v = loadAll().generated[specExport(def)];
  if (typeof v !== 'function') throw new Error(`no generated validator for $defs/${def}`);
  return v;
}

/** Validates (and fills defaults into) `data`; returns the raw ajv errors. */
export function runSchema(schema: CompiledSchema, data: unknown): ErrorObject[] {
  const ok = schema.validate(data);
  return ok ? [] : [...(schema.validate.errors ?? [])];
}

// ---------------------------------------------------------------- schema navigation

function isObj(v: unknown): v is JsonSchema {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Follows a local `#/...` JSON pointer inside `root`. */
export function resolvePointer(root: JsonSchema, pointer: string): unknown {
  if (!pointer.startsWith('#')) return undefined;
  const parts = pointer
    .slice(1)
    .split('/')
    .filter((p) => p !== '')
    .map((p) => decodeURIComponent(p).replace(/~1/g, '/').replace(/~0/g, '~'));
  let cur: unknown = root;
  for (const p of parts) {
    if (Array.isArray(cur)) cur = cur[Number(p)];
    else if (isObj(cur)) cur = cur[p];
    else return undefined;
  }
  return cur;
}

export interface ObjectShape {
  /** Declared properties, canonical spelling → property schema. */
  properties: Map<string, JsonSchema>;
  /** Whether keys outside `properties` are refused (additionalProperties/unevaluatedProperties false). */
  closed: boolean;
  /** Schema of values under free keys (e.g. matchLabels), if any. */
  additional?: JsonSchema;
}

/**
 * The object shape a schema describes, looking through `$ref` and `allOf`. Only the
 * properties declared directly (or through $ref/allOf) count: the either/or rules in
 * oneOf/if branches never declare new properties in our schemas.
 */
export function objectShape(root: JsonSchema, schema: unknown, depth = 0): ObjectShape | undefined {
  if (!isObj(schema) || depth > 16) return undefined;
  const shape: ObjectShape = { properties: new Map(), closed: false };
  let found = false;
  if (typeof schema.$ref === 'string') {
    const inner = objectShape(root, resolvePointer(root, schema.$ref), depth + 1);
    if (inner) {
      found = true;
      for (const [k, v] of inner.properties) shape.properties.set(k, v);
      shape.closed ||= inner.closed;
      shape.additional ??= inner.additional;
    }
  }
  if (Array.isArray(schema.allOf)) {
    for (const member of schema.allOf) {
      const inner = objectShape(root, member, depth + 1);
      if (inner && inner.properties.size > 0) {
        found = true;
        for (const [k, v] of inner.properties) if (!shape.properties.has(k)) shape.properties.set(k, v);
      }
    }
  }
  if (isObj(schema.properties)) {
    found = true;
    for (const [k, v] of Object.entries(schema.properties)) if (isObj(v)) shape.properties.set(k, v);
  }
  if (schema.additionalProperties === false || schema.unevaluatedProperties === false) {
    found = true;
    shape.closed = true;
  } else if (isObj(schema.additionalProperties)) {
    found = true;
    shape.additional = schema.additionalProperties;
  }
  return found ? shape : undefined;
}

/** Item schema of an array schema, looking through `$ref`. */
export function itemSchema(root: JsonSchema, schema: unknown, depth = 0): JsonSchema | undefined {
  if (!isObj(schema) || depth > 16) return undefined;
  if (isObj(schema.items)) return schema.items;
  if (typeof schema.$ref === 'string') return itemSchema(root, resolvePointer(root, schema.$ref), depth + 1);
  return undefined;
}
