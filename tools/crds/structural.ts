// Conversion from JSON Schema 2020-12 to the structural OpenAPI v3 subset Kubernetes accepts:
//   * `$ref` is inlined (siblings of a `$ref` override the target, e.g. a `default`);
//     `$schema`, `$id`, `$defs`, `$comment`, `title`, `x-message` and `x-cel-rule` are dropped;
//   * every node gets a `type` (inferred from `enum` values, `properties` or `items` when the
//     JSON Schema leaves it implicit); an empty schema `{}` (free JSON) becomes
//     `x-kubernetes-preserve-unknown-fields: true` without a type, as controller-gen emits for
//     apiextensionsv1.JSON;
//   * `additionalProperties: false` is dropped (structural schemas prune unknown fields anyway,
//     and Kubernetes forbids `additionalProperties` next to `properties`);
//   * `uniqueItems: true` (forbidden by Kubernetes) becomes `x-kubernetes-list-type: set`;
//   * `const` becomes a one-value `enum`;
//   * every either/or construct that cannot be structural — `allOf` members (their
//     `x-message` becomes the rule message, `x-cel-rule` its text when set), `anyOf`, `oneOf`, `not`, `if/then/else`,
//     `dependentRequired`, `contains` — becomes an `x-kubernetes-validations` CEL rule on the
//     node, compiled by `celPredicate` (cel.ts). An unknown keyword makes generation throw, so a
//     schema change can never be silently lost in the CRDs.
// `x-kubernetes-validations` written in the schema (CEL rules JSON Schema cannot state, e.g. on
// IP addresses) are copied as they are, after the generated ones.

import { API_ONLY_RULES, LIST_TYPES } from './api-only.js';
import { celField, celPredicate, type CelRule, type Expr } from './cel.js';
import { isObj, resolve, type Ctx, type Schema } from './schema.js';

/** Keywords copied unchanged into the OpenAPI schema. */
const COPIED = [
  'description',
  'default',
  'format',
  'minimum',
  'maximum',
  'minLength',
  'maxLength',
  'pattern',
  'minItems',
  'maxItems',
  'minProperties',
  'maxProperties',
  'enum',
  'nullable',
] as const;
const DROPPED = new Set(['$schema', '$id', '$defs', '$comment', 'title', 'x-message', 'x-cel-rule', 'examples']);
/** Keywords that become CEL rules on the node. */
const RULE_KEYWORDS = new Set(['allOf', 'anyOf', 'oneOf', 'not', 'if', 'then', 'else', 'dependentRequired', 'contains']);

/** Output key order (the rest follows alphabetically), for readable, stable YAML. */
const KEY_ORDER = [
  'description',
  'type',
  'format',
  'default',
  'enum',
  'minimum',
  'maximum',
  'minLength',
  'maxLength',
  'pattern',
  'minItems',
  'maxItems',
  'items',
  'properties',
  'additionalProperties',
  'required',
  'x-kubernetes-list-type',
  'x-kubernetes-list-map-keys',
  'x-kubernetes-preserve-unknown-fields',
  'x-kubernetes-validations',
];

export function ordered(s: Schema): Schema {
  const keys = Object.keys(s).sort((a, b) => {
    const ia = KEY_ORDER.indexOf(a);
    const ib = KEY_ORDER.indexOf(b);
    return (ia < 0 ? 99 : ia) - (ib < 0 ? 99 : ib) || a.localeCompare(b);
  });
  const out: Schema = {};
  for (const k of keys) out[k] = s[k];
  return out;
}

