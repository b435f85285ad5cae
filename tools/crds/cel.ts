// Compiles JSON Schema constructs that cannot be structural (either/or constructs: allOf, anyOf,
// oneOf, not, if/then/else, dependentRequired, contains) into CEL for x-kubernetes-validations.

import { isObj, resolve, type Ctx, type Schema } from './schema.js';

/** One entry of `x-kubernetes-validations`. */
export interface CelRule {
  rule: string;
  message?: string;
  reason?: string;
  fieldPath?: string;
}

/** CEL text plus its precedence (0 ternary, 1 ||, 2 &&, 3 relation, 4 +, 5 unary, 6 primary). */
export interface Expr {
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

function exactlyOne(branches: Expr[]): Expr {
  if (branches.length === 1) return branches[0] as Expr;
  const sum = branches.map((b) => `(${paren(b, 1)} ? 1 : 0)`).join(' + ');
  return rel(sum, '==', '1');
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

/** `has(base.field)`. */
function present(base: string, field: string): Expr {
  return { text: `has(${celField(base, field)})`, prec: 6 };
}

const VARS = ['x', 'y', 'z', 'w', 'v', 'u'];

/** Keywords a predicate may use, beside those it compiles; they assert nothing by themselves. */
const PREDICATE_IGNORED = new Set(['x-message', 'x-cel-rule', 'type', 'description', '$comment']);

/** The value a predicate is about: its CEL expression, and how many list loops enclose it (which names the next loop variable). */
interface Subject {
  value: string;
  ctx: Ctx;
  depth: number;
}

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
  const subject: Subject = { value, ctx, depth };
  const required = new Set(Array.isArray(s.required) ? (s.required as string[]) : []);
  // Presence tests first, so that field reads come after the `has` that guards them.
  const terms: Expr[] = [...required].map((f) => present(value, f));
  for (const [k, v] of Object.entries(s)) terms.push(...keywordTerms(k, v, s, required, subject));
  return and(terms);
}

/** What keyword `k` (value `v`) of schema `s` asserts about the subject, as terms of a conjunction. */
function keywordTerms(k: string, v: unknown, s: Schema, required: Set<string>, subject: Subject): Expr[] {
  const bound = boundTerm(k, v, subject.value);
  if (bound) return [bound];
  const sub = (schema: unknown): Expr => celPredicate(schema, subject.value, subject.ctx, subject.depth);
  switch (k) {
    case 'required': // presence tests come first, see celPredicate
    case 'then': // with `if`
    case 'else':
      return [];
    case 'properties':
      return propertyTerms(v as Schema, required, subject);
    case 'not':
      return [not(sub(v))];
    case 'allOf':
      return [and((v as unknown[]).map(sub))];
    case 'anyOf':
      return [or((v as unknown[]).map(sub))];
    case 'oneOf':
      return [exactlyOne((v as unknown[]).map(sub))];
    case 'if':
      return [conditional(s, sub)];
    case 'contains':
    case 'items':
      return listTerms(k, v, subject);
    case 'dependentRequired':
      return dependentRequiredTerms(v as Record<string, string[]>, subject.value);
    default:
      if (!PREDICATE_IGNORED.has(k)) throw new Error(`keyword ${k} is not supported in a CEL rule (at ${subject.ctx.where})`);
      return [];
  }
}

/** A value, enumeration or size bound on the subject, or undefined when `k` is not one. */
function boundTerm(k: string, v: unknown, value: string): Expr | undefined {
  switch (k) {
    case 'const':
      return rel(value, '==', literal(v));
    case 'enum':
      return (v as unknown[]).length === 1
        ? rel(value, '==', literal((v as unknown[])[0]))
        : rel(value, 'in', `[${(v as unknown[]).map(literal).join(', ')}]`);
    case 'minimum':
      return rel(value, '>=', literal(v));
    case 'maximum':
      return rel(value, '<=', literal(v));
    case 'minItems':
      return rel(`${value}.size()`, '>=', literal(v));
    case 'maxItems':
      return rel(`${value}.size()`, '<=', literal(v));
    default:
      return undefined;
  }
}

/** Each property's predicate; an optional property's holds when it is absent. */
function propertyTerms(properties: Schema, required: Set<string>, subject: Subject): Expr[] {
  return Object.entries(properties).map(([f, sub]) => {
    const p = celPredicate(sub, celField(subject.value, f), subject.ctx, subject.depth);
    return required.has(f) ? p : or([not(present(subject.value, f)), p]);
  });
}

/** `if`/`then`/`else` of schema `s`, written as an implication when one branch is empty. */
function conditional(s: Schema, sub: (schema: unknown) => Expr): Expr {
  const cond = sub(s.if);
  const then = 'then' in s ? sub(s.then) : TRUE;
  const els = 'else' in s ? sub(s.else) : TRUE;
  if (els.text === 'true') return or([not(cond), then]);
  if (then.text === 'true') return or([cond, els]);
  return { text: `${paren(cond, 6)} ? ${paren(then, 1)} : ${paren(els, 1)}`, prec: 0 };
}

/** `items` (every element) or `contains` (some element) as a CEL loop over the list. */
function listTerms(k: 'items' | 'contains', v: unknown, subject: Subject): Expr[] {
  const x = VARS[subject.depth];
  if (x === undefined) throw new Error(`predicate nested too deep at ${subject.ctx.where}`);
  const p = celPredicate(v, x, subject.ctx, subject.depth + 1);
  if (k === 'items' && p.text === 'true') return [];
  return [{ text: `${subject.value}.${k === 'items' ? 'all' : 'exists'}(${x}, ${p.text})`, prec: 6 }];
}

/** For each field of `dependentRequired`: when it is set, so are the fields it lists. */
function dependentRequiredTerms(deps: Record<string, string[]>, value: string): Expr[] {
  return Object.entries(deps).map(([f, list]) => or([not(present(value, f)), and(list.map((d) => present(value, d)))]));
}
