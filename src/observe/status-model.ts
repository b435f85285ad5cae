// The status document `perouterd status` shows, built from what the daemon knows (the last
// ReconcileRecord, the desired state with each resource's origin), what FRR reports (frr-state.ts)
// and what differs in the kernel right now. Pure: the server gathers, this decides. Health is
// decided here only: `healthy` needs the daemon ready, FRR answering, every BGP session
// Established and the kernel as desired; anything else is `degraded` with the reasons listed.
import type { FailedResource, RouterConfig } from '../config/model.js';
import type { DesiredState } from '../daemon/desired-state.js';
import type { DaemonState } from '../daemon/outcome.js';
import type { ReconcileRecord, SourceState } from '../daemon/ports.js';
import { redactSecrets } from '../util/redact.js';
import type { FrrState } from './frr-state.js';

export type Health = 'healthy' | 'degraded' | 'down';

export interface ResourceStatus {
  kind: string;
  name: string;
  /** `file:line` for static objects, `namespace/name` for API objects. */
  origin: string;
  state: 'applied' | 'skipped' | 'pending';
  /** Why skipped (FailureReason) or pending (the last outcome). */
  reason?: string;
  message?: string;
}

/** What differs between desired and observed kernel state, one line per change perouterd would make. */
export type KernelDrift = { changes: string[] } | { unknown: string };

export interface StatusDocument {
  kind: 'PerouterdStatus';
  generatedAt: string;
  /** Where this came from: the running daemon, or status.json when the daemon is down. */
  from: 'daemon' | 'status-file';
  health: Health;
  /** Why not healthy, one line each. */
  reasons: string[];
  /** What the operator should know that does not make the node unhealthy (EVPN entries perouterd holds for zebra). */
  notices: string[];
  node?: { name: string; index: number };
  daemon: { state: DaemonState | 'down'; message: string; reconciles: number };
  /** Unknown when read from status.json. */
  source?: SourceState;
  lastReconcile?: Omit<ReconcileRecord, 'kernelOps' | 'failed'>;
  resources: ResourceStatus[];
  bgp: { neighbors: FrrState['bgp'] };
  evpn: { vnis: FrrState['vnis'] };
  bfd: { peers: FrrState['bfd'] };
  kernel: KernelDrift;
  /** Set when FRR could not be asked (the lists above are then empty). */
  frrError?: string;
}

export interface StatusInputs {
  now: Date;
  daemon: { state: DaemonState; message: string; reconciles: number };
  source: SourceState;
  last?: ReconcileRecord;
  desired?: DesiredState;
  failed: FailedResource[];
  frr: FrrState | { error: string };
  kernel: KernelDrift;
  notices?: string[];
}

const KIND_LISTS: Array<keyof RouterConfig> = ['underlays', 'l3vnis', 'l2vnis', 'l3passthroughs', 'rawFrrConfigs'];

function originOf(r: RouterConfig[keyof RouterConfig][number]): string {
  if (r.origin.source === 'static') return `${r.origin.location.file}:${r.origin.location.line}`;
  return `${r.namespace}/${r.name}`;
}

/** Every resource: applied ones from the desired state, skipped ones from the failed list. */
export function resourceStatuses(desired: DesiredState | undefined, failed: FailedResource[], last?: ReconcileRecord): ResourceStatus[] {
  const out: ResourceStatus[] = [];
  const pending = last !== undefined && last.outcome !== 'applied';
  const skipped = new Set(failed.map((f) => `${f.kind}/${f.name}`));
  for (const list of KIND_LISTS)
    for (const r of desired?.config[list] ?? []) {
      if (skipped.has(`${r.kind}/${r.name}`)) continue;
      out.push({
        kind: r.kind,
        name: r.name,
        origin: originOf(r),
        ...(pending ? { state: 'pending' as const, reason: last.outcome, message: last.message } : { state: 'applied' as const }),
      });
    }
  for (const f of failed)
    out.push({
      kind: f.kind,
      name: f.name,
      origin: f.location ? `${f.location.file}:${f.location.line}` : 'api',
      state: 'skipped',
      reason: f.reason,
      message: f.message,
    });
  return out;
}

