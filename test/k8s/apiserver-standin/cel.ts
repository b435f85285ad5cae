// CEL for the stand-in: the rules of the generated CRDs are checked by a maintained CEL
// implementation (@bufbuild/cel, which runs the CEL conformance tests), not by code this
// project wrote. What is Kubernetes-specific stays here: JSON values are given to CEL the way
// kube-apiserver gives them (integers as int, property names escaped: __dash__, __dot__,
// __slash__, __underscores__), and a rule that mentions oldSelf is a transition rule.

import { celEnv, isCelError, parse, plan } from '@bufbuild/cel';

export class CelError extends Error {}

/** A compiled rule. */
export interface Ast {
  source: string;
  program: (ctx: Record<string, unknown>) => unknown;
  oldSelf: boolean;
}

const env = celEnv();

/** CEL's reserved words: Kubernetes writes a property so named as __<word>__. */
const RESERVED = new Set(
  'true false null in as break const continue else for function if import let loop package namespace return var void while'.split(' '),
);

/** Kubernetes' escaping of a property name that is not a CEL identifier. */
export function escapeField(name: string): string {
  if (RESERVED.has(name)) return `__${name}__`;
  return name.replace(/__/g, '__underscores__').replace(/\./g, '__dot__').replace(/-/g, '__dash__').replace(/\//g, '__slash__');
}

/** The functions the parsed expression calls (operators included: `_==_`, `_&&_`, …). */
function calls(node: unknown, out: Set<string>): Set<string> {
  if (Array.isArray(node)) for (const n of node) calls(n, out);
  else if (typeof node === 'object' && node !== null) {
    const n = node as Record<string, unknown>;
    if (n.$typeName === 'cel.expr.Expr.Call' && typeof n.function === 'string') out.add(n.function);
    for (const v of Object.values(n)) if (typeof v === 'object') calls(v, out);
  }
  return out;
}

/** Whether the parsed expression refers to the variable `name`. */
function mentions(node: unknown, name: string): boolean {
  if (Array.isArray(node)) return node.some((n) => mentions(n, name));
  if (typeof node !== 'object' || node === null) return false;
  const n = node as Record<string, unknown>;
  if (n.$typeName === 'cel.expr.Expr.Ident' && n.name === name) return true;
  return Object.values(n).some((v) => typeof v === 'object' && mentions(v, name));
}

export function compileCel(src: string): Ast {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(src);
  } catch (e) {
    throw new CelError(`compilation failed: ${(e as Error).message}`);
  }
  // Kubernetes' own libraries (isCIDR, ip, url, quantity, …) are not CEL's: refuse, never guess.
  for (const fn of calls(parsed.expr, new Set())) {
    if (!fn.startsWith('_') && !fn.startsWith('@') && env.funcs.find(fn) === undefined) throw new CelError(`unsupported function ${fn}`);
  }
  const program = plan(env, parsed) as unknown as (ctx: Record<string, unknown>) => unknown;
  return { source: src, program, oldSelf: mentions(parsed.expr, 'oldSelf') };
}

export function usesOldSelf(ast: Ast): boolean {
  return ast.oldSelf;
}

/** A JSON value as kube-apiserver hands it to CEL. */
function toCel(v: unknown): unknown {
  if (typeof v === 'number' && Number.isInteger(v)) return BigInt(v);
  if (Array.isArray(v)) return v.map(toCel);
  if (typeof v === 'object' && v !== null) {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) out[escapeField(k)] = toCel(x);
    return out;
  }
  return v;
}

/** CEL values back to JSON-ish values (ints as numbers) for callers and tests. */
function fromCel(v: unknown): unknown {
  if (typeof v === 'bigint') return Number(v);
  return v;
}

export function evalCel(ast: Ast, vars: Record<string, unknown>): unknown {
  const ctx: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(vars)) ctx[k] = toCel(v);
  let r: unknown;
  try {
    r = ast.program(ctx);
  } catch (e) {
    throw new CelError((e as Error).message);
  }
  if (isCelError(r)) throw new CelError(r.message);
  return fromCel(r);
}
