// Turns ajv errors into located, human-sized ConfigProblems.
//
// Either/or rules are written in the schemas as allOf members carrying `x-message`
// (oneOf/anyOf/not/if inside). When such a member fails, ajv reports the combinator plus
// one error per branch; here that collapses into the single x-message.

import type { ErrorObject } from 'ajv/dist/2020.js';
import type { ConfigProblem } from './model.js';
import { type JsonSchema, MESSAGE_KEYWORD } from './schemas.js';
import { fieldPath, type PathSeg, pointerToPath, type YamlSource } from './yaml-source.js';

const COMBINATORS = new Set(['oneOf', 'anyOf', 'not', 'if']);

function within(instancePath: string, base: string): boolean {
  return instancePath === base || instancePath.startsWith(`${base}/`);
}

function messageOf(e: ErrorObject): string | undefined {
  const parent = e.parentSchema as JsonSchema | undefined;
  const msg = parent?.[MESSAGE_KEYWORD];
  return typeof msg === 'string' ? msg : undefined;
}

/** Every schema object nested inside `schema` ($ref targets are not followed). */
function nestedSchemas(schema: unknown, into = new Set<object>()): Set<object> {
  if (typeof schema !== 'object' || schema === null || into.has(schema)) return into;
  into.add(schema);
  for (const v of Object.values(schema)) nestedSchemas(v, into);
  return into;
}

function typeName(t: unknown): string {
  switch (t) {
    case 'integer':
      return 'an integer';
    case 'number':
      return 'a number';
    case 'string':
      return 'a string';
    case 'boolean':
      return 'true or false';
    case 'object':
      return 'a mapping (key: value)';
    case 'array':
      return 'a list';
    case 'null':
      return 'null';
    default:
      return String(t);
  }
}

interface Converted {
  path: PathSeg[];
  /** Path of the node to point at (defaults to `path`). */
  at?: PathSeg[];
  key?: boolean;
  message: string;
}

function convert(e: ErrorObject): Converted | undefined {
  const path = pointerToPath(e.instancePath);
  const params = e.params as Record<string, unknown>;
  switch (e.keyword) {
    case 'required': {
      const missing = String(params.missingProperty);
      return { path: [...path, missing], at: path, message: 'is required' };
    }
    case 'dependentRequired': {
      const prop = String(params.property);
      const missing = String(params.missingProperty);
      return { path: [...path, prop], key: true, message: `${prop} requires ${missing} to be set as well` };
    }
    case 'type':
      return { path, message: `must be ${typeName(params.type)}` };
    case 'enum': {
      const allowed = (params.allowedValues as unknown[]).map((v) => String(v));
      return { path, message: `must be one of: ${allowed.join(', ')}` };
    }
    case 'const':
      return { path, message: `must be ${String(params.allowedValue)}` };
    case 'additionalProperties': {
      const prop = String(params.additionalProperty);
      return { path: [...path, prop], key: true, message: `${prop}: unknown field` };
    }
    case 'unevaluatedProperties':
      // Unknown keys were removed before validation; ajv may still report keys of a
      // failed $ref branch here, which would only repeat the real error.
      return undefined;
    default: {
      if (COMBINATORS.has(e.keyword)) {
        const msg = messageOf(e);
        if (msg !== undefined) return { path, message: msg };
        if (e.keyword === 'if') return undefined; // the `then`/`else` errors say it
      }
      return { path, message: e.message ?? e.keyword };
    }
  }
}

/** Converts ajv errors for one file into located problems (severity error), in file order. */
export function schemaErrorsToProblems(errors: readonly ErrorObject[], src: YamlSource): ConfigProblem[] {
  // 1. Collapse combinators that carry an x-message: drop the errors of their branches.
  const suppressed = new Set<ErrorObject>();
  for (const e of errors) {
    if (!COMBINATORS.has(e.keyword) || messageOf(e) === undefined) continue;
    const inside = nestedSchemas(e.parentSchema);
    for (const other of errors) {
      if (other === e || !within(other.instancePath, e.instancePath)) continue;
      if (other.parentSchema !== undefined && other.parentSchema !== e.parentSchema && inside.has(other.parentSchema)) {
        suppressed.add(other);
      }
    }
  }
  // 2. Convert, locate and de-duplicate.
  const out: ConfigProblem[] = [];
  const seen = new Set<string>();
  for (const e of errors) {
    if (suppressed.has(e)) continue;
    const c = convert(e);
    if (!c) continue;
    const field = fieldPath(c.path);
    const dedupe = `${field}\u0000${c.message}`;
    if (seen.has(dedupe)) continue;
    seen.add(dedupe);
    const loc = src.locate(c.at ?? c.path, c.key ? { key: true } : undefined);
    out.push({ severity: 'error', message: c.message, location: { ...loc, field: field === '' ? '(top level)' : field } });
  }
  return sortProblems(out);
}

/** Stable sort by file, line, column. Problems without location keep their place at the end. */
export function sortProblems(problems: ConfigProblem[]): ConfigProblem[] {
  return problems
    .map((p, i) => ({ p, i }))
    .sort((a, b) => {
      const la = a.p.location;
      const lb = b.p.location;
      if (!la || !lb) return la ? -1 : lb ? 1 : a.i - b.i;
      if (la.file !== lb.file) return la.file < lb.file ? -1 : 1;
      return la.line - lb.line || la.column - lb.column || a.i - b.i;
    })
    .map((x) => x.p);
}
