// Custom resources → the `Resource` objects of src/config/model.ts, the same shapes the static
// files produce (schema defaults applied, code-level value checks run: spec-check.ts), filtered
// by their nodeSelector against this Node's labels. Pure.

import {
  emptyRouterConfig,
  type FailedResource,
  type LabelSelector,
  type Resource,
  type ResourceKind,
  type RouterConfig,
} from '../config/model.js';
import { upgradeLegacyUnderlay } from '../config/spec/index.js';
import { sortByName } from '../config/validate/index.js';
import { truncate } from '../util/text.js';
import { API_KINDS, type ApiKind, type ApiKindInfo } from './kinds.js';
import { isMirrored, type KubeObject } from './kube-object.js';
import { type Labels, matchesSelector, selectorError } from './selector.js';
import { specRuleErrors, withSpecDefaults } from './spec-check.js';

export interface ConvertResult {
  /** Objects that apply to this node, sorted by namespace/name within each list. */
  config: RouterConfig;
  /** Objects that apply to this node (or whose selector is malformed) but cannot be used. */
  rejected: FailedResource[];
  /** Kinds with more objects selecting this node than the limit: their list in `config` is empty. */
  overLimit: Partial<Record<ApiKind, number>>;
}

export const MAX_MESSAGE = 500;

/**
 * Default cap of the objects of one kind that may select this node. Far above what a node
 * carries (a VRF or VNI per tenant), low enough that validation and rendering stay quick.
 */
export const DEFAULT_MAX_PER_KIND = 2048;

type Selected = { object: KubeObject } | { error: string } | undefined;

/** Whether `o` of kind `k` concerns this node (the first step of conversion, cheap). */
function select(k: { clusterWide: boolean }, o: KubeObject, nodeLabels: Labels, namespace: string): Selected {
  const name = o.metadata?.name;
  const ns = o.metadata?.namespace ?? '';
  if (!name || isMirrored(o)) return undefined;
  if (!k.clusterWide && ns !== namespace) return undefined;
  const rawSel = (o.spec as { nodeSelector?: LabelSelector } | undefined)?.nodeSelector;
  const selErr = selectorError(rawSel);
  if (selErr !== undefined) return { error: `invalid nodeSelector: ${selErr}` };
  if (!matchesSelector(rawSel, nodeLabels)) return undefined;
  return { object: o };
}

function failure(kind: ResourceKind, o: KubeObject, message: string): FailedResource {
  const name = o.metadata?.name ?? '';
  const where = `${o.metadata?.namespace ?? ''}/${name}`;
  return { kind, name, reason: 'ValidationFailed', message: truncate(`${where}: ${message}`, MAX_MESSAGE) };
}

/**
 * Objects of kinds perouterd does not apply (L3VPN) that select this node: each is reported,
 * so nothing the cluster asks of this node is silently ignored.
 */
export function reportUnsupported(objects: Readonly<Record<string, readonly KubeObject[]>>, nodeLabels: Labels): FailedResource[] {
  const out: FailedResource[] = [];
  for (const [kind, list] of Object.entries(objects)) {
    for (const o of list) {
      const r = select({ clusterWide: true }, o, nodeLabels, '');
      if (r === undefined) continue;
      const why = 'error' in r ? r.error : `${kind} is not supported yet (perouterd has no SRv6): not applied`;
      out.push(failure(kind as ResourceKind, o, why));
    }
  }
  return out.sort(byKindThenMessage);
}

/**
 * The spec in upstream's spelling: an Underlay stored under perouterd 0.1's CRD may still hold
 * bare-string address-family properties (a copy is rewritten; the informer's object is not).
 */
function upgradedSpec(kind: ApiKind, spec: unknown): unknown {
  if (kind !== 'Underlay' || spec === undefined || spec === null) return spec;
  const copy = structuredClone(spec);
  upgradeLegacyUnderlay(copy);
  return copy;
}

/** A selected object of kind `k` as a resource, or why it cannot be used. */
function convertOne(k: ApiKindInfo, o: KubeObject): { resource: Resource<ResourceKind, unknown> } | { error: string } {
  const d = withSpecDefaults(k.kind, upgradedSpec(k.kind, o.spec));
  if (d.error !== undefined) return { error: d.error };
  const ruleErrors = specRuleErrors(k.kind, d.spec);
  if (ruleErrors.length > 0) return { error: ruleErrors.join('; ') };
  const origin: { source: 'api'; uid?: string; generation?: number; creationTimestamp?: string } = { source: 'api' };
  if (o.metadata?.uid !== undefined) origin.uid = o.metadata.uid;
  if (typeof o.metadata?.generation === 'number') origin.generation = o.metadata.generation;
  if (typeof o.metadata?.creationTimestamp === 'string') origin.creationTimestamp = o.metadata.creationTimestamp;
  return { resource: { kind: k.kind, name: o.metadata?.name ?? '', namespace: o.metadata?.namespace ?? '', origin, spec: d.spec } };
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
  opts: { namespace: string; maxPerKind?: number },
): ConvertResult {
  const config = emptyRouterConfig();
  const rejected: FailedResource[] = [];
  const overLimit: Partial<Record<ApiKind, number>> = {};
  const max = opts.maxPerKind ?? DEFAULT_MAX_PER_KIND;
  for (const k of API_KINDS) {
    const selected: KubeObject[] = [];
    for (const o of objects[k.kind] ?? []) {
      const r = select(k, o, nodeLabels, opts.namespace);
      if (r === undefined) continue;
      if ('error' in r) rejected.push(failure(k.kind, o, r.error));
      else selected.push(r.object);
    }
    // Over the cap: nothing of this kind is converted (the caller keeps what it had).
    if (selected.length > max) {
      overLimit[k.kind] = selected.length;
      continue;
    }
    const out: Array<Resource<ResourceKind, unknown>> = [];
    for (const o of selected) {
      const r = convertOne(k, o);
      if ('resource' in r) out.push(r.resource);
      else rejected.push(failure(k.kind, o, r.error));
    }
    (config[k.configKey] as Array<Resource<ResourceKind, unknown>>).push(...sortByName(out));
  }
  rejected.sort(byKindThenMessage);
  return { config, rejected, overLimit };
}

export function byKindThenMessage(a: FailedResource, b: FailedResource): number {
  return a.kind < b.kind ? -1 : a.kind > b.kind ? 1 : a.message < b.message ? -1 : a.message > b.message ? 1 : 0;
}
