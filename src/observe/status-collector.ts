// Keeps what the daemon last told (ReconcileRecord, desired state, source state) and, on a
// status request, asks FRR and the kernel for the "right now" part, then builds the document.
// Concurrent requests share one collection, and a collection is reused for a second, so many
// `perouterd status --watch` clients cost the same as one. The kernel drift is read only
// while no reconcile runs (a reconcile in flight is itself changing the kernel): a request that
// comes during one waits for it, bounded, so a routine resync does not make the node look
// degraded; a reconcile still running after the bound is reported as such.
import type { DesiredState } from '../daemon/desired-state.js';
import type { DaemonState } from '../daemon/outcome.js';
import type { DaemonObserver, ReconcileRecord, SourceState } from '../daemon/ports.js';
import type { KernelPlan } from '../plan/kernel-plan.js';
import type { FrrState } from './frr-state.js';
import { buildStatus, type KernelDrift, type StatusDocument } from './status-model.js';

/** FRR's live state (frr-state.ts through vtysh). */
export interface FrrStatePort {
  read(): Promise<FrrState>;
}

/** What perouterd would change in the kernel for `plan` now, one line per change; reads only. */
export interface KernelDriftPort {
  drift(plan: KernelPlan): Promise<string[]>;
}

/** The daemon as the collector sees it (the Daemon class satisfies it). */
export interface DaemonView {
  readonly status: { state: DaemonState; message: string; reconciles: number; evpn?: { held: string[] } };
  busyForMs(): number;
  /** Resolves when no reconcile runs. */
  whenIdle(): Promise<void>;
}

const REUSE_MS = 1000;
const FRR_TIMEOUT_MS = 10_000;
/** How long a status request waits for a running reconcile before calling the kernel unknown. */
const RECONCILE_WAIT_MS = 10_000;

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let t: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    t = setTimeout(() => reject(new Error(`${what} did not answer within ${ms} ms`)), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(t));
}

export class StatusCollector implements DaemonObserver {
  private last: ReconcileRecord | undefined;
  private desired: DesiredState | undefined;
  private source: SourceState = { kind: 'static-only' };
  private inflight: Promise<StatusDocument> | undefined;
  private cached: { at: number; doc: StatusDocument } | undefined;

  constructor(
    private readonly daemon: DaemonView,
    private readonly frr: FrrStatePort,
    private readonly kernel: KernelDriftPort,
    private readonly now: () => number = Date.now,
    private readonly reconcileWaitMs = RECONCILE_WAIT_MS,
  ) {}

  reconciled(record: ReconcileRecord, desired: DesiredState | undefined): void {
    this.last = record;
    // A reconcile that could not build a desired state keeps the last one running: show that.
    if (desired) this.desired = desired;
    this.cached = undefined;
  }

  sourceChanged(state: SourceState): void {
    this.source = state;
    this.cached = undefined;
  }

  document(): Promise<StatusDocument> {
    if (this.cached && this.now() - this.cached.at < REUSE_MS) return Promise.resolve(this.cached.doc);
    this.inflight ??= this.collect().finally(() => (this.inflight = undefined));
    return this.inflight;
  }

  private async collect(): Promise<StatusDocument> {
    const [frr, kernel] = await Promise.all([
      withTimeout(this.frr.read(), FRR_TIMEOUT_MS, 'FRR').catch((e: unknown) => ({ error: e instanceof Error ? e.message : String(e) })),
      this.kernelDrift(),
    ]);
    const doc = buildStatus({
      now: new Date(this.now()),
      daemon: { state: this.daemon.status.state, message: this.daemon.status.message, reconciles: this.daemon.status.reconciles },
      source: this.source,
      last: this.last,
      desired: this.desired,
      failed: this.last?.failed ?? [],
      frr,
      kernel,
      notices: this.daemon.status.evpn?.held ?? [],
    });
    this.cached = { at: this.now(), doc };
    return doc;
  }

  private async kernelDrift(): Promise<KernelDrift> {
    if (!this.desired) return { unknown: 'no desired state yet' };
    if (this.daemon.busyForMs() > 0 && !(await this.idleWithin(this.reconcileWaitMs)))
      return { unknown: `a reconcile has been running for ${Math.round(this.daemon.busyForMs() / 1000)} s` };
    const desired = this.desired;
    try {
      return { changes: await withTimeout(this.kernel.drift(desired.kernel), FRR_TIMEOUT_MS, 'the kernel dump') };
    } catch (e) {
      return { unknown: e instanceof Error ? e.message : String(e) };
    }
  }

  private idleWithin(ms: number): Promise<boolean> {
    return withTimeout(this.daemon.whenIdle(), ms, 'the running reconcile').then(
      () => true,
      () => false,
    );
  }
}
