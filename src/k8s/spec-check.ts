// The checks a CR's spec gets before use, the same the static files get: the JSON Schema (with
// its defaults filled in) and the code-level value checks of src/config/spec/, as messages on
// `spec.…` paths. Pure apart from compiling the schema once.

import type { ErrorObject } from 'ajv/dist/2020.js';
import { specErrors } from '../config/spec/index.js';
import { MESSAGE_KEYWORD, specValidator } from '../config/schemas.js';
import { type ApiKind, kindInfo } from './kinds.js';

function schemaMessage(errors: readonly ErrorObject[]): string {
  const seen = new Set<string>();
  const parts: string[] = [];
  for (const e of errors) {
    const custom = (e.parentSchema as Record<string, unknown> | undefined)?.[MESSAGE_KEYWORD];
    const msg = `spec${e.instancePath.replace(/\//g, '.')}: ${typeof custom === 'string' ? custom : (e.message ?? e.keyword)}`;
    if (!seen.has(msg)) parts.push(msg);
    seen.add(msg);
  }
  return parts.join('; ');
}

/**
 * A deep copy of `spec` with the schema's defaults filled in, or the schema's complaint. The
 * API server applies the same defaults (the CRDs are generated from the same schema), so this
 * mostly matters for objects created before a default was added and for mirror comparison.
 */
export function withSpecDefaults(kind: ApiKind, spec: unknown): { spec: unknown; error?: string } {
  const copy: unknown = spec === undefined || spec === null ? {} : structuredClone(spec);
  const v = specValidator(kindInfo(kind).specDef);
  if (v(copy)) return { spec: copy };
  return { spec: copy, error: schemaMessage(v.errors ?? []) };
}

/** The code-level value checks the static files get (src/config/spec), as messages on `spec.…` paths. */
export function specRuleErrors(kind: ApiKind, spec: unknown): string[] {
  return specErrors(kind, spec);
}
