// RouterNodeConfigurationStatus content (upstream's
// internal/controller/routerconfiguration/status.go): conditions Ready and Degraded with the
// reasons ConfigurationSuccessful / ConfigurationFailed / UnderlayFailed, failedResources, and
// observedGeneration. Pure: src/k8s/api-source.ts decides when to write.

import type { FailedResource } from '../config/model.js';
import { jsonEqual } from '../util/json.js';
import { truncate } from '../util/text.js';
import { MAX_MESSAGE } from './convert.js';

export const CONDITION_READY = 'Ready';
export const CONDITION_DEGRADED = 'Degraded';
export const REASON_SUCCESS = 'ConfigurationSuccessful';
export const REASON_FAILED = 'ConfigurationFailed';
export const REASON_UNDERLAY = 'UnderlayFailed';

/** What the daemon reports after a reconcile. */
export interface StatusReport {
  /** The configuration was applied (possibly with some resources skipped: `failed`). */
  ok: boolean;
  /** The underlay failed validation: nothing was applied. Inferred from `failed` when absent and !ok. */
  underlayFailed?: boolean;
  /** Why the reconcile failed (used when !ok and the underlay is not the reason). */
  message: string;
  /** Resources skipped or rejected (static, API, merge conflicts). */
  failed: FailedResource[];
  /** Overrides the observedGeneration the module would write (its API snapshot generation). */
  observedGeneration?: number;
}

export interface Condition {
  type: string;
  status: 'True' | 'False' | 'Unknown';
  reason: string;
  message: string;
  lastTransitionTime: string;
}

export interface StatusFailedResource {
  kind: string;
  name: string;
  reason: string;
  message: string;
}

/**
 * failedResources[].kind as upstream's CRD enumerates it (api/v1alpha1/failedresource.go):
 * a RawFRRConfig is FRR configuration; a kind it cannot hold (L3VPN) is named only in the
 * conditions, or a cluster that kept upstream's CRDs would refuse the whole status write.
 */
const STATUS_KIND_OF: Partial<Record<FailedResource['kind'], string>> = {
  Underlay: 'Underlay',
  L3VNI: 'L3VNI',
  L2VNI: 'L2VNI',
  L3Passthrough: 'L3Passthrough',
  RawFRRConfig: 'FrrConfiguration',
};

export interface NodeStatus {
  observedGeneration?: number;
  failedResources: StatusFailedResource[];
  conditions: Condition[];
}

/** RFC 3339 with second precision, as metav1.Time serialises. */
export function rfc3339(d: Date): string {
  return d.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

const MAX_CONDITION_MESSAGE = 32768;

/** The entry upstream's CRD accepts (message required, 1..500), or undefined for a kind it cannot list. */
function statusFailed(f: FailedResource): StatusFailedResource | undefined {
  const kind = STATUS_KIND_OF[f.kind];
  if (kind === undefined) return undefined;
  const message = truncate(f.message.trim() || f.reason, MAX_MESSAGE);
  return { kind, name: truncate(f.name || '-', 253), reason: f.reason, message };
}

/**
 * The status to write. `previous` is the status currently stored: a condition keeps its
 * lastTransitionTime while its status (True/False) stays the same, as meta.SetStatusCondition does.
 */
export function buildStatus(r: StatusReport, previous: unknown, now: Date, observedGeneration?: number): NodeStatus {
  const underlayFailed = r.underlayFailed ?? (!r.ok && r.failed.some((f) => f.kind === 'Underlay'));
  type C = Omit<Condition, 'lastTransitionTime'>;
  let ready: C;
  let degraded: C;
  if (underlayFailed) {
    ready = {
      type: CONDITION_READY,
      status: 'False',
      reason: REASON_UNDERLAY,
      message: 'Underlay failed validation, existing FRR configuration left as-is',
    };
    degraded = {
      type: CONDITION_DEGRADED,
      status: 'True',
      reason: REASON_UNDERLAY,
      message: 'Underlay failed validation, VNI processing skipped',
    };
  } else if (!r.ok) {
    const message = r.message.trim() || 'configuration failed';
    ready = { type: CONDITION_READY, status: 'False', reason: REASON_FAILED, message };
    degraded = { type: CONDITION_DEGRADED, status: 'True', reason: REASON_FAILED, message };
  } else if (r.failed.length === 0) {
    const message = 'All configuration applied successfully';
    ready = { type: CONDITION_READY, status: 'True', reason: REASON_SUCCESS, message };
    degraded = { type: CONDITION_DEGRADED, status: 'False', reason: REASON_SUCCESS, message };
  } else {
    const names = r.failed.map((f) => `${f.kind}/${f.name}`).sort();
    ready = {
      type: CONDITION_READY,
      status: 'False',
      reason: REASON_FAILED,
      message: `${r.failed.length} resources failed (${names.join(', ')})`,
    };
    degraded = { type: CONDITION_DEGRADED, status: 'True', reason: REASON_FAILED, message: 'Some resources failed to configure' };
  }
  const prevConds = (previous as { conditions?: Condition[] } | undefined)?.conditions ?? [];
  const stamp = (c: C): Condition => {
    const prev = prevConds.find((p) => p.type === c.type);
    const lastTransitionTime = prev && prev.status === c.status && prev.lastTransitionTime ? prev.lastTransitionTime : rfc3339(now);
    return { ...c, message: truncate(c.message, MAX_CONDITION_MESSAGE), lastTransitionTime };
  };
  const failedResources = r.failed.map(statusFailed).filter((f): f is StatusFailedResource => f !== undefined);
  const out: NodeStatus = { failedResources, conditions: [stamp(ready), stamp(degraded)] };
  const gen = r.observedGeneration ?? observedGeneration;
  if (gen !== undefined) out.observedGeneration = gen;
  return out;
}

/** Whether the stored status already says what `want` says (missing lists count as empty). */
export function statusEqual(stored: unknown, want: NodeStatus): boolean {
  const s = (stored ?? {}) as Partial<NodeStatus>;
  const norm = (x: Partial<NodeStatus>): unknown => ({
    observedGeneration: x.observedGeneration,
    failedResources: x.failedResources ?? [],
    conditions: [...(x.conditions ?? [])].sort((a, b) => (a.type < b.type ? -1 : a.type > b.type ? 1 : 0)),
  });
  return jsonEqual(norm(s), norm(want));
}
