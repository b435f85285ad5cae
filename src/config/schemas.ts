// Loads the JSON Schemas in <package>/schemas and compiles them with ajv (draft 2020-12,
// allErrors, useDefaults). The schema files are read at run time, relative to this module,
// so they must ship next to `dist/` (src/config/schemas.ts and dist/config/schemas.js both
// resolve `../../schemas/`).

import { readFileSync } from 'node:fs';
import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';

export type JsonSchema = { [key: string]: unknown };

/** Keyword carrying the human message for a failing allOf member (see schemas/*.json). */
export const MESSAGE_KEYWORD = 'x-message';

function loadSchema(file: string): JsonSchema {
  const url = new URL(`../../schemas/${file}`, import.meta.url);
  return JSON.parse(readFileSync(url, 'utf8')) as JsonSchema;
}

export interface CompiledSchema {
  root: JsonSchema;
  validate: ValidateFunction;
}

interface Compiled {
  ajv: Ajv2020;
  openpe: CompiledSchema;
  node: CompiledSchema;
  specs: Map<string, ValidateFunction>;
}

let cache: Compiled | undefined;

/** The one ajv set-up, for the files and the custom resources alike. */
function compileAll(): Compiled {
  if (cache) return cache;
  const ajv = new Ajv2020({
    allErrors: true,
    useDefaults: true,
    verbose: true, // errors carry parentSchema, used to find x-message and collapse branches
    strict: true,
    strictTypes: false, // `if`/`contains` sub-schemas test properties without restating `type: object`
    strictRequired: false,
    allowUnionTypes: true,
  });
  ajv.addKeyword({ keyword: MESSAGE_KEYWORD, schemaType: 'string' });
  // The CEL text a CRD rule carries in place of the compiled one (tools/crds); nothing to check here.
  ajv.addKeyword({ keyword: 'x-cel-rule', schemaType: 'string' });
  // CEL rules for the CRDs only (tools/crds): the same conditions are checked in src/config/spec.
  ajv.addKeyword({ keyword: 'x-kubernetes-validations', schemaType: 'array' });
  const openpeRoot = loadSchema('openpe-config.schema.json');
  const nodeRoot = loadSchema('node-config.schema.json');
  cache = {
    ajv,
    specs: new Map(),
    openpe: { root: openpeRoot, validate: ajv.compile(openpeRoot) },
    node: { root: nodeRoot, validate: ajv.compile(nodeRoot) },
  };
  return cache;
}

/** Schema of one `openpe_*.yaml` file. */
export function openpeSchema(): CompiledSchema {
  return compileAll().openpe;
}

/** Schema of `node-config.yaml`. */
export function nodeConfigSchema(): CompiledSchema {
  return compileAll().node;
}

/**
 * Validator of one `$defs/<def>` of the openpe schema (a custom resource's spec), compiled by
 * the same ajv as the files, so defaults and errors are the files' ones.
 */
export function specValidator(def: string): ValidateFunction {
  const all = compileAll();
  let v = all.specs.get(def);
  if (!v) {
    v = all.ajv.getSchema(`${String(all.openpe.root.$id)}#/$defs/${def}`);
    if (!v) throw new Error(`schema has no $defs/${def}`);
    all.specs.set(def, v);
  }
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
