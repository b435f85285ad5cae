// What perouterd tells systemd, decided from the daemon's status alone (pure).
// READY=1 is sent once, when the configuration is applied for the first time:
// the kernel objects are in place and FRR accepted and loaded frr.conf. A
// resource skipped by validation does not hold readiness back (the rest of the
// node's networks are up); a rejected file, FRR not running, FRR refusing the
// configuration or a failed kernel change does. STATUS= follows every change.

/** The part of the daemon's status (src/daemon/daemon.ts DaemonStatus) the service manager is told about. */
export interface ServiceView {
  state: 'starting' | 'ready' | 'degraded' | 'waiting-for-frr' | 'config-invalid';
  message: string;
  /** Set once a reconcile got through to the end. */
  applied?: unknown;
  kernel: { lastErrors: readonly string[] };
  frr: { lastError?: string };
}

export interface ReadinessMemory {
  readySent: boolean;
  lastStatus?: string;
}

/** True once everything the configuration asks for that is valid has been applied. */
export function configurationApplied(s: ServiceView): boolean {
  if (s.state !== 'ready' && s.state !== 'degraded') return false;
  return s.applied !== undefined && s.kernel.lastErrors.length === 0 && s.frr.lastError === undefined;
}

export function statusLine(s: ServiceView): string {
  return `${s.state}: ${s.message}`;
}

/** The notification fields for a new status (empty when nothing changed) and the memory to keep. */
export function readinessStep(mem: ReadinessMemory, s: ServiceView): { fields: Record<string, string>; next: ReadinessMemory } {
  const fields: Record<string, string> = {};
  const line = statusLine(s);
  if (line !== mem.lastStatus) fields['STATUS'] = line;
  const ready = !mem.readySent && configurationApplied(s);
  if (ready) fields['READY'] = '1';
  return { fields, next: { readySent: mem.readySent || ready, lastStatus: line } };
}
