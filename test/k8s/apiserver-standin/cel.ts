// A small CEL interpreter: exactly the subset the generated CRDs use (src/k8s/crds.ts), plus a
// few common string functions. Anything else fails to compile, and the stand-in then reports
// the rule in `unevaluatedRules` instead of guessing.
//
// Supported: int / string / bool / null literals, list literals, `self`, `oldSelf`, field
// selection (with Kubernetes' property-name escaping __dot__, __dash__, __slash__,
// __underscores__, __<reserved>__), indexing, has(), ! - * / % + - < <= > >= == != in && || ?:,
// the macros all / exists / exists_one / filter / map, and size() startsWith() endsWith()
// contains() matches(). Semantics follow CEL: && and || absorb errors when the other side
// decides, a missing field is an error ("no such key"), no implicit conversions.

export class CelError extends Error {}

type Tok = { t: 'int'; v: number } | { t: 'str'; v: string } | { t: 'id'; v: string } | { t: 'op'; v: string } | { t: 'eof' };

const OPS = ['==', '!=', '<=', '>=', '&&', '||', '<', '>', '!', '?', ':', '+', '-', '*', '/', '%', '(', ')', '[', ']', ',', '.'];

function tokenize(src: string): Tok[] {
  const out: Tok[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i] as string;
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    if (/[0-9]/.test(c)) {
      let j = i;
      while (j < src.length && /[0-9]/.test(src[j] as string)) j++;
      if (src[j] === '.' && /[0-9]/.test(src[j + 1] ?? '')) throw new CelError('double literals are not supported');
      if (src[j] === 'u') throw new CelError('uint literals are not supported');
      out.push({ t: 'int', v: Number(src.slice(i, j)) });
      i = j;
      continue;
    }
    if (/[A-Za-z_]/.test(c)) {
      let j = i;
      while (j < src.length && /[A-Za-z0-9_]/.test(src[j] as string)) j++;
      out.push({ t: 'id', v: src.slice(i, j) });
      i = j;
      continue;
    }
    if (c === "'" || c === '"') {
      let j = i + 1;
      let s = '';
      while (j < src.length && src[j] !== c) {
        if (src[j] === '\\') {
          const n = src[j + 1];
          const map: Record<string, string> = { n: '\n', t: '\t', r: '\r', '\\': '\\', "'": "'", '"': '"' };
          if (n === undefined || map[n] === undefined) throw new CelError(`unsupported escape \\${n ?? ''}`);
          s += map[n];
          j += 2;
        } else {
          s += src[j];
          j++;
        }
      }
      if (j >= src.length) throw new CelError('unterminated string');
      out.push({ t: 'str', v: s });
      i = j + 1;
      continue;
    }
    const op = OPS.find((o) => src.startsWith(o, i));
    if (!op) throw new CelError(`unexpected character ${c}`);
    out.push({ t: 'op', v: op });
    i += op.length;
  }
  out.push({ t: 'eof' });
  return out;
}

export type Ast =
  | { k: 'lit'; v: unknown }
  | { k: 'ident'; name: string }
  | { k: 'select'; operand: Ast; field: string }
  | { k: 'has'; operand: Ast; field: string }
  | { k: 'index'; operand: Ast; index: Ast }
  | { k: 'call'; target: Ast | undefined; fn: string; args: Ast[] }
  | { k: 'macro'; target: Ast; macro: string; v: string; body: Ast }
  | { k: 'unary'; op: string; x: Ast }
  | { k: 'bin'; op: string; l: Ast; r: Ast }
  | { k: 'cond'; c: Ast; t: Ast; f: Ast }
  | { k: 'list'; items: Ast[] };