/** Why the node is not healthy; empty when it is. */
export function unhealthyReasons(i: Pick<StatusInputs, 'daemon' | 'frr' | 'kernel'>): string[] {
  const reasons: string[] = [];
  if (i.daemon.state !== 'ready') reasons.push(`daemon ${i.daemon.state}: ${i.daemon.message}`);
  if ('error' in i.frr) reasons.push(`FRR state unavailable: ${i.frr.error}`);
  else {
    for (const n of i.frr.bgp)
      if (n.state !== 'Established') reasons.push(`BGP ${n.afi} ${n.safi} neighbour ${n.peer} (vrf ${n.vrf}) is ${n.state}`);
    for (const p of i.frr.bfd) if (p.status !== 'up') reasons.push(`BFD peer ${p.peer} is ${p.status}`);
  }
  if ('unknown' in i.kernel) reasons.push(`kernel state unknown: ${i.kernel.unknown}`);
  else if (i.kernel.changes.length > 0)
    reasons.push(`kernel differs from the desired state (${i.kernel.changes.length} change(s) pending)`);
  return reasons;
}

export function buildStatus(i: StatusInputs): StatusDocument {
  const reasons = unhealthyReasons(i);
  const frr = 'error' in i.frr ? { bgp: [], vnis: [], bfd: [] } : i.frr;
  const doc: StatusDocument = {
    kind: 'PerouterdStatus',
    generatedAt: i.now.toISOString(),
    from: 'daemon',
    health: reasons.length === 0 ? 'healthy' : 'degraded',
    reasons,
    notices: i.notices ?? [],
    ...(i.desired ? { node: { name: i.desired.node.nodeName, index: i.desired.node.nodeIndex } } : {}),
    daemon: { ...i.daemon },
    source: i.source,
    resources: resourceStatuses(i.desired, i.failed, i.last),
    bgp: { neighbors: frr.bgp },
    evpn: { vnis: frr.vnis },
    bfd: { peers: frr.bfd },
    kernel: i.kernel,
    ...('error' in i.frr ? { frrError: i.frr.error } : {}),
  };
  if (i.last) {
    const { kernelOps: _ops, failed: _failed, ...last } = i.last;
    doc.lastReconcile = last;
  }
  return redactDocument(doc);
}

/** Every string of the document through the redaction (messages quote FRR, the API, files). */
export function redactDocument<T>(doc: T): T {
  return JSON.parse(redactSecrets(JSON.stringify(doc))) as T;
}

/** The document from status.json when the daemon is down: what it last wrote, marked as such. */
export function statusFromFile(json: unknown, now: Date): StatusDocument {
  const s = (json ?? {}) as {
    state?: DaemonState;
    message?: string;
    reconciles?: number;
    lastReconcileAt?: string;
    failedResources?: FailedResource[];
  };
  const failed = Array.isArray(s.failedResources) ? s.failedResources : [];
  return redactDocument({
    kind: 'PerouterdStatus',
    generatedAt: now.toISOString(),
    from: 'status-file',
    health: 'down',
    reasons: [`perouterd is not running; last state ${s.state ?? 'unknown'}${s.lastReconcileAt ? ` at ${s.lastReconcileAt}` : ''}`],
    notices: [],
    daemon: { state: 'down', message: `last run: ${s.state ?? 'unknown'}: ${s.message ?? ''}`, reconciles: s.reconciles ?? 0 },
    resources: resourceStatuses(undefined, failed),
    bgp: { neighbors: [] },
    evpn: { vnis: [] },
    bfd: { peers: [] },
    kernel: { unknown: 'perouterd is not running' },
  });
}