function inferType(s: Schema, where: string): string | undefined {
  if (Array.isArray(s.enum)) {
    const types = new Set(s.enum.map((v) => (typeof v === 'number' ? (Number.isInteger(v) ? 'integer' : 'number') : typeof v)));
    if (types.size !== 1) throw new Error(`enum of mixed types at ${where}`);
    return [...types][0];
  }
  if ('const' in s) {
    const v = s.const;
    return typeof v === 'number' ? (Number.isInteger(v) ? 'integer' : 'number') : typeof v;
  }
  if (isObj(s.properties) || isObj(s.additionalProperties)) return 'object';
  if ('items' in s) return 'array';
  if (['minimum', 'maximum'].some((k) => k in s)) return 'number';
  if (['minLength', 'maxLength', 'pattern'].some((k) => k in s)) return 'string';
  return undefined;
}

/** Converts one JSON Schema node (and below) to a structural OpenAPI v3 schema. */
export function toStructural(input: Schema, ctx: Ctx): Schema {
  const { schema: s, def: refDef } = resolve(input, ctx);
  const def = refDef ?? ctx.def;
  const here: Ctx = def === undefined ? { ...ctx } : { ...ctx, def };

  const meaningful = Object.keys(s).filter((k) => !DROPPED.has(k) && k !== 'description');
  if (meaningful.length === 0) return freeJson(s);

  const out: Schema = {};
  for (const [k, v] of Object.entries(s)) convertKeyword(out, k, v, def, ctx);
  if (out.type === undefined && out['x-kubernetes-preserve-unknown-fields'] !== true) {
    const t = inferType(s, ctx.where);
    if (t === undefined) throw new Error(`cannot infer a type at ${ctx.where}`);
    out.type = t;
  }
  if (out['x-kubernetes-list-type'] === 'set' && isObj(out.items) && out.items.type === 'object') {
    throw new Error(`uniqueItems on object items at ${ctx.where}: use a list-map`);
  }

  const rules = [...eitherOrRules(s, here), ...dependentRequiredRules(s)];
  // Rules written as CEL in the schema (x-kubernetes-validations, copied above) come after the generated ones.
  const written = (out['x-kubernetes-validations'] as CelRule[] | undefined) ?? [];
  if (rules.length + written.length > 0) out['x-kubernetes-validations'] = [...rules, ...written];
  return ordered(out);
}

/** A schema that constrains nothing (e.g. a CNI rawConfig): any value, kept as is. */
function freeJson(s: Schema): Schema {
  const out: Schema = {};
  if (typeof s.description === 'string') out.description = s.description;
  out['x-kubernetes-preserve-unknown-fields'] = true;
  return out;
}

/** Writes the structural form of keyword `k` (value `v`) into `out`; either/or keywords are left to eitherOrRules. */
function convertKeyword(out: Schema, k: string, v: unknown, def: string | undefined, ctx: Ctx): void {
  if (DROPPED.has(k) || RULE_KEYWORDS.has(k)) return;
  if ((COPIED as readonly string[]).includes(k)) {
    out[k] = v;
    return;
  }
  switch (k) {
    case 'type':
      if (typeof v !== 'string') throw new Error(`union type at ${ctx.where} cannot be structural`);
      out.type = v;
      return;
    case 'const':
      out.enum = [v];
      return;
    case 'required':
      out.required = v;
      return;
    case 'properties':
      out.properties = convertProperties(v as Schema, def, ctx);
      return;
    case 'additionalProperties':
      convertAdditionalProperties(out, v, ctx);
      return;
    case 'items':
      if (!isObj(v)) throw new Error(`tuple items at ${ctx.where} cannot be structural`);
      out.items = toStructural(v, { root: ctx.root, where: `${ctx.where}[]` });
      return;
    case 'uniqueItems':
      if (v === true) out['x-kubernetes-list-type'] = 'set';
      return;
    case 'exclusiveMinimum':
    case 'exclusiveMaximum':
      // 2020-12 number form → OpenAPI v3.0 boolean form.
      out[k === 'exclusiveMinimum' ? 'minimum' : 'maximum'] = v;
      out[k] = true;
      return;
    default:
      if (!k.startsWith('x-kubernetes-')) {
        throw new Error(`keyword ${k} at ${ctx.where} has no structural equivalent and no CEL translation`);
      }
      out[k] = v;
  }
}