const MACROS = new Set(['all', 'exists', 'exists_one', 'filter', 'map']);
const METHODS = new Set(['size', 'startsWith', 'endsWith', 'contains', 'matches']);
const FUNCTIONS = new Set(['size']);
const RESERVED = new Set([
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

/** Undoes Kubernetes' escaping of property names in CEL field selections. */
export function unescapeField(name: string): string {
  const m = /^__(.+)__$/.exec(name);
  if (m && m[1] !== undefined && RESERVED.has(m[1])) return m[1];
  return name
    .replace(/__dot__/g, '.')
    .replace(/__dash__/g, '-')
    .replace(/__slash__/g, '/')
    .replace(/__underscores__/g, '__');
}

class Parser {
  private i = 0;
  constructor(private readonly toks: Tok[]) {}

  private peek(): Tok {
    return this.toks[this.i] as Tok;
  }
  private isOp(v: string): boolean {
    const t = this.peek();
    return t.t === 'op' && t.v === v;
  }
  private eat(v: string): void {
    if (!this.isOp(v)) throw new CelError(`expected ${v}`);
    this.i++;
  }

  parseAll(): Ast {
    const e = this.expr();
    if (this.peek().t !== 'eof') throw new CelError('unexpected trailing input');
    return e;
  }

  private expr(): Ast {
    const c = this.or();
    if (this.isOp('?')) {
      this.i++;
      const t = this.or();
      this.eat(':');
      const f = this.expr();
      return { k: 'cond', c, t, f };
    }
    return c;
  }
  private or(): Ast {
    let l = this.and();
    while (this.isOp('||')) {
      this.i++;
      l = { k: 'bin', op: '||', l, r: this.and() };
    }
    return l;
  }
  private and(): Ast {
    let l = this.rel();
    while (this.isOp('&&')) {
      this.i++;
      l = { k: 'bin', op: '&&', l, r: this.rel() };
    }
    return l;
  }
  private rel(): Ast {
    let l = this.add();
    for (;;) {
      const t = this.peek();
      const op = t.t === 'op' && ['==', '!=', '<', '<=', '>', '>='].includes(t.v) ? t.v : t.t === 'id' && t.v === 'in' ? 'in' : undefined;
      if (!op) return l;
      this.i++;
      l = { k: 'bin', op, l, r: this.add() };
    }
  }
  private add(): Ast {
    let l = this.mul();
    while (this.isOp('+') || this.isOp('-')) {
      const op = (this.peek() as { v: string }).v;
      this.i++;
      l = { k: 'bin', op, l, r: this.mul() };
    }
    return l;
  }
  private mul(): Ast {
    let l = this.unary();
    while (this.isOp('*') || this.isOp('/') || this.isOp('%')) {
      const op = (this.peek() as { v: string }).v;
      this.i++;
      l = { k: 'bin', op, l, r: this.unary() };
    }
    return l;
  }
  private unary(): Ast {
    if (this.isOp('!') || this.isOp('-')) {
      const op = (this.peek() as { v: string }).v;
      this.i++;
      return { k: 'unary', op, x: this.unary() };
    }
    return this.postfix();
  }
  private ident(): string {
    const t = this.peek();
    if (t.t !== 'id') throw new CelError('expected identifier');
    this.i++;
    return t.v;
  }
  private args(): Ast[] {
    this.eat('(');
    const args: Ast[] = [];
    if (!this.isOp(')')) {
      args.push(this.expr());
      while (this.isOp(',')) {
        this.i++;
        args.push(this.expr());
      }
    }
    this.eat(')');
    return args;
  }
  private postfix(): Ast {
    let e = this.primary();
    for (;;) {
      if (this.isOp('.')) {
        this.i++;
        const name = this.ident();
        if (this.isOp('(')) {
          if (MACROS.has(name)) {
            this.eat('(');
            const v = this.ident();
            this.eat(',');
            const body = this.expr();
            this.eat(')');
            e = { k: 'macro', target: e, macro: name, v, body };
          } else {
            if (!METHODS.has(name)) throw new CelError(`unsupported function ${name}`);
            e = { k: 'call', target: e, fn: name, args: this.args() };
          }
        } else {
          e = { k: 'select', operand: e, field: unescapeField(name) };
        }
      } else if (this.isOp('[')) {
        this.i++;
        const index = this.expr();
        this.eat(']');
        e = { k: 'index', operand: e, index };
      } else {
        return e;
      }
    }
  }
  private primary(): Ast {
    const t = this.peek();
    if (t.t === 'int') {
      this.i++;
      return { k: 'lit', v: t.v };
    }
    if (t.t === 'str') {
      this.i++;
      return { k: 'lit', v: t.v };
    }
    if (t.t === 'op' && t.v === '(') {
      this.i++;
      const e = this.expr();
      this.eat(')');
      return e;
    }
    if (t.t === 'op' && t.v === '[') {
      this.i++;
      const items: Ast[] = [];
      if (!this.isOp(']')) {
        items.push(this.expr());
        while (this.isOp(',')) {
          this.i++;
          if (this.isOp(']')) break;
          items.push(this.expr());
        }
      }
      this.eat(']');
      return { k: 'list', items };
    }
    if (t.t === 'id') {
      this.i++;
      if (t.v === 'true') return { k: 'lit', v: true };
      if (t.v === 'false') return { k: 'lit', v: false };
      if (t.v === 'null') return { k: 'lit', v: null };
      if (t.v === 'has') {
        this.eat('(');
        const arg = this.postfix();
        this.eat(')');
        if (arg.k !== 'select') throw new CelError('has() needs a field selection');
        return { k: 'has', operand: arg.operand, field: arg.field };
      }
      if (this.isOp('(')) {
        if (!FUNCTIONS.has(t.v)) throw new CelError(`unsupported function ${t.v}`);
        return { k: 'call', target: undefined, fn: t.v, args: this.args() };
      }
      return { k: 'ident', name: t.v };
    }
    throw new CelError('unexpected token');
  }
}

export function compileCel(src: string): Ast {
  return new Parser(tokenize(src)).parseAll();
}

/** Whether the expression reads `oldSelf` (a transition rule). */
export function usesOldSelf(ast: Ast): boolean {
  switch (ast.k) {
    case 'ident':
      return ast.name === 'oldSelf';
    case 'lit':
      return false;
    case 'select':
    case 'has':
      return usesOldSelf(ast.operand);
    case 'index':
      return usesOldSelf(ast.operand) || usesOldSelf(ast.index);
    case 'call':
      return (ast.target !== undefined && usesOldSelf(ast.target)) || ast.args.some(usesOldSelf);
    case 'macro':
      return usesOldSelf(ast.target) || usesOldSelf(ast.body);
    case 'unary':
      return usesOldSelf(ast.x);
    case 'bin':
      return usesOldSelf(ast.l) || usesOldSelf(ast.r);
    case 'cond':
      return usesOldSelf(ast.c) || usesOldSelf(ast.t) || usesOldSelf(ast.f);
    case 'list':
      return ast.items.some(usesOldSelf);
  }
}

// ------------------------------------------------------------------ evaluation

function isMap(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function typeName(v: unknown): string {
  if (v === null) return 'null_type';
  if (Array.isArray(v)) return 'list';
  if (typeof v === 'number') return 'int';
  if (typeof v === 'object') return 'map';
  return typeof v === 'boolean' ? 'bool' : typeof v;
}

export function celEqual(a: unknown, b: unknown): boolean {
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => celEqual(x, b[i]));
  if (isMap(a) && isMap(b)) {
    const ka = Object.keys(a);
    return ka.length === Object.keys(b).length && ka.every((k) => k in b && celEqual(a[k], b[k]));
  }
  return a === b;
}

function bool(v: unknown): boolean {
  if (typeof v !== 'boolean') throw new CelError(`no matching overload: expected bool, got ${typeName(v)}`);
  return v;
}

function int(v: unknown): number {
  if (typeof v !== 'number') throw new CelError(`no matching overload: expected int, got ${typeName(v)}`);
  return v;
}

type Env = Record<string, unknown>;

export function evalCel(ast: Ast, env: Env): unknown {
  switch (ast.k) {
    case 'lit':
      return ast.v;
    case 'ident':
      if (!(ast.name in env)) throw new CelError(`undeclared reference to '${ast.name}'`);
      return env[ast.name];
    case 'select': {
      const o = evalCel(ast.operand, env);
      if (!isMap(o)) throw new CelError(`no such key: ${ast.field}`);
      if (!(ast.field in o)) throw new CelError(`no such key: ${ast.field}`);
      return o[ast.field];
    }
    case 'has': {
      const o = evalCel(ast.operand, env);
      if (!isMap(o)) throw new CelError(`invalid type for field selection`);
      return ast.field in o;
    }
    case 'index': {
      const o = evalCel(ast.operand, env);
      const i = evalCel(ast.index, env);
      if (Array.isArray(o)) {
        const n = int(i);
        if (n < 0 || n >= o.length) throw new CelError(`index out of bounds: ${n}`);
        return o[n];
      }
      if (isMap(o) && typeof i === 'string') {
        if (!(i in o)) throw new CelError(`no such key: ${i}`);
        return o[i];
      }
      throw new CelError('no matching overload for index');
    }
    case 'list':
      return ast.items.map((x) => evalCel(x, env));
    case 'unary': {
      const x = evalCel(ast.x, env);
      return ast.op === '!' ? !bool(x) : -int(x);
    }
    case 'cond':
      return bool(evalCel(ast.c, env)) ? evalCel(ast.t, env) : evalCel(ast.f, env);
    case 'bin':
      return evalBin(ast.op, ast.l, ast.r, env);
    case 'call':
      return evalCall(ast, env);
    case 'macro':
      return evalMacro(ast, env);
  }
}

function tryEval(ast: Ast, env: Env): { v?: unknown; err?: unknown } {
  try {
    return { v: evalCel(ast, env) };
  } catch (err) {
    return { err };
  }
}

function evalBin(op: string, l: Ast, r: Ast, env: Env): unknown {
  if (op === '&&' || op === '||') {
    const decisive = op === '||';
    const a = tryEval(l, env);
    if (a.err === undefined && bool(a.v) === decisive) return decisive;
    const b = tryEval(r, env);
    if (b.err === undefined && bool(b.v) === decisive) return decisive;
    if (a.err !== undefined) throw a.err;
    if (b.err !== undefined) throw b.err;
    return !decisive;
  }
  const a = evalCel(l, env);
  const b = evalCel(r, env);
  switch (op) {
    case '==':
      return celEqual(a, b);
    case '!=':
      return !celEqual(a, b);
    case 'in':
      if (Array.isArray(b)) return b.some((x) => celEqual(x, a));
      if (isMap(b) && typeof a === 'string') return a in b;
      throw new CelError('no matching overload for in');
    case '<':
    case '<=':
    case '>':
    case '>=': {
      if (typeof a !== typeof b || (typeof a !== 'number' && typeof a !== 'string')) {
        throw new CelError(`no matching overload for ${op}`);
      }
      const x = a as number | string;
      const y = b as number | string;
      return op === '<' ? x < y : op === '<=' ? x <= y : op === '>' ? x > y : x >= y;
    }
    case '+':
      if (typeof a === 'number' && typeof b === 'number') return a + b;
      if (typeof a === 'string' && typeof b === 'string') return a + b;
      if (Array.isArray(a) && Array.isArray(b)) return [...a, ...b];
      throw new CelError('no matching overload for +');
    case '-':
      return int(a) - int(b);
    case '*':
      return int(a) * int(b);
    case '/':
      if (int(b) === 0) throw new CelError('division by zero');
      return Math.trunc(int(a) / int(b));
    case '%':
      if (int(b) === 0) throw new CelError('modulus by zero');
      return int(a) % int(b);
  }
  throw new CelError(`unsupported operator ${op}`);
}

function evalCall(ast: Extract<Ast, { k: 'call' }>, env: Env): unknown {
  const target = ast.target === undefined ? undefined : evalCel(ast.target, env);
  const args = ast.args.map((a) => evalCel(a, env));
  const subject = ast.target === undefined ? args.shift() : target;
  switch (ast.fn) {
    case 'size':
      if (typeof subject === 'string') return [...subject].length;
      if (Array.isArray(subject)) return subject.length;
      if (isMap(subject)) return Object.keys(subject).length;
      throw new CelError('no matching overload for size');
    case 'startsWith':
    case 'endsWith':
    case 'contains':
    case 'matches': {
      const arg = args[0];
      if (typeof subject !== 'string' || typeof arg !== 'string') throw new CelError(`no matching overload for ${ast.fn}`);
      if (ast.fn === 'startsWith') return subject.startsWith(arg);
      if (ast.fn === 'endsWith') return subject.endsWith(arg);
      if (ast.fn === 'contains') return subject.includes(arg);
      return new RegExp(arg, 'u').test(subject);
    }
  }
  throw new CelError(`unsupported function ${ast.fn}`);
}

function evalMacro(ast: Extract<Ast, { k: 'macro' }>, env: Env): unknown {
  const target = evalCel(ast.target, env);
  const elems = Array.isArray(target) ? target : isMap(target) ? Object.keys(target) : undefined;
  if (!elems) throw new CelError(`${ast.macro}() needs a list or map`);
  const run = (x: unknown): { v?: unknown; err?: unknown } => tryEval(ast.body, { ...env, [ast.v]: x });
  switch (ast.macro) {
    case 'all':
    case 'exists': {
      const decisive = ast.macro === 'exists';
      let firstErr: unknown;
      for (const x of elems) {
        const r = run(x);
        if (r.err !== undefined) firstErr ??= r.err;
        else if (bool(r.v) === decisive) return decisive;
      }
      if (firstErr !== undefined) throw firstErr;
      return !decisive;
    }
    case 'exists_one': {
      let n = 0;
      for (const x of elems) {
        const r = run(x);
        if (r.err !== undefined) throw r.err;
        if (bool(r.v)) n++;
      }
      return n === 1;
    }
    case 'filter':
      return elems.filter((x) => {
        const r = run(x);
        if (r.err !== undefined) throw r.err;
        return bool(r.v);
      });
    case 'map':
      return elems.map((x) => {
        const r = run(x);
        if (r.err !== undefined) throw r.err;
        return r.v;
      });
  }
  throw new CelError(`unsupported macro ${ast.macro}`);
}
