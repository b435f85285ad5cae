// The reconcile loop: one reconcile at a time (SerialRunner), asked for by the triggers
// (start-up, SIGHUP, file changes, FRR restarts, the periodic resync, the API).
//
// One reconcile, in this order (README "Ordering"):
//   0. the files must have settled: two reads a quiet period apart with the same content;
//      a missing directory, invalid input or files still changing change nothing;
//   1. check: FRR must run and accept the new frr.conf (an API RawFRRConfig it rejects is
//      dropped alone, named in status);
//   2. kernel additions; 3. the FRR reload; 4. kernel removals.
// Anything failing before a step leaves the running state as it is; failures are retried
// with the one backoff policy. The outcome feeds status.json and the Kubernetes status.
import type { Logger } from 'pino';
import { problemLine, type RouterConfig } from '../config/model.js';
import { Backoff } from '../util/backoff.js';
import { SerialRunner } from './coalesce.js';
import type { DesiredState } from './desired-state.js';
import { checkIsolatingRawFrr } from './frr-isolation.js';
import { FrrPush } from './frr-push.js';
import { apiStatus, needsRetry, outcomeState, type DaemonState, type Health, type Outcome } from './outcome.js';

export type { DaemonStatus };
import { EvpnMonitor } from './evpn-monitor.js';
import { BridgeRefresher } from './bridge-refresher.js';
import type { EvpnRepairOptions } from './evpn-repair.js';
import type { ApiPort, DaemonObserver, FrrPort, KernelPort, KernelReport, SourceState, SourcesPort, StatusSink } from './ports.js';
import { redactSecrets } from '../util/redact.js';
import { reconcileRecord, startProgress, type ReconcileProgress } from './reconcile-record.js';
import { FILE_CHANGE, startTriggers, type TriggerOptions } from './triggers.js';
import { settledDigest, type Digest } from './settle.js';
import { initialStatus, type DaemonStatus } from './daemon-status.js';
import { FrrUnansweredGuard, type UnansweredOptions } from './frr-unanswered.js';

export interface LoopOptions {
  routerNetns: string;
  /** Two reads of the files this far apart must match before a change is applied. */
  quietMs: number;
  triggers: TriggerOptions;
  /** How often the EVPN data plane is checked between reconciles; 0 or unset: never. */
  evpnHealthMs?: number;
  evpnRepair?: EvpnRepairOptions;
  /** How often STALE neighbours on L2VNI bridges are re-confirmed; 0 or unset: never. */
  bridgeRefreshMs?: number;
  /** When an FRR that does not answer configuration is restarted (frr-unanswered.ts). */
  frrUnanswered?: UnansweredOptions;
}

/**
 * Reasons that only say the desired state changed: the kernel adapter may then look
 * at what changed alone. Any other reason (start, resync, SIGHUP, FRR restart, a
 * retry after a failure) has it look at the whole kernel.
 */
const DESIRED_STATE_CHANGES = new Set([FILE_CHANGE, 'api-change', 'files changed during reconcile']);

/** After an FRR restart no EVPN repair runs for this long: FRR is reinstalling everything. */
const FRR_RESTART_GRACE_MS = 30_000;

export interface DaemonPorts {
  kernel: KernelPort;
  frr: FrrPort;
  sources: SourcesPort;
  status: StatusSink;
  /** Told about every reconcile and source change (status socket, metrics, health). */
  observers?: DaemonObserver[];
}

export class Daemon {
  private readonly runner: SerialRunner;
  private readonly backoff = new Backoff({ initialMs: 1000, maxMs: 30_000 });
  private retryTimer: NodeJS.Timeout | undefined;
  private triggers: { stop(): void; rearm(): void } | undefined;
  private stopped = false;
  private readonly frrPush: FrrPush;
  /** Digest of the files last seen settled: an unchanged set needs no quiet period. */
  private settledDigest: string | undefined;
  private api: ApiPort | undefined;
  /** API objects persisted by an earlier run, used until the API answers (restart while it is down). */
  private apiFallback: RouterConfig | undefined;
  private statusListeners: (() => void)[] = [];
  private busySince: number | undefined;
  private current: ReconcileProgress | undefined;
  private source: SourceState = { kind: 'static-only' };
  private lastOutcome: Outcome | undefined;
  private l3vnis: Array<{ vni: number; vrf: string }> = [];
  /** The running reconcile observes the whole kernel (see DESIRED_STATE_CHANGES). */
  private fullKernel = true;
  private readonly evpn: EvpnMonitor;
  private readonly bridgeRefresh: BridgeRefresher;
  private readonly unanswered: FrrUnansweredGuard;
  readonly status: DaemonStatus = initialStatus();

