// JSON merge patch (RFC 7386) and JSON patch (RFC 6902).

import { StatusError, badRequest } from './errors.js';

function isMap(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => deepEqual(x, b[i]));
  if (isMap(a) && isMap(b)) {
    const ka = Object.keys(a);
    return ka.length === Object.keys(b).length && ka.every((k) => Object.prototype.hasOwnProperty.call(b, k) && deepEqual(a[k], b[k]));
  }
  return false;
}

export function mergePatch(target: unknown, patch: unknown): unknown {
  if (!isMap(patch)) return structuredClone(patch);
  const out: Record<string, unknown> = isMap(target) ? structuredClone(target) : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = mergePatch(out[k], v);
  }
  return out;
}

function unprocessable(message: string): StatusError {
  return new StatusError(422, 'UnprocessableEntity', message);
}

function parsePointer(p: unknown): string[] {
  if (typeof p !== 'string' || (p !== '' && !p.startsWith('/'))) throw badRequest(`invalid JSON pointer ${JSON.stringify(p)}`);
  if (p === '') return [];
  return p
    .slice(1)
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
}

function parentOf(doc: unknown, path: string[], op: string): { parent: unknown; key: string } {
  let cur = doc;
  for (const seg of path.slice(0, -1)) {
    if (Array.isArray(cur)) cur = cur[Number(seg)];
    else if (isMap(cur)) cur = cur[seg];
    else cur = undefined;
    if (cur === undefined)
      throw unprocessable(
        `the server rejected our request due to an error in our request: ${op} operation does not apply: doc is missing path: "/${path.join('/')}": missing value`,
      );
  }
  return { parent: cur, key: path[path.length - 1] as string };
}

function get(doc: unknown, path: string[], op: string): unknown {
  if (path.length === 0) return doc;
  const { parent, key } = parentOf(doc, path, op);
  const v = Array.isArray(parent) ? parent[Number(key)] : isMap(parent) ? parent[key] : undefined;
  if (v === undefined)
    throw unprocessable(
      `the server rejected our request due to an error in our request: ${op} operation does not apply: doc is missing path: "/${path.join('/')}": missing value`,
    );
  return v;
}

function arrayIndex(arr: unknown[], key: string, forAdd: boolean): number {
  if (forAdd && key === '-') return arr.length;
  if (!/^(0|[1-9][0-9]*)$/.test(key)) throw unprocessable(`invalid array index ${key}`);
  const i = Number(key);
  if (i > arr.length || (!forAdd && i === arr.length)) throw unprocessable(`array index ${i} out of bounds`);
  return i;
}

function add(doc: unknown, path: string[], value: unknown): unknown {
  if (path.length === 0) return value;
  const { parent, key } = parentOf(doc, path, 'add');
  if (Array.isArray(parent)) parent.splice(arrayIndex(parent, key, true), 0, value);
  else if (isMap(parent)) parent[key] = value;
  else throw unprocessable(`add operation does not apply: doc is missing path: "/${path.join('/')}"`);
  return doc;
}

function remove(doc: unknown, path: string[], op = 'remove'): unknown {
  if (path.length === 0) throw unprocessable('cannot remove the whole document');
  const { parent, key } = parentOf(doc, path, op);
  if (Array.isArray(parent)) parent.splice(arrayIndex(parent, key, false), 1);
  else if (isMap(parent) && key in parent) delete parent[key];
  else
    throw unprocessable(
      `the server rejected our request due to an error in our request: ${op} operation does not apply: doc is missing path: "/${path.join('/')}": missing value`,
    );
  return doc;
}

/** Applies a JSON patch; 400 for a malformed patch, 422 when an operation does not apply. */
export function jsonPatch(target: unknown, ops: unknown): unknown {
  if (!Array.isArray(ops)) throw badRequest('json: cannot unmarshal object into Go value of type jsonpatch.Patch');
  let doc = structuredClone(target);
  for (const raw of ops) {
    if (!isMap(raw) || typeof raw.op !== 'string') throw badRequest('invalid JSON patch operation');
    const path = parsePointer(raw.path);
    switch (raw.op) {
      case 'add':
        if (!('value' in raw)) throw badRequest('add operation missing value');
        doc = add(doc, path, structuredClone(raw.value));
        break;
      case 'remove':
        doc = remove(doc, path);
        break;
      case 'replace':
        if (!('value' in raw)) throw badRequest('replace operation missing value');
        get(doc, path, 'replace');
        if (path.length === 0) doc = structuredClone(raw.value);
        else {
          doc = remove(doc, path, 'replace');
          doc = add(doc, path, structuredClone(raw.value));
        }
        break;
      case 'move': {
        const from = parsePointer(raw.from);
        const v = get(doc, from, 'move');
        doc = remove(doc, from, 'move');
        doc = add(doc, path, v);
        break;
      }
      case 'copy': {
        const from = parsePointer(raw.from);
        doc = add(doc, path, structuredClone(get(doc, from, 'copy')));
        break;
      }
      case 'test': {
        const v = get(doc, path, 'test');
        if (!deepEqual(v, raw.value)) {
          throw unprocessable(
            `the server rejected our request due to an error in our request: testing value /${path.join('/')} failed: test failed`,
          );
        }
        break;
      }
      default:
        throw badRequest(`Unexpected kind: ${raw.op}`);
    }
  }
  return doc;
}
