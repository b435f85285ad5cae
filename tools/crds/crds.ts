// CustomResourceDefinitions (apiextensions.k8s.io/v1) and the daemon's RBAC, generated
// from the JSON Schemas in <package>/schemas — the single source of truth for the spec of every
// kind. Pure: no I/O except reading the schema file (relative to this module, so it works from
// src/ and dist/ alike). `gen-crds-main.ts` writes the result to deploy/.
//
// Conversion from JSON Schema 2020-12 to the structural OpenAPI v3 subset Kubernetes accepts:
//   * `$ref` is inlined (siblings of a `$ref` override the target, e.g. a `default`);
//     `$schema`, `$id`, `$defs`, `$comment`, `title` and `x-message` are dropped;
//   * every node gets a `type` (inferred from `enum` values, `properties` or `items` when the
//     JSON Schema leaves it implicit); an empty schema `{}` (free JSON) becomes
//     `x-kubernetes-preserve-unknown-fields: true` without a type, as controller-gen emits for
//     apiextensionsv1.JSON;
//   * `additionalProperties: false` is dropped (structural schemas prune unknown fields anyway,
//     and Kubernetes forbids `additionalProperties` next to `properties`);
//   * `uniqueItems: true` (forbidden by Kubernetes) becomes `x-kubernetes-list-type: set`;
//   * `const` becomes a one-value `enum`;
//   * every either/or construct that cannot be structural — `allOf` members (their
//     `x-message` becomes the rule message), `anyOf`, `oneOf`, `not`, `if/then/else`,
//     `dependentRequired`, `contains` — becomes an `x-kubernetes-validations` CEL rule on the
//     node, compiled by `celPredicate` below. An unknown keyword makes generation throw, so a
//     schema change can never be silently lost in the CRDs.
// Not checked against a real kube-apiserver (none can run here): CEL cost estimation. The rule on
// Underlay.spec.interfaces iterates a list without maxItems; should a real server reject the CRD
// as too costly, give `interfaces` a maxItems in the schema.
// `x-kubernetes-validations` written in the schema (CEL rules JSON Schema cannot state, e.g. on
// IP addresses) are copied as they are, after the generated ones.
// Additions that exist only in the API (not in the static files): list-type annotations
// (LIST_TYPES), the immutability transition rules upstream has (API_ONLY_RULES) and the
// RouterNodeConfigurationStatus schema (STATUS_KIND_DEFS).

import { existsSync, readFileSync } from 'node:fs';
import { stringify } from 'yaml';
import { ALL_KINDS, API_VERSION, GROUP, VERSION, type KindInfo } from '../../src/k8s/kinds.js';

export { GROUP, VERSION, API_VERSION };

export type Schema = { [key: string]: unknown };

export type CrdKind = KindInfo;

/** All seven kinds, from the one kinds table the daemon uses too. */
export const CRD_KINDS: readonly CrdKind[] = ALL_KINDS;

// ------------------------------------------------------------------ API-only additions

/** `x-kubernetes-list-type` for arrays, by `$defs` name and property (upstream's list-maps). */
const LIST_TYPES: Record<string, Record<string, { type: 'map' | 'atomic'; keys?: string[] }>> = {
  Neighbor: {
    properties: { type: 'map', keys: ['type'] },
    addressFamilies: { type: 'map', keys: ['type'] },
  },
  NeighborAddressFamily: { properties: { type: 'map', keys: ['type'] } },
  ISIS: { interfaces: { type: 'map', keys: ['name'] } },
  Underlay: { neighbors: { type: 'atomic' } },
  RouterNodeConfigurationStatusStatus: {
    failedResources: { type: 'atomic' },
    conditions: { type: 'map', keys: ['type'] },
  },
};

export interface CelRule {
  rule: string;
  message?: string;
  reason?: string;
  fieldPath?: string;
}

/**
 * Transition rules upstream declares and the static files cannot express (there is no "old"
 * file): fields that may not change once set. By `$defs` name and property.
 */
const API_ONLY_RULES: Record<string, Record<string, CelRule[]>> = {
  HostSession: { localCIDR: [{ rule: 'self == oldSelf', message: "LocalCIDR can't be changed" }] },
  L2VNI: { gatewayIPs: [{ rule: 'self == oldSelf', message: "GatewayIPs can't be changed" }] },
};