  constructor(
    private readonly opts: LoopOptions,
    private readonly ports: DaemonPorts,
    private readonly log: Logger,
  ) {
    this.runner = new SerialRunner(
      (reason, reasons) => this.reconcileOnce(reason, reasons),
      (e) => {
        this.log.error({ err: e instanceof Error ? e.message : String(e) }, 'reconcile failed unexpectedly');
        this.scheduleRetry('unexpected error');
      },
    );
    this.evpn = new EvpnMonitor({
      kernel: ports.kernel,
      frr: ports.frr,
      l3vnis: () => this.l3vnis,
      busy: () => this.busySince !== undefined,
      changed: () => void this.publish(),
      log: log.child({ component: 'evpn-health' }),
      ...(opts.evpnRepair ? { repair: opts.evpnRepair } : {}),
    });
    this.status.evpn = this.evpn.status;
    this.bridgeRefresh = new BridgeRefresher({
      kernel: ports.kernel,
      l2vnis: () => this.status.applied?.l2vnis ?? [],
      busy: () => this.busySince !== undefined,
      changed: () => void this.publish(),
      log: log.child({ component: 'bridge-refresh' }),
    });
    this.status.bridgeRefresh = this.bridgeRefresh.status;
    this.frrPush = new FrrPush(ports.frr, this.status.frr);
    this.unanswered = new FrrUnansweredGuard(ports.frr, opts.frrUnanswered);
  }

  /** Connects the Kubernetes side; `fallback` is the persisted snapshot to use until the API syncs. */
  attachApi(api: ApiPort, fallback?: RouterConfig): void {
    this.api = api;
    this.apiFallback = fallback;
  }

  async start(): Promise<void> {
    this.triggers = await startTriggers(
      this.opts.triggers,
      this.ports.frr,
      {
        ...(this.ports.sources.events ? { fileEvents: this.ports.sources.events } : {}),
        reconcile: (reason) => this.trigger(reason),
        frrRestarted: (pids) => {
          this.log.warn({ pids }, 'FRR (re)started: pushing configuration again');
          this.frrPush.frrRestarted();
          this.evpn.frrRestarted(FRR_RESTART_GRACE_MS);
          this.trigger('frr-restart');
        },
      },
      this.log,
    );
    this.evpn.start(this.opts.evpnHealthMs ?? 0);
    this.bridgeRefresh.start(this.opts.bridgeRefreshMs ?? 0);
    this.trigger('start');
  }

  /** Asks for a reconcile; coalesces with one already running. */
  trigger(reason: string): void {
    if (this.stopped) return;
    this.log.debug({ reason }, 'reconcile requested');
    this.runner.request(reason);
  }

  /** Called after every status update (the service manager's STATUS= and READY=). */
  onStatus(listener: () => void): void {
    this.statusListeners.push(listener);
  }

  /** How long the running reconcile has been running; 0 when idle (the watchdog's liveness). */
  busyForMs(): number {
    return this.busySince === undefined ? 0 : Date.now() - this.busySince;
  }

  /** Resolves when no reconcile is running (tests, shutdown). */
  whenIdle(): Promise<void> {
    return this.runner.whenIdle();
  }

  /** Stops triggers and waits for a running reconcile; leaves the dataplane in place. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.runner.stop();
    this.triggers?.stop();
    this.evpn.stop();
    this.bridgeRefresh.stop();
    clearTimeout(this.retryTimer);
    await this.runner.whenIdle();
    this.ports.kernel.close();
  }

  private scheduleRetry(why: string): void {
    if (this.retryTimer || this.stopped) return;
    const delay = this.backoff.next();
    this.log.info({ delayMs: delay, why }, 'will retry');
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      this.trigger(`retry: ${why}`);
    }, delay);
  }

  /** Two reads a quiet period apart must agree (settle.ts). */
  private async settledFiles(): Promise<Digest> {
    const read = (): Promise<Digest> => this.ports.sources.digest();
    const r = await settledDigest(read, this.opts.quietMs, this.settledDigest, () => this.triggers?.rearm());
    if (r.ok) this.settledDigest = r.digest;
    return r;
  }

