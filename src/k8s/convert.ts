// Custom resources → the `Resource` objects of src/config/model.ts, the same shapes the static
// files produce (schema defaults applied, code-level value checks run), filtered by their
// nodeSelector against this Node's labels. Pure apart from compiling the schema once.

import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import {
  emptyRouterConfig,
  type FailedResource,
  type LabelSelector,
  type Resource,
  type ResourceKind,
  type RouterConfig,
  type StaticConfigFile,
} from '../config/model.js';
import { checkStaticFile } from '../config/rules.js';
import { MESSAGE_KEYWORD, openpeSchema } from '../config/schemas.js';
import { sortByName } from '../config/validate.js';
import { API_KINDS, API_VERSION, GROUP, VERSION, kindInfo, type ApiKind, type ApiKindInfo, STATUS_KIND, STATUS_PLURAL } from './kinds.js';
import { type Labels, matchesSelector, selectorError } from './selector.js';

export { API_KINDS, API_VERSION, GROUP, VERSION, kindInfo, STATUS_KIND, STATUS_PLURAL, type ApiKind, type ApiKindInfo };

/** Label every mirrored static object carries (`static`); objects with it are never read back as API config. */
export const SOURCE_LABEL = 'openperouter.github.io/source';
export const SOURCE_STATIC = 'static';
/** Label naming the node a mirrored static object belongs to. */
export const STATIC_NODE_LABEL = 'openperouter.github.io/static-node';
/** Annotation written on this node's Node object. */
export const NODE_INDEX_ANNOTATION = 'openpe.io/nodeindex';
export const HOSTNAME_LABEL = 'kubernetes.io/hostname';
/** What a custom resource looks like on the wire (only the parts read here). */
export interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata?: {
    name?: string;
    namespace?: string;
    uid?: string;
    generation?: number;
    resourceVersion?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    [k: string]: unknown;
  };
  spec?: unknown;
  status?: unknown;
  [k: string]: unknown;
}

// ---------------------------------------------------------------- schema defaults

let validators: Map<string, ValidateFunction> | undefined;

function validatorFor(def: string): ValidateFunction {
  if (!validators) {
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
    validators = new Map();
    for (const k of API_KINDS) {
      const v = ajv.getSchema(`${id}#/$defs/${k.specDef}`);
      if (!v) throw new Error(`schema has no $defs/${k.specDef}`);
      validators.set(k.specDef, v);
    }
  }
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

/** The code-level value checks the static files get (rules.ts), as messages on `spec.…` paths. */
export function specRuleErrors(kind: ApiKind, spec: unknown): string[] {
  let file: StaticConfigFile;
  let strip: number;
  switch (kind) {
    case 'Underlay':
      file = { underlays: [spec as never] };
      strip = 2;
      break;
    case 'L3VNI':
      file = { l3vnis: [spec as never] };
      strip = 2;
      break;
    case 'L2VNI':
      file = { l2vnis: [spec as never] };
      strip = 2;
      break;
    case 'L3Passthrough':
      file = { bgppassthrough: spec as never };
      strip = 1;
      break;
    case 'RawFRRConfig':
      return [];
  }
  return checkStaticFile(file)
    .filter((i) => i.severity === 'error')
    .map((i) => {
      const p = i.path
        .slice(strip)
        .map((s) => (typeof s === 'number' ? `[${s}]` : `.${s}`))
        .join('');
      return `spec${p}: ${i.message}`;
    });
}

// ---------------------------------------------------------------- conversion

export interface ConvertResult {
  /** Objects that apply to this node, sorted by namespace/name within each list. */
  config: RouterConfig;
  /** Objects that apply to this node (or whose selector is malformed) but cannot be used. */
  rejected: FailedResource[];
}

const MAX_MESSAGE = 500;

export function truncate(s: string, max = MAX_MESSAGE): string {
  return s.length <= max ? s : `${s.slice(0, max - 1)}…`;
}

/** True for mirrored static objects (upstream lists with "label does not exist"). */
export function isMirrored(o: KubeObject): boolean {
  return o.metadata?.labels?.[SOURCE_LABEL] !== undefined;
}

/**
 * Converts the listed custom resources of each kind into resources for this node: mirrored
 * objects are skipped, RawFRRConfigs outside `namespace` are skipped (upstream only lists them
 * in its own namespace), the nodeSelector is matched against `nodeLabels`, then the schema
 * defaults and value checks are applied. Deterministic: each list is sorted by namespace/name.
 */
export function convertApiObjects(
  objects: Partial<Record<ApiKind, readonly KubeObject[]>>,
  nodeLabels: Labels,
  opts: { namespace: string },
): ConvertResult {
  const config = emptyRouterConfig();
  const rejected: FailedResource[] = [];
  for (const k of API_KINDS) {
    const out: Array<Resource<ResourceKind, unknown>> = [];
    for (const o of objects[k.kind] ?? []) {
      const name = o.metadata?.name;
      const namespace = o.metadata?.namespace ?? '';
      if (!name || isMirrored(o)) continue;
      if (!k.clusterWide && namespace !== opts.namespace) continue;
      const reject = (message: string): void => {
        rejected.push({ kind: k.kind, name, reason: 'ValidationFailed', message: truncate(`${namespace}/${name}: ${message}`) });
      };
      const rawSel = (o.spec as { nodeSelector?: LabelSelector } | undefined)?.nodeSelector;
      const selErr = selectorError(rawSel);
      if (selErr !== undefined) {
        reject(`invalid nodeSelector: ${selErr}`);
        continue;
      }
      if (!matchesSelector(rawSel, nodeLabels)) continue;
      const d = withSpecDefaults(k.kind, o.spec);
      if (d.error !== undefined) {
        reject(d.error);
        continue;
      }
      const ruleErrors = specRuleErrors(k.kind, d.spec);
      if (ruleErrors.length > 0) {
        reject(ruleErrors.join('; '));
        continue;
      }
      const origin: { source: 'api'; uid?: string; generation?: number } = { source: 'api' };
      if (o.metadata?.uid !== undefined) origin.uid = o.metadata.uid;
      if (typeof o.metadata?.generation === 'number') origin.generation = o.metadata.generation;
      out.push({ kind: k.kind, name, namespace, origin, spec: d.spec });
    }
    (config[k.configKey] as Array<Resource<ResourceKind, unknown>>).push(...sortByName(out));
  }
  rejected.sort((a, b) => (a.kind < b.kind ? -1 : a.kind > b.kind ? 1 : a.message < b.message ? -1 : a.message > b.message ? 1 : 0));
  return { config, rejected };
}

// ---------------------------------------------------------------- JSON helpers

/** JSON with object keys sorted: equal values give equal strings whatever the key order. */
export function stableStringify(v: unknown): string {
  return JSON.stringify(sortKeys(v));
}

function sortKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (typeof v === 'object' && v !== null) {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(v).sort()) {
      const x = (v as Record<string, unknown>)[k];
      if (x !== undefined) out[k] = sortKeys(x);
    }
    return out;
  }
  return v;
}

/** Deep equality of JSON values (key order ignored, undefined members ignored). */
export function jsonEqual(a: unknown, b: unknown): boolean {
  return stableStringify(a) === stableStringify(b);
}
