// Label and field selectors in their query-string syntax (k8s.io/apimachinery/pkg/labels and
// pkg/fields): `a=b`, `a==b`, `a!=b`, `a in (x,y)`, `a notin (x)`, `a`, `!a`, `a>1`, `a<1`,
// comma-separated (AND). Parse errors are 400 BadRequest, as on a real server.

import { badRequest } from './errors.js';

export type Op = '=' | '!=' | 'in' | 'notin' | 'exists' | '!exists' | 'gt' | 'lt';

export interface Requirement {
  key: string;
  op: Op;
  values: string[];
}

const KEY_RE = /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;
const VALUE_RE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

type Tok = { t: 'word'; v: string } | { t: 'op'; v: string };

function tokenize(s: string): Tok[] {
  const out: Tok[] = [];
  let i = 0;
  while (i < s.length) {
    const c = s[i] as string;
    if (c === ' ') {
      i++;
      continue;
    }
    const two = s.slice(i, i + 2);
    if (two === '==' || two === '!=') {
      out.push({ t: 'op', v: two });
      i += 2;
      continue;
    }
    if ('=!(),<>'.includes(c)) {
      out.push({ t: 'op', v: c });
      i++;
      continue;
    }
    let j = i;
    while (j < s.length && !' =!(),<>'.includes(s[j] as string)) j++;
    out.push({ t: 'word', v: s.slice(i, j) });
    i = j;
  }
  return out;
}

function parseError(selector: string, why: string): Error {
  return badRequest(`unable to parse requirement: ${why} (in selector ${JSON.stringify(selector)})`);
}

/** Parses a label selector; throws a 400 StatusError on bad syntax. */
export function parseLabelSelector(selector: string): Requirement[] {
  const toks = tokenize(selector);
  const reqs: Requirement[] = [];
  let i = 0;
  const word = (): string => {
    const t = toks[i];
    if (!t || t.t !== 'word') throw parseError(selector, 'expected a key or value');
    i++;
    return t.v;
  };
  const checkKey = (k: string): string => {
    if (!KEY_RE.test(k) || k.length > 316) throw parseError(selector, `invalid label key ${JSON.stringify(k)}`);
    return k;
  };
  const checkValue = (v: string): string => {
    if (!VALUE_RE.test(v) || v.length > 63) throw parseError(selector, `invalid label value ${JSON.stringify(v)}`);
    return v;
  };
  while (i < toks.length) {
    const t = toks[i] as Tok;
    if (t.t === 'op' && t.v === '!') {
      i++;
      reqs.push({ key: checkKey(word()), op: '!exists', values: [] });
    } else {
      const key = checkKey(word());
      const next = toks[i];
      if (next === undefined || (next.t === 'op' && next.v === ',')) {
        reqs.push({ key, op: 'exists', values: [] });
      } else if (next.t === 'op' && (next.v === '=' || next.v === '==' || next.v === '!=')) {
        i++;
        const t2 = toks[i];
        const value = t2 && t2.t === 'word' ? (i++, t2.v) : '';
        reqs.push({ key, op: next.v === '!=' ? '!=' : '=', values: [checkValue(value)] });
      } else if (next.t === 'op' && (next.v === '<' || next.v === '>')) {
        i++;
        const v = word();
        if (!/^-?[0-9]+$/.test(v)) throw parseError(selector, `for 'Gt', 'Lt' operators, the value must be an integer`);
        reqs.push({ key, op: next.v === '>' ? 'gt' : 'lt', values: [v] });
      } else if (next.t === 'word' && (next.v === 'in' || next.v === 'notin')) {
        i++;
        const open = toks[i];
        if (!open || open.t !== 'op' || open.v !== '(') throw parseError(selector, "expected '('");
        i++;
        const values: string[] = [];
        for (;;) {
          const v = toks[i];
          if (v && v.t === 'op' && v.v === ')') {
            i++;
            break;
          }
          if (v && v.t === 'op' && v.v === ',') {
            i++;
            continue;
          }
          values.push(checkValue(word()));
        }
        if (values.length === 0) throw parseError(selector, "for 'in', 'notin' operators, values set can't be empty");
        reqs.push({ key, op: next.v as Op, values });
      } else {
        throw parseError(selector, `unexpected ${JSON.stringify(next.v)}`);
      }
    }
    const sep = toks[i];
    if (sep === undefined) break;
    if (sep.t !== 'op' || sep.v !== ',') throw parseError(selector, `expected ',' but got ${JSON.stringify(sep.v)}`);
    i++;
  }
  return reqs;
}

export function matchesLabels(reqs: Requirement[], labels: Record<string, string> | undefined): boolean {
  const l = labels ?? {};
  return reqs.every((r) => {
    const has = Object.prototype.hasOwnProperty.call(l, r.key);
    const v = l[r.key];
    switch (r.op) {
      case '=':
        return has && v === r.values[0];
      case '!=':
        return !has || v !== r.values[0];
      case 'in':
        return has && r.values.includes(v as string);
      case 'notin':
        return !has || !r.values.includes(v as string);
      case 'exists':
        return has;
      case '!exists':
        return !has;
      case 'gt':
      case 'lt': {
        if (!has || !/^-?[0-9]+$/.test(v as string)) return false;
        const n = Number(v);
        const m = Number(r.values[0]);
        return r.op === 'gt' ? n > m : n < m;
      }
    }
  });
}

// ------------------------------------------------------------------ field selectors

export interface FieldRequirement {
  field: string;
  op: '=' | '!=';
  value: string;
}

/** Parses a field selector, accepting only `allowed` field labels (400 otherwise). */
export function parseFieldSelector(selector: string, allowed: readonly string[]): FieldRequirement[] {
  if (selector.trim() === '') return [];
  return selector.split(',').map((part) => {
    const m = /^\s*([^=!\s]+)\s*(==|=|!=)\s*(.*?)\s*$/.exec(part);
    if (!m) throw badRequest(`invalid selector: '${selector}'; can't understand '${part}'`);
    const [, field, op, value] = m as unknown as [string, string, string, string];
    if (!allowed.includes(field)) throw badRequest(`field label not supported: ${field}`);
    return { field, op: op === '!=' ? '!=' : '=', value };
  });
}

export function matchesFields(reqs: FieldRequirement[], fields: Record<string, string>): boolean {
  return reqs.every((r) => (r.op === '=' ? fields[r.field] === r.value : fields[r.field] !== r.value));
}
