// The checks a CR's spec gets before use, the same the static files get: the JSON Schema (with
// its defaults filled in) and the code-level value checks of src/config/rules.ts, as messages on
// `spec.…` paths. Pure apart from compiling the schema once.

import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import type { StaticConfigFile } from '../config/model.js';
import { checkStaticFile } from '../config/rules.js';
import { MESSAGE_KEYWORD, openpeSchema } from '../config/schemas.js';
import { API_KINDS, type ApiKind, kindInfo } from './kinds.js';

let validators: Map<string, ValidateFunction> | undefined;

function compile(): Map<string, ValidateFunction> {
  // Same options as src/config/schemas.ts, so defaults and errors are the static files' ones.
  const ajv = new Ajv2020({
    allErrors: true,
    useDefaults: true,
    verbose: true,
    strict: true,
    strictTypes: false,
    strictRequired: false,
    allowUnionTypes: true,
  });
  ajv.addKeyword({ keyword: MESSAGE_KEYWORD, schemaType: 'string' });
  const root = openpeSchema().root;
  ajv.addSchema(root);
  const id = String(root.$id);
  const out = new Map<string, ValidateFunction>();
  for (const k of API_KINDS) {
    const v = ajv.getSchema(`${id}#/$defs/${k.specDef}`);
    if (!v) throw new Error(`schema has no $defs/${k.specDef}`);
    out.set(k.specDef, v);
  }
  return out;
}

function validatorFor(def: string): ValidateFunction {
  validators ??= compile();
  const v = validators.get(def);
  if (!v) throw new Error(`no validator for $defs/${def}`);
  return v;
}

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
  const v = validatorFor(kindInfo(kind).specDef);
  if (v(copy)) return { spec: copy };
  return { spec: copy, error: schemaMessage(v.errors ?? []) };
}

/** Where each kind's spec sits in a static file, and how many path steps that adds. */
function asStaticFile(kind: ApiKind, spec: unknown): { file: StaticConfigFile; strip: number } | undefined {
  switch (kind) {
    case 'Underlay':
      return { file: { underlays: [spec as never] }, strip: 2 };
    case 'L3VNI':
      return { file: { l3vnis: [spec as never] }, strip: 2 };
    case 'L2VNI':
      return { file: { l2vnis: [spec as never] }, strip: 2 };
    case 'L3Passthrough':
      return { file: { bgppassthrough: spec as never }, strip: 1 };
    case 'RawFRRConfig':
      return undefined;
  }
}

/** The code-level value checks the static files get (rules.ts), as messages on `spec.…` paths. */
export function specRuleErrors(kind: ApiKind, spec: unknown): string[] {
  const s = asStaticFile(kind, spec);
  if (!s) return [];
  return checkStaticFile(s.file)
    .filter((i) => i.severity === 'error')
    .map((i) => {
      const p = i.path
        .slice(s.strip)
        .map((x) => (typeof x === 'number' ? `[${x}]` : `.${x}`))
        .join('');
      return `spec${p}: ${i.message}`;
    });
}