  private async reconcileOnce(reason: string, reasons: string[]): Promise<void> {
    this.busySince = Date.now();
    this.current = startProgress(reasons, this.busySince);
    if (reasons.includes('resync')) this.frrPush.checkDrift();
    // Only file events' own reconciles read just the files named; any other cause (start,
    // resync, API, retry, SIGHUP, files changed mid-read) reads them all.
    if (!reasons.every((r) => r === FILE_CHANGE)) this.ports.sources.rescan?.();
    this.fullKernel = !reasons.every((r) => DESIRED_STATE_CHANGES.has(r));
    try {
      await this.reconcileSteps(reason);
    } finally {
      this.busySince = undefined;
      this.current = undefined;
    }
  }

  /** Static only, merged with the API, or API lost (the last API objects kept) since when. */
  private noteSource(apiConfig: RouterConfig | undefined): void {
    const connected = this.api !== undefined && this.api.snapshot() !== undefined && this.api.connected !== false;
    const kind: SourceState['kind'] = connected ? 'merged' : apiConfig !== undefined ? 'api-lost' : 'static-only';
    if (kind === this.source.kind) return;
    this.source = kind === 'static-only' ? { kind } : { kind, since: new Date().toISOString() };
    for (const o of this.ports.observers ?? []) o.sourceChanged(this.source);
  }

  private async reconcileSteps(reason: string): Promise<void> {
    this.status.reconciles++;
    this.status.lastReconcileAt = new Date().toISOString();
    const log = this.log.child({ reconcile: this.status.reconciles, reason });
    const files = await this.settledFiles();
    if (!files.ok) {
      this.status.problems = [`error: ${files.reason}`];
      return this.finish({ kind: 'config-invalid', reason: files.reason, failed: [] }, log);
    }
    const apiConfig = this.api?.snapshot() ?? this.apiFallback;
    this.noteSource(apiConfig);
    const built = await this.ports.sources.build(apiConfig);
    this.mirrorStatic(built);
    const problems = built.ok ? built.desired.problems : built.problems;
    this.status.problems = problems.map(problemLine);
    for (const p of problems) (p.severity === 'error' ? log.error.bind(log) : log.warn.bind(log))({ location: p.location }, problemLine(p));
    if (!built.ok) return this.finish({ kind: 'config-invalid', reason: built.reason, failed: built.failed }, log);
    // The files changed while they were parsed: what was built may mix two versions.
    const after = await this.ports.sources.digest();
    if (!after.ok || after.digest !== files.digest) {
      log.info('configuration files changed while being read: reading them again');
      this.settledDigest = undefined;
      this.trigger('files changed during reconcile');
      return;
    }
    return this.finish(await this.apply(built.desired, apiConfig, log), log);
  }

  private mirrorStatic(built: Awaited<ReturnType<SourcesPort['build']>>): void {
    if (!this.api) return;
    const nodeIndex = built.ok ? built.desired.node.nodeIndex : built.node?.nodeIndex;
    const staticCfg = built.ok ? built.desired.staticConfig : built.staticConfig;
    if (nodeIndex !== undefined) void this.api.mirrorStatic(staticCfg, nodeIndex).catch(() => undefined);
  }