const CONDITION_SCHEMA: Schema = {
  description: 'metav1.Condition',
  type: 'object',
  required: ['lastTransitionTime', 'message', 'reason', 'status', 'type'],
  properties: {
    lastTransitionTime: { type: 'string', format: 'date-time' },
    message: { type: 'string', maxLength: 32768 },
    observedGeneration: { type: 'integer', format: 'int64', minimum: 0 },
    reason: {
      type: 'string',
      minLength: 1,
      maxLength: 1024,
      pattern: '^[A-Za-z]([A-Za-z0-9_,:]*[A-Za-z0-9_])?$',
    },
    status: { enum: ['True', 'False', 'Unknown'] },
    type: {
      type: 'string',
      maxLength: 316,
      pattern: '^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/)?(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])$',
    },
  },
};

/**
 * Status of RouterNodeConfigurationStatus (status-only kind). Upstream's failedResources kind
 * enum lacks L3VPN although its code emits it; ours includes it (and RawFRRConfig).
 */
const STATUS_KIND_DEFS: Record<string, Schema> = {
  RouterNodeConfigurationStatusStatus: {
    description: 'Per-node result of applying the router configuration.',
    type: 'object',
    properties: {
      observedGeneration: { type: 'integer', minimum: 0 },
      failedResources: { type: 'array', items: { $ref: '#/$defs/FailedResource' } },
      conditions: { type: 'array', items: { $ref: '#/$defs/Condition' } },
    },
  },
  FailedResource: {
    type: 'object',
    // As upstream's CRD (api/v1alpha1/failedresource.go), so either CRD accepts the other's status.
    required: ['kind', 'message', 'name', 'reason'],
    properties: {
      kind: { enum: ['Underlay', 'L2VNI', 'L3VNI', 'FrrConfiguration', 'L3Passthrough'] },
      name: { type: 'string', minLength: 1, maxLength: 253 },
      reason: {
        type: 'string',
        minLength: 1,
        maxLength: 100,
        enum: ['ValidationFailed', 'DependencyFailed', 'OverlayAttachmentFailed', 'FrrConfigurationFailed'],
      },
      message: { type: 'string', minLength: 1, maxLength: 500 },
    },
  },
  Condition: CONDITION_SCHEMA,
};

// ------------------------------------------------------------------ schema loading

