// What one reconcile did, gathered while it runs and handed to the observers (status socket,
// metrics, health) as a ReconcileRecord when it ends. Messages pass through the redaction.
import type { FailedResource } from '../config/model.js';
import { redactSecrets } from '../util/redact.js';
import type { DesiredState } from './desired-state.js';
import type { DaemonState, Outcome } from './outcome.js';
import type { FrrReloadRecord, ReconcileRecord } from './ports.js';

export interface ReconcileProgress {
  started: number;
  triggers: string[];
  /** The desired state worked from (after isolating rejected RawFRRConfigs). */
  desired?: DesiredState;
  writes: number;
  ops: string[];
  errors: string[];
  frr: FrrReloadRecord;
}

export function startProgress(triggers: string[], now = Date.now()): ReconcileProgress {
  return {
    started: now,
    triggers,
    writes: 0,
    ops: [],
    errors: [],
    frr: { result: 'not-needed', linesAdded: 0, linesRemoved: 0, durationMs: 0 },
  };
}

export function reconcileRecord(
  p: ReconcileProgress,
  o: Outcome,
  s: { state: DaemonState; message: string; failed: FailedResource[] },
  now = Date.now(),
): ReconcileRecord {
  return {
    startedAt: new Date(p.started).toISOString(),
    triggers: [...p.triggers],
    outcome: o.kind,
    state: s.state,
    message: redactSecrets(s.message),
    durationMs: now - p.started,
    netlinkWrites: p.writes,
    kernelOps: p.ops,
    kernelErrors: p.errors.map(redactSecrets),
    frr: p.frr.error === undefined ? { ...p.frr } : { ...p.frr, error: redactSecrets(p.frr.error) },
    failed: s.failed.map((f) => ({ ...f, message: redactSecrets(f.message) })),
  };
}