  /** check -> kernel additions -> FRR reload -> kernel removals. */
  private async apply(built: DesiredState, apiConfig: RouterConfig | undefined, log: Logger): Promise<Outcome> {
    if (this.ports.kernel.ensureRouterNamespace()) log.info({ netns: this.opts.routerNetns }, 'created router namespace');
    let desired = built;
    if (this.current) this.current.desired = built;
    let failed = built.failed;
    if (this.frrPush.changed(desired.frrConfig)) {
      if (!(await this.ports.frr.isRunning())) return { kind: 'waiting-for-frr' };
      const c = await checkIsolatingRawFrr(this.ports.frr, this.ports.sources, built, apiConfig);
      if (!c.ok) {
        this.status.frr.lastError = c.error;
        return { kind: 'frr-rejected', error: c.error, failed: [...failed, ...c.rejected] };
      }
      desired = c.desired;
      if (this.current) this.current.desired = desired;
      failed = [...desired.failed, ...c.rejected];
      for (const r of c.rejected) log.error({ kind: r.kind, name: r.name }, r.message);
    }
    // A new frr.conf after isolation may equal the one running: no reload then (a drift check still reads FRR).
    const reload = this.frrPush.due(desired.frrConfig);
    // One observation of the kernel per reconcile: the removals are computed with the additions.
    const kernel = await this.ports.kernel.changes(desired.kernel, { full: this.fullKernel });
    const additions = await kernel.additions();
    if (reload) {
      const { record, error: err, unanswered } = await this.frrPush.push(desired.frrConfig, log, desired.frrTree);
      if (this.current) this.current.frr = record;
      if (err !== undefined) {
        this.recordKernel([additions], log);
        if (unanswered) {
          if (await this.unanswered.notAnswering(err, log)) this.status.frr.restarts++;
        } else this.unanswered.answered();
        return { kind: 'frr-failed', error: err, failed };
      }
      this.unanswered.answered();
    }
    const removals = await kernel.removals();
    this.recordKernel([additions, removals], log);
    this.status.missingNics = kernel.missingNics;
    this.status.heldVeths = kernel.heldVeths;
    for (const n of kernel.missingNics) log.error({ nic: n }, `underlay NIC ${n} is in neither the host nor the router namespace`);
    for (const n of kernel.heldVeths) log.error({ veth: n }, `host veth ${n} kept: its peer is in a namespace perouterd cannot see`);
    this.l3vnis = desired.plan.l3vnis.map((v) => ({ vni: v.vni, vrf: v.vrf }));
    this.status.applied = {
      l3vnis: desired.plan.l3vnis.map((v) => v.vni),
      l2vnis: desired.plan.l2vnis.map((v) => v.vni),
      passthrough: desired.plan.passthrough !== undefined,
    };
    const errors = [...additions.errors, ...removals.errors];
    return errors.length > 0 ? { kind: 'kernel-failed', errors, failed } : { kind: 'applied', failed };
  }

  private recordKernel(reports: KernelReport[], log: Logger): void {
    const writes = reports.reduce((n, r) => n + r.writes, 0);
    const ops = reports.flatMap((r) => r.ops);
    this.status.kernel.writesLast = writes;
    this.status.kernel.writesTotal += writes;
    this.status.kernel.lastErrors = reports.flatMap((r) => r.errors);
    if (this.current) Object.assign(this.current, { writes, ops, errors: this.status.kernel.lastErrors });
    if (ops.length > 0) log.info({ ops, writes }, 'kernel changes applied');
    else log.debug('kernel already as desired: no netlink write');
    for (const e of this.status.kernel.lastErrors) log.error(e);
  }

  private health(): Health {
    return { missingNics: this.status.missingNics, heldVeths: this.status.heldVeths, evpnFaults: this.status.evpn.faults };
  }

  private async finish(o: Outcome, log: Logger): Promise<void> {
    this.lastOutcome = o;
    this.status.failedResources = o.kind === 'waiting-for-frr' ? [] : o.failed;
    for (const f of this.status.failedResources)
      log.warn({ kind: f.kind, name: f.name, reason: f.reason, location: f.location }, `resource failed: ${f.message}`);
    const { state, message } = outcomeState(o, this.health());
    (state === 'ready' ? log.info.bind(log) : log.warn.bind(log))(message);
    if (needsRetry(o)) this.scheduleRetry(o.kind);
    else if (o.kind === 'applied') this.backoff.reset();
    await this.publish();
    this.tellObservers(o, state, message);
  }

  /** Status from the last outcome and the health observed since: status.json, the API, listeners. */
  private async publish(): Promise<void> {
    const o = this.lastOutcome;
    if (!o) return;
    const { state, message } = outcomeState(o, this.health());
    this.status.state = state;
    this.status.message = message;
    if (this.api) {
      void this.api.reportStatus(apiStatus(o, this.health())).catch(() => undefined);
      this.status.k8s = this.api.state();
    }
    try {
      await this.ports.status.write(redactSecrets(JSON.stringify(this.status, null, 2)));
    } catch (e) {
      this.log.warn({ err: (e as Error).message }, 'cannot write status file');
    }
    for (const l of this.statusListeners) l();
  }

  private tellObservers(o: Outcome, state: DaemonState, message: string): void {
    const c = this.current;
    if (!c) return;
    const record = reconcileRecord(c, o, { state, message, failed: this.status.failedResources });
    for (const obs of this.ports.observers ?? []) {
      try {
        obs.reconciled(record, c.desired);
      } catch (e) {
        this.log.warn({ err: (e as Error).message }, 'reconcile observer failed');
      }
    }
  }
}