/** Each property converted, with the API-only list type and rules of `def` (its `$defs` name) added. */
function convertProperties(properties: Schema, def: string | undefined, ctx: Ctx): Schema {
  const props: Schema = {};
  for (const [name, sub] of Object.entries(properties)) {
    if (!isObj(sub)) throw new Error(`bad property ${name} at ${ctx.where}`);
    const child = toStructural(sub, { root: ctx.root, where: `${ctx.where}.${name}` });
    const listType = def !== undefined ? LIST_TYPES[def]?.[name] : undefined;
    if (listType) {
      child['x-kubernetes-list-type'] = listType.type;
      if (listType.keys) child['x-kubernetes-list-map-keys'] = listType.keys;
    }
    const extra = def !== undefined ? API_ONLY_RULES[def]?.[name] : undefined;
    if (extra) {
      const existing = (child['x-kubernetes-validations'] as CelRule[] | undefined) ?? [];
      child['x-kubernetes-validations'] = [...existing, ...extra];
    }
    props[name] = ordered(child);
  }
  return props;
}

function convertAdditionalProperties(out: Schema, v: unknown, ctx: Ctx): void {
  if (v === false) return; // structural schemas prune unknown fields
  if (v === true) {
    out['x-kubernetes-preserve-unknown-fields'] = true;
    return;
  }
  if (!isObj(v)) throw new Error(`bad additionalProperties at ${ctx.where}`);
  out.additionalProperties = toStructural(v, { root: ctx.root, where: `${ctx.where}[*]` });
}

/** Either/or constructs as CEL rules: one per allOf member (with its x-message), one per other construct. */
function eitherOrRules(s: Schema, ctx: Ctx): CelRule[] {
  const rules: CelRule[] = [];
  const addRule = (pred: Expr, message: unknown): void => {
    if (pred.text === 'true') return;
    const rule: CelRule = { rule: pred.text };
    rule.message = typeof message === 'string' ? message : `failed rule: ${pred.text}`;
    rules.push(rule);
  };
  if (Array.isArray(s.allOf)) {
    for (const member of s.allOf) {
      const compiled = celPredicate(member, 'self', ctx);
      // x-cel-rule: upstream's own statement of the member (same verdicts, checked by the parity tests).
      const written = isObj(member) && typeof member['x-cel-rule'] === 'string' ? { text: member['x-cel-rule'], prec: 0 } : compiled;
      addRule(written, isObj(member) ? member['x-message'] : undefined);
    }
  }
  for (const k of ['anyOf', 'oneOf', 'not', 'contains'] as const) {
    if (k in s) addRule(celPredicate({ [k]: s[k] }, 'self', ctx), undefined);
  }
  if ('if' in s) {
    addRule(celPredicate({ if: s.if, then: s.then, else: s.else }, 'self', ctx), undefined);
  }
  return rules;
}

/** dependentRequired as one rule per pair of fields: "set together" when each requires the other. */
function dependentRequiredRules(s: Schema): CelRule[] {
  if (!isObj(s.dependentRequired)) return [];
  const deps = s.dependentRequired as Record<string, string[]>;
  const rules: CelRule[] = [];
  const done = new Set<string>();
  for (const [f, list] of Object.entries(deps)) {
    for (const d of list) {
      const key = [f, d].sort().join('\0');
      if (done.has(key)) continue;
      done.add(key);
      const symmetric = deps[d]?.includes(f) === true;
      const hf = celField('self', f);
      const hd = celField('self', d);
      if (symmetric) rules.push({ rule: `has(${hf}) == has(${hd})`, message: `${f} and ${d} must be set together` });
      else rules.push({ rule: `!has(${hf}) || has(${hd})`, message: `${f} requires ${d} to be set as well` });
    }
  }
  return rules;
}
