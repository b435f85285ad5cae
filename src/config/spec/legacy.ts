// Spellings perouterd accepted before it followed upstream's, rewritten to upstream's form on
// raw data before the schema runs, so everything after the schema (checks, plan, render,
// mirrors) sees one form only. The one place that knows them, for static files and custom
// resources alike.
//
// Address-family properties: upstream writes objects
// (`addressFamilies[].properties: [{type: routeReflectorClient}]`); perouterd 0.1 accepted the
// bare string (`properties: [routeReflectorClient]`). The object form is canonical (the CRDs
// declare it, mirrors are written in it); the string is still read, with a warning in a file.

import type { PathSeg } from '../yaml-source.js';
import type { RuleIssue } from './issue.js';

const KNOWN = new Set(['routeReflectorClient']);

function isObj(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function listOf(v: unknown): unknown[] {
  return Array.isArray(v) ? v : [];
}

/**
 * Rewrites, in place, every bare-string address-family property of one Underlay spec (raw,
 * keys already normalised) to upstream's object form. Returns a warning per rewritten item,
 * located relative to the spec. Anything that is not a string is left to the schema.
 */
export function upgradeLegacyUnderlay(underlay: unknown): RuleIssue[] {
  const out: RuleIssue[] = [];
  if (!isObj(underlay)) return out;
  listOf(underlay.neighbors).forEach((n, i) => {
    if (!isObj(n)) return;
    listOf(n.addressFamilies).forEach((af, j) => {
      if (!isObj(af) || !Array.isArray(af.properties)) return;
      const props = af.properties as unknown[];
      props.forEach((p, k) => {
        if (typeof p !== 'string') return;
        props[k] = { type: p };
        const path: PathSeg[] = ['neighbors', i, 'addressFamilies', j, 'properties', k];
        // Only a known name is echoed (anything else is file content; the schema rejects it).
        const name = KNOWN.has(p) ? p : '<property>';
        out.push({
          severity: 'warning',
          path,
          message: `a bare string here is perouterd 0.1's spelling; write "- type: ${name}" (upstream's form, the one its CRD accepts)`,
        });
      });
    });
  });
  return out;
}

/** The same for every underlay of one static file (raw); paths relative to the file. */
export function upgradeLegacyFile(file: unknown): RuleIssue[] {
  if (!isObj(file)) return [];
  return listOf(file.underlays).flatMap((u, i) =>
    upgradeLegacyUnderlay(u).map((issue) => ({ ...issue, path: ['underlays', i, ...issue.path] })),
  );
}
