// What kube-apiserver does with a custom resource and its CRD's structural schema, in its order:
// prune unknown fields (reported for fieldValidation Warn/Strict), drop nulls of non-nullable
// fields, apply defaults, validate (OpenAPI value validation, messages as kube-openapi words
// them), then evaluate the x-kubernetes-validations CEL rules unless a blocking error
// (wrong type, unsupported enum value) already exists.
//
// Not done (see README.md): validation ratcheting, `format` checks, CEL cost limits,
// messageExpression, optionalOldSelf, `x-kubernetes-embedded-resource`, int-or-string.

import { type Ast, CelError, compileCel, evalCel, usesOldSelf } from './cel.js';
import type { FieldError } from './errors.js';

export type Schema = { [key: string]: unknown };

function isMap(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function childPath(path: string, key: string): string {
  return path === '' ? key : `${path}.${key}`;
}

// ------------------------------------------------------------------ pruning + defaulting

/**
 * Prunes unknown fields in place (returning their paths, e.g. `spec.foo`), drops nulls of
 * non-nullable fields, and applies defaults. `value` must be the node's value (object/array).
 */
export function pruneAndDefault(schema: Schema, value: unknown, path: string, unknown: string[]): void {
  if (isMap(value)) {
    const props = isMap(schema.properties) ? (schema.properties as Record<string, Schema>) : undefined;
    const addl = isMap(schema.additionalProperties) ? (schema.additionalProperties as Schema) : undefined;
    const preserve = schema['x-kubernetes-preserve-unknown-fields'] === true;
    for (const key of Object.keys(value)) {
      const sub = props?.[key] ?? addl;
      if (sub === undefined) {
        if (!preserve) {
          unknown.push(childPath(path, key));
          delete value[key];
        }
        continue;
      }
      if (value[key] === null && sub.nullable !== true) {
        delete value[key];
        continue;
      }
      pruneAndDefault(sub, value[key], childPath(path, key), unknown);
    }
    if (props) {
      for (const [key, sub] of Object.entries(props)) {
        if (!(key in value) && 'default' in sub) {
          value[key] = structuredClone(sub.default);
          pruneAndDefault(sub, value[key], childPath(path, key), []);
        }
      }
    }
  } else if (Array.isArray(value) && isMap(schema.items)) {
    const items = schema.items as Schema;
    value.forEach((item, i) => pruneAndDefault(items, item, `${path}[${i}]`, unknown));
  }
}

// ------------------------------------------------------------------ value validation

function jsonType(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'number';
  return typeof v;
}

function typeMatches(type: string, v: unknown): boolean {
  const t = jsonType(v);
  if (type === 'number') return t === 'number' || t === 'integer';
  return t === type;
}

function quoteList(values: unknown[]): string {
  return values.map((v) => JSON.stringify(v)).join(', ');
}

function equal(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** OpenAPI value validation of `value` against `schema` (no CEL). Appends to `errs`. */
export function validateValue(schema: Schema, value: unknown, path: string, errs: FieldError[]): void {
  if (value === null && schema.nullable === true) return;
  const type = typeof schema.type === 'string' ? schema.type : undefined;
  if (type !== undefined && !typeMatches(type, value)) {
    const actual = jsonType(value);
    errs.push({
      type: 'FieldValueTypeInvalid',
      field: path,
      value: actual,
      detail: `${path} in body must be of type ${type}: "${actual}"`,
    });
    return;
  }
  if (Array.isArray(schema.enum) && !schema.enum.some((e) => equal(e, value))) {
    errs.push({ type: 'FieldValueNotSupported', field: path, value, detail: `supported values: ${quoteList(schema.enum)}` });
  }
  if (typeof value === 'number') {
    if (typeof schema.minimum === 'number') {
      const ex = schema.exclusiveMinimum === true;
      if (ex ? value <= schema.minimum : value < schema.minimum) {
        errs.push({
          type: 'FieldValueInvalid',
          field: path,
          value,
          detail: `${path} in body should be greater than ${ex ? '' : 'or equal to '}${schema.minimum}`,
        });
      }
    }
    if (typeof schema.maximum === 'number') {
      const ex = schema.exclusiveMaximum === true;
      if (ex ? value >= schema.maximum : value > schema.maximum) {
        errs.push({
          type: 'FieldValueInvalid',
          field: path,
          value,
          detail: `${path} in body should be less than ${ex ? '' : 'or equal to '}${schema.maximum}`,
        });
      }
    }
  }
  if (typeof value === 'string') {
    const len = [...value].length;
    if (typeof schema.maxLength === 'number' && len > schema.maxLength) {
      errs.push({ type: 'FieldValueTooLong', field: path, value, detail: `may not be more than ${schema.maxLength} bytes` });
    }
    if (typeof schema.minLength === 'number' && len < schema.minLength) {
      errs.push({
        type: 'FieldValueInvalid',
        field: path,
        value,
        detail: `${path} in body should be at least ${schema.minLength} chars long`,
      });
    }
    if (typeof schema.pattern === 'string' && !new RegExp(schema.pattern, 'u').test(value)) {
      errs.push({ type: 'FieldValueInvalid', field: path, value, detail: `${path} in body should match '${schema.pattern}'` });
    }
  }
  if (Array.isArray(value)) {
    if (typeof schema.maxItems === 'number' && value.length > schema.maxItems) {
      errs.push({ type: 'FieldValueTooMany', field: path, value: value.length, detail: `must have at most ${schema.maxItems} items` });
    }
    if (typeof schema.minItems === 'number' && value.length < schema.minItems) {
      errs.push({
        type: 'FieldValueInvalid',
        field: path,
        value: value.length,
        detail: `${path} in body should have at least ${schema.minItems} items`,
      });
    }
    const listType = schema['x-kubernetes-list-type'];
    if (listType === 'set') {
      value.forEach((v, i) => {
        if (value.findIndex((w) => equal(w, v)) < i) errs.push({ type: 'FieldValueDuplicate', field: `${path}[${i}]`, value: v });
      });
    } else if (listType === 'map' && Array.isArray(schema['x-kubernetes-list-map-keys'])) {
      const keys = schema['x-kubernetes-list-map-keys'] as string[];
      const keyOf = (v: unknown): string => JSON.stringify(keys.map((k) => (isMap(v) ? v[k] : undefined)));
      value.forEach((v, i) => {
        if (value.findIndex((w) => keyOf(w) === keyOf(v)) < i) {
          const shown: Record<string, unknown> = {};
          for (const k of keys) if (isMap(v)) shown[k] = v[k];
          errs.push({ type: 'FieldValueDuplicate', field: `${path}[${i}]`, value: shown });
        }
      });
    }
    if (isMap(schema.items)) {
      const items = schema.items as Schema;
      value.forEach((v, i) => validateValue(items, v, `${path}[${i}]`, errs));
    }
  }
  if (isMap(value)) {
    if (typeof schema.maxProperties === 'number' && Object.keys(value).length > schema.maxProperties) {
      errs.push({
        type: 'FieldValueTooMany',
        field: path,
        value: Object.keys(value).length,
        detail: `must have at most ${schema.maxProperties} items`,
      });
    }
    if (Array.isArray(schema.required)) {
      for (const r of schema.required as string[]) {
        if (!(r in value)) errs.push({ type: 'FieldValueRequired', field: childPath(path, r) });
      }
    }
    const props = isMap(schema.properties) ? (schema.properties as Record<string, Schema>) : {};
    const addl = isMap(schema.additionalProperties) ? (schema.additionalProperties as Schema) : undefined;
    for (const [k, v] of Object.entries(value)) {
      const sub = props[k] ?? addl;
      if (sub) validateValue(sub, v, childPath(path, k), errs);
    }
  }
}

// ------------------------------------------------------------------ CEL

export interface CompiledRule {
  rule: string;
  message?: string;
  reason?: string;
  fieldPath?: string;
  ast: Ast;
  transition: boolean;
}

export interface RuleReport {
  /** Rules that the stand-in's CEL subset cannot compile; they are skipped (and reported). */
  unevaluated: string[];
}

const compiledCache = new WeakMap<Schema, CompiledRule[]>();

function rulesOf(schema: Schema, report: RuleReport): CompiledRule[] {
  const cached = compiledCache.get(schema);
  if (cached) return cached;
  const out: CompiledRule[] = [];
  const raw = schema['x-kubernetes-validations'];
  if (Array.isArray(raw)) {
    for (const r of raw as Record<string, unknown>[]) {
      if (typeof r.rule !== 'string') continue;
      try {
        const ast = compileCel(r.rule);
        const c: CompiledRule = { rule: r.rule, ast, transition: usesOldSelf(ast) };
        if (typeof r.message === 'string') c.message = r.message;
        if (typeof r.reason === 'string') c.reason = r.reason;
        if (typeof r.fieldPath === 'string') c.fieldPath = r.fieldPath;
        out.push(c);
      } catch (e) {
        if (!(e instanceof CelError)) throw e;
        report.unevaluated.push(`${r.rule} (${e.message})`);
      }
    }
  }
  compiledCache.set(schema, out);
  return out;
}

/** Compiles every rule under `schema` once, so unsupported ones are known up front. */
export function precompileRules(schema: Schema, report: RuleReport): void {
  rulesOf(schema, report);
  if (isMap(schema.properties)) for (const s of Object.values(schema.properties)) precompileRules(s as Schema, report);
  if (isMap(schema.additionalProperties)) precompileRules(schema.additionalProperties as Schema, report);
  if (isMap(schema.items)) precompileRules(schema.items as Schema, report);
}

const ABSENT = Symbol('absent');

/** Old value correlated with an array item: only list-type=map items correlate (by key). */
function correlateItem(schema: Schema, item: unknown, oldList: unknown): unknown {
  if (schema['x-kubernetes-list-type'] !== 'map' || !Array.isArray(oldList)) return ABSENT;
  const keys = schema['x-kubernetes-list-map-keys'];
  if (!Array.isArray(keys) || !isMap(item)) return ABSENT;
  const match = oldList.find((o) => isMap(o) && (keys as string[]).every((k) => equal(o[k], item[k])));
  return match === undefined ? ABSENT : match;
}

/** Evaluates every x-kubernetes-validations rule at and below `path`. */
export function validateCel(schema: Schema, value: unknown, old: unknown, path: string, errs: FieldError[], report: RuleReport): void {
  for (const r of rulesOf(schema, report)) {
    if (r.transition && old === ABSENT) continue;
    const env: Record<string, unknown> = { self: value };
    if (r.transition) env.oldSelf = old;
    const field = r.fieldPath ? `${path}${r.fieldPath.startsWith('.') ? '' : '.'}${r.fieldPath}` : path;
    const type = typeof schema.type === 'string' ? schema.type : 'object';
    try {
      const ok = evalCel(r.ast, env);
      if (ok !== true) {
        errs.push({ type: 'FieldValueInvalid', field, value: type, detail: r.message ?? `failed rule: ${r.rule}` });
      }
    } catch (e) {
      if (!(e instanceof CelError)) throw e;
      errs.push({ type: 'FieldValueInvalid', field, value: type, detail: `rule evaluation error: ${e.message}` });
    }
  }
  if (isMap(value)) {
    const props = isMap(schema.properties) ? (schema.properties as Record<string, Schema>) : {};
    const addl = isMap(schema.additionalProperties) ? (schema.additionalProperties as Schema) : undefined;
    for (const [k, v] of Object.entries(value)) {
      const sub = props[k] ?? addl;
      if (!sub) continue;
      const o = isMap(old) && k in old ? old[k] : ABSENT;
      validateCel(sub, v, o, childPath(path, k), errs, report);
    }
  } else if (Array.isArray(value) && isMap(schema.items)) {
    const items = schema.items as Schema;
    value.forEach((v, i) =>
      validateCel(items, v, correlateItem(schema, v, old === ABSENT ? undefined : old), `${path}[${i}]`, errs, report),
    );
  }
}

export { ABSENT };

/** kube-apiserver's hasBlockingErr: type errors and unsupported values stop CEL evaluation. */
export function hasBlockingError(errs: FieldError[]): boolean {
  return errs.some((e) => e.type === 'FieldValueNotSupported' || e.type === 'FieldValueTypeInvalid');
}

export const BLOCKING_ERROR: FieldError = {
  type: 'FieldValueInvalid',
  field: '',
  value: null,
  detail: 'some validation rules were not checked because the object was invalid; correct the existing errors to complete validation',
};
