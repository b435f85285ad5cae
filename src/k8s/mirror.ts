// Mirroring of the static configuration to custom resources (upstream's MirrorController):
// every static object becomes a CR of the same kind, named as upstream names it
// (`static-<node>-…`), in the daemon's namespace, labelled
// `openperouter.github.io/source=static` and `openperouter.github.io/static-node=<node>`,
// with the nodeSelector `kubernetes.io/hostname=<node>` (already set on static resources).
// Pure: what to create, update and delete; src/k8s/api-source.ts does the writes.

import type { Resource, ResourceKind, RouterConfig } from '../config/model.js';
import { isValidObjectName } from '../config/spec/index.js';
import { jsonEqual } from '../util/json.js';
import { API_KINDS, API_VERSION, type ApiKind } from './kinds.js';
import { HOSTNAME_LABEL, type KubeObject, SOURCE_LABEL, SOURCE_STATIC, STATIC_NODE_LABEL } from './kube-object.js';
import { withSpecDefaults } from './spec-check.js';

export interface MirrorObject {
  apiVersion: string;
  kind: ApiKind;
  metadata: { name: string; namespace: string; labels: Record<string, string> };
  spec: unknown;
}

export function mirrorLabels(nodeName: string): Record<string, string> {
  return { [SOURCE_LABEL]: SOURCE_STATIC, [STATIC_NODE_LABEL]: nodeName };
}

/** Label selector of this node's mirrored objects. */
export function mirrorSelector(nodeName: string): string {
  return `${SOURCE_LABEL}=${SOURCE_STATIC},${STATIC_NODE_LABEL}=${nodeName}`;
}

/**
 * The CRs mirroring the static resources of `staticCfg` (API resources in it are ignored).
 * Objects whose name is not a valid Kubernetes name (a static L3VNI without `name`), and the
 * second of two static objects with the same kind and name, cannot be mirrored: `skipped` says why.
 */
export function desiredMirrors(
  staticCfg: RouterConfig,
  nodeName: string,
  namespace: string,
): { objects: MirrorObject[]; skipped: string[] } {
  const objects: MirrorObject[] = [];
  const skipped: string[] = [];
  const seen = new Set<string>();
  for (const k of API_KINDS) {
    for (const r of staticCfg[k.configKey] as ReadonlyArray<Resource<ResourceKind, unknown>>) {
      if (r.origin.source !== 'static') continue;
      if (!isValidObjectName(r.name)) {
        skipped.push(`${k.kind} "${r.name}" is not a valid object name: not mirrored`);
        continue;
      }
      const key = `${k.kind}/${r.name}`;
      if (seen.has(key)) {
        skipped.push(`${k.kind} ${r.name} is defined twice in the static files: only the first is mirrored`);
        continue;
      }
      seen.add(key);
      // JSON round trip: drops undefined members so the spec compares equal to what the server returns.
      const spec = JSON.parse(JSON.stringify(r.spec ?? {})) as Record<string, unknown>;
      spec.nodeSelector = { matchLabels: { [HOSTNAME_LABEL]: nodeName } };
      objects.push({ apiVersion: API_VERSION, kind: k.kind, metadata: { name: r.name, namespace, labels: mirrorLabels(nodeName) }, spec });
    }
  }
  return { objects, skipped };
}

/** Whether an existing CR already mirrors `want` (labels exactly, spec up to schema defaults). */
export function mirrorMatches(existing: KubeObject, want: MirrorObject): boolean {
  if (!jsonEqual(existing.metadata?.labels ?? {}, want.metadata.labels)) return false;
  const have = withSpecDefaults(want.kind, existing.spec).spec;
  const wanted = withSpecDefaults(want.kind, want.spec).spec;
  return jsonEqual(have, wanted);
}

export interface MirrorPlan {
  create: MirrorObject[];
  update: Array<{ existing: KubeObject; want: MirrorObject }>;
  delete: Array<{ kind: ApiKind; obj: KubeObject }>;
}

/**
 * What to do so that `existing` (this node's mirrored CRs of every kind, as listed with the
 * mirror label selector) matches `desired`.
 */
export function planMirror(desired: readonly MirrorObject[], existing: ReadonlyArray<{ kind: ApiKind; obj: KubeObject }>): MirrorPlan {
  const plan: MirrorPlan = { create: [], update: [], delete: [] };
  const have = new Map<string, { kind: ApiKind; obj: KubeObject }>();
  for (const e of existing) have.set(`${e.kind}/${e.obj.metadata?.name ?? ''}`, e);
  const wanted = new Set<string>();
  for (const d of desired) {
    const key = `${d.kind}/${d.metadata.name}`;
    wanted.add(key);
    const e = have.get(key);
    if (!e) plan.create.push(d);
    else if (!mirrorMatches(e.obj, d)) plan.update.push({ existing: e.obj, want: d });
  }
  for (const [key, e] of have) if (!wanted.has(key)) plan.delete.push(e);
  return plan;
}

/** The body of a PUT turning `existing` into `want` (labels replaced, spec replaced, rest kept). */
export function updatedMirror(existing: KubeObject, want: MirrorObject): KubeObject {
  return {
    ...existing,
    apiVersion: API_VERSION,
    kind: want.kind,
    metadata: { ...(existing.metadata ?? {}), labels: { ...want.metadata.labels } },
    spec: want.spec,
  };
}
