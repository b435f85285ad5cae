// Key normalisation on the YAML tree, guided by the JSON Schema, before validation.
//
// Upstream reads the files with sigs.k8s.io/yaml + encoding/json, which matches keys
// case-insensitively and silently drops unknown keys. perouterd keeps the matching but
// says so: a key that differs from the schema only in case is renamed (in the tree) to the
// canonical spelling with a warning, and an unknown key is a warning (with the nearest
// known key) and is removed from the data, so validation never sees it. `key: ` with no
// value counts as absent, like a JSON null does upstream. Removal happens on the data
// (applyRemovals), not on the tree, so anchors inside removed entries still resolve.

import { type Document, isAlias, isMap, isScalar, isSeq, Scalar } from 'yaml';
import type { ConfigProblem } from './model.js';
import { itemSchema, type JsonSchema, objectShape } from './schemas.js';
import { keyText, type PathSeg, type YamlSource } from './yaml-source.js';
import { safeText } from '../util/text.js';

/** How much of a key a message echoes (escaped): a key is not a place for a secret, but a file may be anything. */
const KEY_ECHO = 64;

/** Levenshtein distance, case-insensitive. */
export function editDistance(a: string, b: string): number {
  const s = a.toLowerCase();
  const t = b.toLowerCase();
  let prev = Array.from({ length: t.length + 1 }, (_, i) => i);
  for (let i = 1; i <= s.length; i++) {
    const cur = [i];
    for (let j = 1; j <= t.length; j++) {
      const cost = s[i - 1] === t[j - 1] ? 0 : 1;
      cur.push(Math.min((prev[j] ?? 0) + 1, (cur[j - 1] ?? 0) + 1, (prev[j - 1] ?? 0) + cost));
    }
    prev = cur;
  }
  return prev[t.length] ?? 0;
}

/** The known key nearest to `key`, when it is near enough to be a plausible typo. */
export function suggestKey(key: string, known: Iterable<string>): string | undefined {
  let best: string | undefined;
  let bestDist = Infinity;
  for (const k of known) {
    const d = editDistance(key, k);
    if (d < bestDist) {
      best = k;
      bestDist = d;
    }
  }
  if (best === undefined) return undefined;
  const limit = Math.max(2, Math.floor(best.length / 3));
  return bestDist <= limit ? best : undefined;
}

/** Fields of older upstream versions (or other projects) that people still write. */
const LEGACY_HINTS: Record<string, string> = {
  passiveMode: 'use sessionMode: Passive',
  echoMode: 'BFD echo mode is not configurable',
  echoInterval: 'BFD echo mode is not configurable',
  ebgpMultiHop: 'use properties: [{type: ebgpMultiHop}]',
  nodeIndexInterfaceName: 'use nodeIndex.interfaceName',
  underlay: 'did you mean underlays?',
};

function isNullNode(v: unknown): boolean {
  return v === null || v === undefined || (isScalar(v) && v.value === null);
}

export interface KeyNormalization {
  /** Warnings (unknown keys, case) and errors (a key given twice in different case). */
  problems: ConfigProblem[];
  /** Data paths to delete from the converted data (see applyRemovals). */
  removals: PathSeg[][];
}

/** Normalises key spelling of `src.doc` in place against `rootSchema`. */
export function normalizeKeys(src: YamlSource, rootSchema: JsonSchema): KeyNormalization {
  const problems: ConfigProblem[] = [];
  const removals: PathSeg[][] = [];
  const doc: Document.Parsed | undefined = src.doc;
  if (!doc) return { problems, removals };

  const walk = (node: unknown, schema: unknown, path: PathSeg[]): void => {
    if (isAlias(node)) return; // the anchored node is walked where it is defined
    if (isSeq(node)) {
      const items = itemSchema(rootSchema, schema);
      if (!items) return;
      node.items.forEach((item, i) => walk(item, items, [...path, i]));
      return;
    }
    if (!isMap(node)) return;
    const shape = objectShape(rootSchema, schema);
    if (!shape) return; // free-form value (e.g. CNI rawConfig)
    const byLower = new Map<string, string>();
    for (const k of shape.properties.keys()) byLower.set(k.toLowerCase(), k);
    const seen = new Map<string, string>(); // canonical → spelling seen first
    for (const pair of [...node.items]) {
      const key = keyText(pair.key);
      if (key === '<<') continue; // merge key, resolved by the parser
      const keyPath = [...path, key];
      let canonical: string | undefined = shape.properties.has(key) ? key : undefined;
      if (canonical === undefined && shape.properties.size > 0) {
        const ci = byLower.get(key.toLowerCase());
        if (ci !== undefined) {
          canonical = ci;
          if (!seen.has(ci) && !node.items.some((p) => keyText(p.key) === ci)) {
            problems.push({
              severity: 'warning',
              message: `${safeText(key, KEY_ECHO)}: matched to ${ci} ignoring case; write ${ci}`,
              location: src.locate(keyPath, { key: true }),
            });
            if (isScalar(pair.key)) pair.key.value = ci;
            else pair.key = new Scalar(ci);
          }
        }
      }
      if (canonical === undefined) {
        if (!shape.closed) {
          if (shape.additional) walk(pair.value, shape.additional, keyPath);
          continue;
        }
        const suggestion = suggestKey(key, shape.properties.keys());
        const hint = LEGACY_HINTS[key];
        const shown = safeText(key, KEY_ECHO);
        const message = hint
          ? `${shown}: unknown field, ignored (${hint})`
          : suggestion
            ? `${shown}: unknown field, did you mean ${suggestion}?`
            : `${shown}: unknown field, ignored`;
        problems.push({ severity: 'warning', message, location: src.locate(keyPath, { key: true }) });
        removals.push(keyPath);
        continue;
      }
      const first = seen.get(canonical);
      if (first !== undefined || (key !== canonical && keyText(pair.key) !== canonical)) {
        problems.push({
          severity: 'error',
          message: `${safeText(key, KEY_ECHO)}: given twice (also as ${safeText(first ?? canonical, KEY_ECHO)}); keys are matched ignoring case`,
          location: src.locate(keyPath, { key: true }),
        });
        removals.push(keyPath);
        continue;
      }
      seen.set(canonical, key);
      if (isNullNode(pair.value)) {
        removals.push([...path, canonical]);
        continue;
      }
      walk(pair.value, shape.properties.get(canonical), [...path, canonical]);
    }
  };

  walk(doc.contents, rootSchema, []);
  return { problems, removals };
}

/** Deletes the entries at `removals` from data converted with `doc.toJS()`. */
export function applyRemovals(data: unknown, removals: readonly PathSeg[][]): void {
  for (const path of removals) {
    let cur: unknown = data;
    for (const seg of path.slice(0, -1)) {
      cur = typeof cur === 'object' && cur !== null ? (cur as Record<string | number, unknown>)[seg] : undefined;
    }
    const last = path[path.length - 1];
    if (last !== undefined && typeof cur === 'object' && cur !== null && !Array.isArray(cur)) {
      delete (cur as Record<string, unknown>)[String(last)];
    }
  }
}