function isObj(v: unknown): v is Schema {
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

export interface Ctx {
  root: Schema;
  /** `$defs` name of the schema being converted (for LIST_TYPES / API_ONLY_RULES). */
  def?: string;
  where: string;
}

function defsOf(root: Schema): Schema {
  const defs = root.$defs;
  if (!isObj(defs)) throw new Error('schema has no $defs');
  return defs;
}

/** Inlines a `$ref` (possibly chained); siblings of the `$ref` win over the target. */
function resolve(schema: Schema, ctx: Ctx): { schema: Schema; def?: string } {
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

// ------------------------------------------------------------------ CEL predicates

/** CEL text plus its precedence (0 ternary, 1 ||, 2 &&, 3 relation, 4 +, 5 unary, 6 primary). */
interface Expr {
  text: string;
  prec: number;
}

const TRUE: Expr = { text: 'true', prec: 6 };
const FALSE: Expr = { text: 'false', prec: 6 };

function paren(e: Expr, min: number): string {
  return e.prec >= min ? e.text : `(${e.text})`;
}

function and(terms: Expr[]): Expr {
  const t = terms.filter((x) => x.text !== 'true');
  if (t.some((x) => x.text === 'false')) return FALSE;
  if (t.length === 0) return TRUE;
  if (t.length === 1) return t[0] as Expr;
  // Nested conjunctions flatten; anything looser is parenthesised.
  return { text: t.map((x) => (x.prec === 2 ? x.text : paren(x, 3))).join(' && '), prec: 2 };
}

function or(terms: Expr[]): Expr {
  const t = terms.filter((x) => x.text !== 'false');
  if (t.some((x) => x.text === 'true')) return TRUE;
  if (t.length === 0) return FALSE;
  if (t.length === 1) return t[0] as Expr;
  // Nested disjunctions flatten; conjunctions are parenthesised for the reader (CEL would not need it).
  return { text: t.map((x) => (x.prec === 1 ? x.text : paren(x, 3))).join(' || '), prec: 1 };
}

function not(e: Expr): Expr {
  if (e.text === 'true') return FALSE;
  if (e.text === 'false') return TRUE;
  return { text: `!${paren(e, 5)}`, prec: 5 };
}

function rel(a: string, op: string, b: string): Expr {
  return { text: `${a} ${op} ${b}`, prec: 3 };
}

const CEL_RESERVED = new Set([
  'true',
  'false',
  'null',
  'in',
  'as',
  'break',
  'const',
  'continue',
  'else',
  'for',
  'function',
  'if',
  'import',
  'let',
  'loop',
  'package',
  'namespace',
  'return',
  'var',
  'void',
  'while',
]);

/** Field selection as Kubernetes escapes property names in CEL. */
export function celField(base: string, name: string): string {
  if (!/^[a-zA-Z_][a-zA-Z0-9_./-]*$/.test(name)) throw new Error(`property ${name} cannot be named in CEL`);
  const escaped = CEL_RESERVED.has(name)
    ? `__${name}__`
    : name.replace(/__/g, '__underscores__').replace(/\./g, '__dot__').replace(/-/g, '__dash__').replace(/\//g, '__slash__');
  return `${base}.${escaped}`;
}

function literal(v: unknown): string {
  if (typeof v === 'string') return `'${v.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
  if (typeof v === 'number' && Number.isInteger(v)) return String(v);
  if (typeof v === 'boolean') return String(v);
  if (v === null) return 'null';
  throw new Error(`cannot write ${JSON.stringify(v)} as a CEL literal`);
}

const VARS = ['x', 'y', 'z', 'w', 'v', 'u'];

/** Keywords a predicate may use, beside those it compiles; they assert nothing by themselves. */
const PREDICATE_IGNORED = new Set(['x-message', 'type', 'description', '$comment']);

/**
 * The CEL expression that is true exactly when `value` (a CEL expression) satisfies `schema`,
 * assuming the structural part of the schema (types) already holds — as it does when
 * Kubernetes evaluates x-kubernetes-validations.
 */
export function celPredicate(schema: unknown, value: string, ctx: Ctx, depth = 0): Expr {
  if (schema === true) return TRUE;
  if (schema === false) return FALSE;
  if (!isObj(schema)) throw new Error(`bad schema at ${ctx.where}`);
  const s = resolve(schema, ctx).schema;
  const required = new Set(Array.isArray(s.required) ? (s.required as string[]) : []);
  // Presence tests first, so that field reads come after the `has` that guards them.
  const terms: Expr[] = [...required].map((f) => ({ text: `has(${celField(value, f)})`, prec: 6 }));
  for (const [k, v] of Object.entries(s)) {
    switch (k) {
      case 'required':
        break; // above
      case 'properties':
        for (const [f, sub] of Object.entries(v as Schema)) {
          const p = celPredicate(sub, celField(value, f), ctx, depth);
          terms.push(required.has(f) ? p : or([not({ text: `has(${celField(value, f)})`, prec: 6 }), p]));
        }
        break;
      case 'const':
        terms.push(rel(value, '==', literal(v)));
        break;
      case 'enum':
        terms.push(
          (v as unknown[]).length === 1
            ? rel(value, '==', literal((v as unknown[])[0]))
            : rel(value, 'in', `[${(v as unknown[]).map(literal).join(', ')}]`),
        );
        break;
      case 'minimum':
        terms.push(rel(value, '>=', literal(v)));
        break;
      case 'maximum':
        terms.push(rel(value, '<=', literal(v)));
        break;
      case 'minItems':
        terms.push(rel(`${value}.size()`, '>=', literal(v)));
        break;
      case 'maxItems':
        terms.push(rel(`${value}.size()`, '<=', literal(v)));
        break;
      case 'not':
        terms.push(not(celPredicate(v, value, ctx, depth)));
        break;
      case 'allOf':
        terms.push(and((v as unknown[]).map((m) => celPredicate(m, value, ctx, depth))));
        break;
      case 'anyOf':
        terms.push(or((v as unknown[]).map((m) => celPredicate(m, value, ctx, depth))));
        break;
      case 'oneOf':
        terms.push(exactlyOne((v as unknown[]).map((m) => celPredicate(m, value, ctx, depth))));
        break;
      case 'if': {
        const cond = celPredicate(v, value, ctx, depth);
        const then = 'then' in s ? celPredicate(s.then, value, ctx, depth) : TRUE;
        const els = 'else' in s ? celPredicate(s.else, value, ctx, depth) : TRUE;
        if (els.text === 'true') terms.push(or([not(cond), then]));
        else if (then.text === 'true') terms.push(or([cond, els]));
        else terms.push({ text: `${paren(cond, 6)} ? ${paren(then, 1)} : ${paren(els, 1)}`, prec: 0 });
        break;
      }
      case 'then':
      case 'else':
        break; // with `if`
      case 'contains':
      case 'items': {
        const x = VARS[depth];
        if (x === undefined) throw new Error(`predicate nested too deep at ${ctx.where}`);
        const p = celPredicate(v, x, ctx, depth + 1);
        if (k === 'items' && p.text === 'true') break;
        terms.push({ text: `${value}.${k === 'items' ? 'all' : 'exists'}(${x}, ${p.text})`, prec: 6 });
        break;
      }
      case 'dependentRequired':
        for (const [f, deps] of Object.entries(v as Record<string, string[]>)) {
          terms.push(
            or([
              not({ text: `has(${celField(value, f)})`, prec: 6 }),
              and(deps.map((d) => ({ text: `has(${celField(value, d)})`, prec: 6 }))),
            ]),
          );
        }
        break;
      default:
        if (!PREDICATE_IGNORED.has(k)) throw new Error(`keyword ${k} is not supported in a CEL rule (at ${ctx.where})`);
    }
  }
  return and(terms);
}

function exactlyOne(branches: Expr[]): Expr {
  if (branches.length === 1) return branches[0] as Expr;
  const sum = branches.map((b) => `(${paren(b, 1)} ? 1 : 0)`).join(' + ');
  return rel(sum, '==', '1');
}

// ------------------------------------------------------------------ structural conversion

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
const DROPPED = new Set(['$schema', '$id', '$defs', '$comment', 'title', 'x-message', 'examples']);
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

function ordered(s: Schema): Schema {
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
  const out: Schema = {};
  const rules: CelRule[] = [];

  const meaningful = Object.keys(s).filter((k) => !DROPPED.has(k) && k !== 'description');
  if (meaningful.length === 0) {
    // Free JSON (e.g. a CNI rawConfig): any value, kept as is.
    if (typeof s.description === 'string') out.description = s.description;
    out['x-kubernetes-preserve-unknown-fields'] = true;
    return out;
  }

  for (const [k, v] of Object.entries(s)) {
    if (DROPPED.has(k) || RULE_KEYWORDS.has(k)) continue;
    if ((COPIED as readonly string[]).includes(k)) {
      out[k] = v;
      continue;
    }
    switch (k) {
      case 'type':
        if (typeof v !== 'string') throw new Error(`union type at ${ctx.where} cannot be structural`);
        out.type = v;
        break;
      case 'const':
        out.enum = [v];
        break;
      case 'required':
        out.required = v;
        break;
      case 'properties': {
        const props: Schema = {};
        for (const [name, sub] of Object.entries(v as Schema)) {
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
        out.properties = props;
        break;
      }
      case 'additionalProperties':
        if (v === false) break; // structural schemas prune unknown fields
        if (v === true) {
          out['x-kubernetes-preserve-unknown-fields'] = true;
          break;
        }
        if (!isObj(v)) throw new Error(`bad additionalProperties at ${ctx.where}`);
        out.additionalProperties = toStructural(v, { root: ctx.root, where: `${ctx.where}[*]` });
        break;
      case 'items':
        if (!isObj(v)) throw new Error(`tuple items at ${ctx.where} cannot be structural`);
        out.items = toStructural(v, { root: ctx.root, where: `${ctx.where}[]` });
        break;
      case 'uniqueItems':
        if (v === true) out['x-kubernetes-list-type'] = 'set';
        break;
      case 'exclusiveMinimum':
      case 'exclusiveMaximum':
        // 2020-12 number form → OpenAPI v3.0 boolean form.
        out[k === 'exclusiveMinimum' ? 'minimum' : 'maximum'] = v;
        out[k] = true;
        break;
      default:
        if (k.startsWith('x-kubernetes-')) {
          out[k] = v;
          break;
        }
        throw new Error(`keyword ${k} at ${ctx.where} has no structural equivalent and no CEL translation`);
    }
  }

  if (out.type === undefined && out['x-kubernetes-preserve-unknown-fields'] !== true) {
    const t = inferType(s, ctx.where);
    if (t === undefined) throw new Error(`cannot infer a type at ${ctx.where}`);
    out.type = t;
  }
  if (out['x-kubernetes-list-type'] === 'set' && isObj(out.items) && out.items.type === 'object') {
    throw new Error(`uniqueItems on object items at ${ctx.where}: use a list-map`);
  }

  // Either/or rules → CEL, one rule per allOf member (with its x-message), one per other construct.
  const pctx: Ctx = { ...here, where: ctx.where };
  const addRule = (pred: Expr, message: unknown): void => {
    if (pred.text === 'true') return;
    const rule: CelRule = { rule: pred.text };
    rule.message = typeof message === 'string' ? message : `failed rule: ${pred.text}`;
    rules.push(rule);
  };
  if (Array.isArray(s.allOf)) {
    for (const member of s.allOf) addRule(celPredicate(member, 'self', pctx), isObj(member) ? member['x-message'] : undefined);
  }
  for (const k of ['anyOf', 'oneOf', 'not', 'contains'] as const) {
    if (k in s) addRule(celPredicate({ [k]: s[k] }, 'self', pctx), undefined);
  }
  if ('if' in s) {
    addRule(celPredicate({ if: s.if, then: s.then, else: s.else }, 'self', pctx), undefined);
  }
  if (isObj(s.dependentRequired)) {
    const deps = s.dependentRequired as Record<string, string[]>;
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
  }
  // Rules written as CEL in the schema (x-kubernetes-validations, copied above) come after the generated ones.
  const written = (out['x-kubernetes-validations'] as CelRule[] | undefined) ?? [];
  if (rules.length + written.length > 0) out['x-kubernetes-validations'] = [...rules, ...written];
  return ordered(out);
}

// ------------------------------------------------------------------ CRDs

export interface GenerateOptions {
  /** Schema root to read `$defs` from (default: schemas/openpe-config.schema.json). */
  root?: Schema;
}

function specSchemaOf(kind: CrdKind, root: Schema): Schema {
  if (kind.specDef === undefined) throw new Error(`${kind.kind} has no spec`);
  const spec = toStructural({ $ref: `#/$defs/${kind.specDef}` }, { root, where: 'spec' });
  return ordered({ ...spec, description: `${kind.kind} spec (schemas/openpe-config.schema.json#/$defs/${kind.specDef}).` });
}

/** The openAPIV3Schema of one kind's version. */
export function openApiSchemaFor(kind: CrdKind, opts: GenerateOptions = {}): Schema {
  const root = opts.root ?? openpeSchemaRoot();
  const properties: Schema = {
    apiVersion: {
      description: 'APIVersion defines the versioned schema of this representation of an object.',
      type: 'string',
    },
    kind: { description: 'Kind is a string value representing the REST resource this object represents.', type: 'string' },
    metadata: { type: 'object' },
  };
  if (kind.specDef !== undefined) {
    properties.spec = specSchemaOf(kind, root);
    properties.status = { description: `${kind.kind} status (empty, as upstream's).`, type: 'object' };
  } else {
    const statusRoot: Schema = { $defs: { ...defsOf(root), ...STATUS_KIND_DEFS } };
    properties.status = toStructural({ $ref: '#/$defs/RouterNodeConfigurationStatusStatus' }, { root: statusRoot, where: 'status' });
  }
  return {
    description: `${kind.kind} is the Schema for the ${kind.plural} API.`,
    type: 'object',
    properties,
    // As upstream's CRDs: an object of a spec kind without a spec is refused at admission.
    ...(kind.specDef !== undefined ? { required: ['spec'] } : {}),
  };
}

function printerColumns(kind: CrdKind): Schema[] | undefined {
  if (kind.specDef !== undefined) return undefined;
  return [
    { name: 'Ready', type: 'string', jsonPath: '.status.conditions[?(@.type=="Ready")].status' },
    { name: 'Degraded', type: 'string', jsonPath: '.status.conditions[?(@.type=="Degraded")].status' },
    { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' },
  ];
}

/** The CustomResourceDefinition of one kind. */
export function generateCrd(kind: CrdKind, opts: GenerateOptions = {}): Schema {
  const version: Schema = {
    name: VERSION,
    served: true,
    storage: true,
    schema: { openAPIV3Schema: openApiSchemaFor(kind, opts) },
    subresources: { status: {} },
  };
  const columns = printerColumns(kind);
  if (columns) version.additionalPrinterColumns = columns;
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: {
      name: `${kind.plural}.${GROUP}`,
      annotations: { 'perouterd.io/generated-from': 'schemas/openpe-config.schema.json' },
    },
    spec: {
      group: GROUP,
      names: { kind: kind.kind, listKind: kind.listKind, plural: kind.plural, singular: kind.singular },
      scope: 'Namespaced',
      versions: [version],
    },
  };
}

/** Every CRD, in CRD_KINDS order. */
export function generateCrds(opts: GenerateOptions = {}): Schema[] {
  return CRD_KINDS.map((k) => generateCrd(k, opts));
}

// ------------------------------------------------------------------ RBAC

export const CLUSTER_ROLE_NAME = 'perouterd';
/** The daemon's namespace in the generated Role and bindings (its --namespace default). */
export const DAEMON_NAMESPACE = 'openperouter-system';
/** The identity bound to both roles: the service account whose token the kubeconfig carries. */
export const DAEMON_SUBJECT = { kind: 'ServiceAccount', name: 'perouterd', namespace: DAEMON_NAMESPACE };

const READ = ['get', 'list', 'watch'];

/**
 * Least privilege for the daemon, as a `v1 List`:
 *  - ClusterRole: read what it watches cluster-wide (the configuration kinds, this Node) and
 *    patch Nodes (the node-index annotation: Nodes are cluster-scoped, so no Role can grant it);
 *  - Role in the daemon's namespace: write its mirrors (create/update/delete) and its status
 *    object, and read RawFRRConfigs, which upstream takes from that namespace only;
 *  - a binding of each to DAEMON_SUBJECT.
 * Nothing else: no write outside the daemon's namespace, no delete of anything cluster-wide.
 */
export function generateRbac(namespace = DAEMON_NAMESPACE): Schema {
  const watched = CRD_KINDS.filter((k) => k.clusterWide && k.specDef !== undefined).map((k) => k.plural);
  const mirrored = CRD_KINDS.filter((k) => k.configKey !== undefined).map((k) => k.plural);
  const status = CRD_KINDS.filter((k) => k.specDef === undefined).map((k) => k.plural);
  const labels = { 'app.kubernetes.io/name': 'perouterd' };
  const subject = { ...DAEMON_SUBJECT, namespace };
  const clusterRole = {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'ClusterRole',
    metadata: { name: CLUSTER_ROLE_NAME, labels },
    rules: [
      { apiGroups: [GROUP], resources: watched, verbs: READ },
      { apiGroups: [''], resources: ['nodes'], verbs: [...READ, 'patch'] },
    ],
  };
  const role = {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'Role',
    metadata: { name: CLUSTER_ROLE_NAME, namespace, labels },
    rules: [
      { apiGroups: [GROUP], resources: mirrored, verbs: [...READ, 'create', 'update', 'patch', 'delete'] },
      { apiGroups: [GROUP], resources: status, verbs: [...READ, 'create', 'patch'] },
      { apiGroups: [GROUP], resources: status.map((p) => `${p}/status`), verbs: ['get', 'update', 'patch'] },
    ],
  };
  const roleRef = (kind: string): Schema => ({ apiGroup: 'rbac.authorization.k8s.io', kind, name: CLUSTER_ROLE_NAME });
  return {
    apiVersion: 'v1',
    kind: 'List',
    items: [
      clusterRole,
      role,
      {
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'ClusterRoleBinding',
        metadata: { name: CLUSTER_ROLE_NAME, labels },
        roleRef: roleRef('ClusterRole'),
        subjects: [subject],
      },
      {
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'RoleBinding',
        metadata: { name: CLUSTER_ROLE_NAME, namespace, labels },
        roleRef: roleRef('Role'),
        subjects: [subject],
      },
    ],
  };
}

// ------------------------------------------------------------------ manifests

export interface Manifest {
  /** Path relative to the package root. */
  path: string;
  content: string;
}

const HEADER = '# Generated by tools/crds/gen-crds.ts from schemas/openpe-config.schema.json. Do not edit.\n';

function toYaml(obj: unknown): string {
  return HEADER + stringify(obj, { lineWidth: 0 });
}

/** The files under deploy/: one CRD per file (upstream's naming) plus rbac.yaml. */
export function renderManifests(opts: GenerateOptions = {}): Manifest[] {
  const crds = CRD_KINDS.map((k) => ({
    path: `deploy/crds/${GROUP}_${k.plural}.yaml`,
    content: toYaml(generateCrd(k, opts)),
  }));
  return [...crds, { path: 'deploy/rbac.yaml', content: toYaml(generateRbac()) }];
}
