// CEL for the stand-in: the rules of the generated CRDs are checked by a maintained CEL
// implementation (@bufbuild/cel, which runs the CEL conformance tests), not by code this
// project wrote. What is Kubernetes-specific stays here (and in cel-net.ts, its IP/CIDR library): JSON values are given to CEL the way
// kube-apiserver gives them (integers as int, property names escaped: __dash__, __dot__,
// __slash__, __underscores__), and a rule that mentions oldSelf is a transition rule.

import { celEnv, isCelError, parse, plan } from '@bufbuild/cel';
import { K8S_NET_FUNCS } from './cel-net.js';

export class CelError extends Error {}

/** A compiled rule. */
export interface Ast {
  source: string;
  program: (ctx: Record<string, unknown>) => unknown;
  oldSelf: boolean;
}

// CEL's standard functions plus Kubernetes' IP and CIDR libraries (cel-net.ts), which CRD rules
// such as upstream's isIP(self) and cidr(self).containsIP(...) need.
const env = celEnv({ funcs: K8S_NET_FUNCS });

/** CEL's reserved words: Kubernetes writes a property so named as __<word>__. */
const RESERVED = new Set(
  'true false null in as break const continue else for function if import let loop package namespace return var void while'.split(' '),
);

/** Kubernetes' escaping of a property name that is not a CEL identifier. */
export function escapeField(name: string): string {
  if (RESERVED.has(name)) return `__${name}__`;
  return name.replace(/__/g, '__underscores__').replace(/\./g, '__dot__').replace(/-/g, '__dash__').replace(/\//g, '__slash__');
}

/** The name of an identifier expression, if `e` is one. */
function identName(e: unknown): string | undefined {
  const kind = (e as { exprKind?: { case?: string; value?: { name?: unknown } } } | undefined)?.exprKind;
  return kind?.case === 'identExpr' && typeof kind.value?.name === 'string' ? kind.value.name : undefined;
}

/**
 * The functions the parsed expression calls (operators included: `_==_`, `_&&_`, …), each as
 * the alternatives it may resolve to: `ip.isCanonical(s)` is the method isCanonical on `ip`
 * or the qualified function `ip.isCanonical`.
 */
function calls(node: unknown, out: string[][]): string[][] {
  if (Array.isArray(node)) for (const n of node) calls(n, out);
  else if (typeof node === 'object' && node !== null) {
    const n = node as Record<string, unknown>;
    if (n.$typeName === 'cel.expr.Expr.Call' && typeof n.function === 'string') {
      const qualifier = identName(n.target);
      out.push(qualifier === undefined ? [n.function] : [n.function, `${qualifier}.${n.function}`]);
    }
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
  // Kubernetes' other libraries (url, quantity, lists, regex, …) are not here: refuse, never guess.
  for (const names of calls(parsed.expr, [])) {
    const fn = names[0] as string;
    if (fn.startsWith('_') || fn.startsWith('@')) continue;
    if (names.every((name) => env.funcs.find(name) === undefined)) throw new CelError(`unsupported function ${fn}`);
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
