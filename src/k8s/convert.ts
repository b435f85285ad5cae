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
import { sortByName } from '../config/validate.js';
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
}

export const MAX_MESSAGE = 500;

type Converted = { resource: Resource<ResourceKind, unknown> } | { error: string } | undefined;

/** One object of kind `k`: a resource for this node, a reason it cannot be used, or nothing (not ours / not for this node). */
function convertOne(k: ApiKindInfo, o: KubeObject, nodeLabels: Labels, namespace: string): Converted {
  const name = o.metadata?.name;
  const ns = o.metadata?.namespace ?? '';
  if (!name || isMirrored(o)) return undefined;
  if (!k.clusterWide && ns !== namespace) return undefined;
  const rawSel = (o.spec as { nodeSelector?: LabelSelector } | undefined)?.nodeSelector;
  const selErr = selectorError(rawSel);
  if (selErr !== undefined) return { error: `invalid nodeSelector: ${selErr}` };
  if (!matchesSelector(rawSel, nodeLabels)) return undefined;
  const d = withSpecDefaults(k.kind, o.spec);
  if (d.error !== undefined) return { error: d.error };
  const ruleErrors = specRuleErrors(k.kind, d.spec);
  if (ruleErrors.length > 0) return { error: ruleErrors.join('; ') };
  const origin: { source: 'api'; uid?: string; generation?: number } = { source: 'api' };
  if (o.metadata?.uid !== undefined) origin.uid = o.metadata.uid;
  if (typeof o.metadata?.generation === 'number') origin.generation = o.metadata.generation;
  return { resource: { kind: k.kind, name, namespace: ns, origin, spec: d.spec } };
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
      const r = convertOne(k, o, nodeLabels, opts.namespace);
      if (r === undefined) continue;
      if ('resource' in r) out.push(r.resource);
      else {
        const name = o.metadata?.name ?? '';
        const where = `${o.metadata?.namespace ?? ''}/${name}`;
        rejected.push({ kind: k.kind, name, reason: 'ValidationFailed', message: truncate(`${where}: ${r.error}`, MAX_MESSAGE) });
      }
    }
    (config[k.configKey] as Array<Resource<ResourceKind, unknown>>).push(...sortByName(out));
  }
  rejected.sort(byKindThenMessage);
  return { config, rejected };
}

export function byKindThenMessage(a: FailedResource, b: FailedResource): number {
  return a.kind < b.kind ? -1 : a.kind > b.kind ? 1 : a.message < b.message ? -1 : a.message > b.message ? 1 : 0;
}
