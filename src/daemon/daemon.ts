// The reconcile loop: one reconcile at a time, triggered by start-up, SIGHUP,
// file changes, FRR restarts and a periodic resync. Each reconcile applies FRR
// first and the kernel second (see README "Ordering"); if anything before the
// kernel step fails, the kernel is not touched and the last good state stays.
import { promises as fs, watch, type FSWatcher } from 'node:fs';
import path from 'node:path';
import type { Logger } from 'pino';
import { problemLine, type FailedResource, type RouterConfig } from '../config/model.js';
import type { StatusReport } from '../k8s/status.js';
import { applyKernel, describeOp, kernelChanges, type ApplyReport, type Dataplane } from '../dataplane/dataplane.js';
import type { FrrControl } from '../frr/reloader.js';
import { countsPerBlock, summarize, type FrrChangeReason } from '../frr/explain.js';
import { buildDesiredState, type ConfigSources, type DesiredState } from './pipeline.js';

export interface DaemonOptions extends ConfigSources {
  routerNetns: string;
  stateDir: string;
  /** Periodic drift check; 0 disables. */
  resyncSeconds: number;
  /** Debounce for file events (trailing), like upstream's 500 ms. */
  debounceMs: number;
  /** How often FRR's PID files are checked for a restart. */
  frrPollMs: number;
  watchFiles: boolean;
}

/** What the daemon needs from the Kubernetes side (src/k8s/api-source.ts), small enough to fake. */
export interface ApiLink {
  /** The API objects for this node; undefined before the first sync. */
  snapshot(): RouterConfig | undefined;
  mirrorStatic(staticCfg: RouterConfig | undefined, nodeIndex: number): Promise<void>;
  reportStatus(s: StatusReport): Promise<void>;
  state(): unknown;
}

export interface DaemonStatus {
  state: 'starting' | 'ready' | 'degraded' | 'waiting-for-frr' | 'config-invalid';
  message: string;
  reconciles: number;
  lastReconcileAt?: string;
  frr: { reloads: number; lastOutcome?: string; lastError?: string };
  kernel: { writesLast: number; writesTotal: number; lastErrors: string[] };
  failedResources: FailedResource[];
  problems: string[];
  applied?: { l3vnis: number[]; l2vnis: number[]; passthrough: boolean; frrConfigSha?: string };
  k8s?: unknown;
}

const SOME_FAILED = 'some resources failed validation';

export class Daemon {
  private running = false;
  private pending = false;
  private forceFrr = false;
  private stopped = false;
  private timers: NodeJS.Timeout[] = [];
  private retryTimer: NodeJS.Timeout | undefined;
  private retryDelayMs = 1000;
  private debounceTimer: NodeJS.Timeout | undefined;
  private watchers: FSWatcher[] = [];
  private lastAppliedFrr: string | undefined;
  private lastFrrPids: Record<string, number> = {};
  private idle: Promise<void> = Promise.resolve();
  private api: ApiLink | undefined;
  /** API objects persisted by an earlier run, used until the API answers (restart while it is down). */
  private apiFallback: RouterConfig | undefined;
  private statusListeners: (() => void)[] = [];
  private busySince: number | undefined;
  readonly status: DaemonStatus = {
    state: 'starting',
    message: 'starting',
    reconciles: 0,
    frr: { reloads: 0 },
    kernel: { writesLast: 0, writesTotal: 0, lastErrors: [] },
    failedResources: [],
    problems: [],
  };

  constructor(
    private readonly opts: DaemonOptions,
    private readonly dp: Dataplane,
    private readonly frr: FrrControl,
    private readonly log: Logger,
  ) {}

  /** Connects the Kubernetes side; `fallback` is the persisted snapshot to use until the API syncs. */
  attachApi(api: ApiLink, fallback?: RouterConfig): void {
    this.api = api;
    this.apiFallback = fallback;
  }

  async start(): Promise<void> {
    this.lastFrrPids = await this.frr.daemonPids();
    if (this.opts.watchFiles) this.watchSources();
    if (this.opts.resyncSeconds > 0) this.timers.push(setInterval(() => this.trigger('resync'), this.opts.resyncSeconds * 1000));
    this.timers.push(setInterval(() => void this.checkFrrRestart(), this.opts.frrPollMs));
    this.trigger('start');
  }

  /** Asks for a reconcile; coalesces with one already running. */
  trigger(reason: string): void {
    if (this.stopped) return;
    this.log.debug({ reason }, 'reconcile requested');
    if (this.running) {
      this.pending = true;
      return;
    }
    this.running = true;
    this.idle = this.loop(reason);
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
    return this.idle;
  }

  private async loop(reason: string): Promise<void> {
    try {
      do {
        this.pending = false;
        this.busySince = Date.now();
        await this.reconcileOnce(reason);
        reason = 'coalesced';
      } while (this.pending && !this.stopped);
    } finally {
      this.running = false;
      this.busySince = undefined;
    }
  }

  private scheduleRetry(why: string): void {
    if (this.retryTimer || this.stopped) return;
    const delay = this.retryDelayMs;
    this.retryDelayMs = Math.min(this.retryDelayMs * 2, 30_000);
    this.log.info({ delayMs: delay, why }, 'will retry');
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      this.trigger(`retry: ${why}`);
    }, delay);
  }

  private async checkFrrRestart(): Promise<void> {
    const pids = await this.frr.daemonPids();
    const changed =
      Object.entries(pids).some(([d, p]) => this.lastFrrPids[d] !== undefined && this.lastFrrPids[d] !== p) ||
      (Object.keys(this.lastFrrPids).length === 0 && Object.keys(pids).length > 0);
    this.lastFrrPids = pids;
    if (changed) {
      this.log.warn({ pids }, 'FRR (re)started: pushing configuration again');
      this.forceFrr = true;
      this.trigger('frr-restart');
    }
  }

  private watchSources(): void {
    // Only our own files count: the node config's directory may hold anything
    // (the state dir, logs), and reacting to those would loop.
    const nodeConfigName = path.basename(this.opts.nodeConfigPath);
    const relevant = (dir: string, file: string | null): boolean =>
      file === null ||
      (path.resolve(dir) === path.resolve(this.opts.configDir) && /^openpe_.*\.yaml$/.test(file)) ||
      (path.resolve(dir) === path.resolve(path.dirname(this.opts.nodeConfigPath)) && file === nodeConfigName);
    const onEvent =
      (dir: string) =>
      (_event: string, file: string | Buffer | null): void => {
        if (!relevant(dir, file === null ? null : String(file))) return;
        clearTimeout(this.debounceTimer);
        this.debounceTimer = setTimeout(() => this.trigger('file-change'), this.opts.debounceMs);
      };
    for (const dir of new Set([this.opts.configDir, path.dirname(this.opts.nodeConfigPath)])) {
      try {
        this.watchers.push(watch(dir, onEvent(dir)));
      } catch (e) {
        // A missing directory is watched once it appears via the periodic resync.
        this.log.warn({ dir, err: (e as Error).message }, 'cannot watch configuration directory');
      }
    }
  }

  private async reconcileOnce(reason: string): Promise<void> {
    this.status.reconciles++;
    this.status.lastReconcileAt = new Date().toISOString();
    const log = this.log.child({ reconcile: this.status.reconciles, reason });
    const apiConfig = this.api?.snapshot() ?? this.apiFallback;
    const built = buildDesiredState(this.opts, apiConfig ? { apiConfig } : undefined);
    if (this.api) {
      const nodeIndex = built.ok ? built.desired.node.nodeIndex : built.node?.nodeIndex;
      const staticCfg = built.ok ? built.desired.staticConfig : built.staticConfig;
      if (nodeIndex !== undefined) void this.api.mirrorStatic(staticCfg, nodeIndex);
    }
    this.status.problems = (built.ok ? built.desired.problems : built.problems).map(problemLine);
    for (const p of built.ok ? built.desired.problems : built.problems) {
      (p.severity === 'error' ? log.error.bind(log) : log.warn.bind(log))({ location: p.location }, problemLine(p));
    }
    if (!built.ok) {
      // Nothing is applied: what runs now stays as it is.
      this.status.state = 'config-invalid';
      this.status.message = `${built.reason}; running configuration left unchanged`;
      this.status.failedResources = built.failed;
      for (const f of built.failed) log.error({ kind: f.kind, name: f.name, reason: f.reason, location: f.location }, f.message);
      log.error(this.status.message);
      await this.writeStatus();
      return;
    }
    const desired = built.desired;
    this.status.failedResources = desired.failed;
    for (const f of desired.failed)
      log.warn({ kind: f.kind, name: f.name, reason: f.reason, location: f.location }, `resource skipped: ${f.message}`);

    if (this.dp.ensureRouterNamespace()) log.info({ netns: this.opts.routerNetns }, 'created router namespace');

    // Order (README "Ordering"): FRR must accept the new configuration before
    // anything changes; then kernel additions, then the FRR reload, then kernel
    // removals. New VRFs and their interfaces thus exist when FRR creates the
    // BGP instance for them, so bgpd learns them in one full sync from zebra:
    // FRR 8.4 loses incremental interface events for a VRF that appears under a
    // running instance (lab: the host session never came up in half the runs).
    const frrChanged = this.forceFrr || this.lastAppliedFrr !== desired.frrConfig;
    if (frrChanged && !(await this.checkFrr(desired, log))) return;

    // One observation of the kernel per reconcile: the removals were computed with the additions.
    const changes = await kernelChanges(this.dp, desired.kernel);
    const additions = await applyKernel(this.dp, changes.additions, changes.observed);
    if (frrChanged && !(await this.applyFrr(desired, log))) {
      this.recordKernel(additions, log);
      return;
    }
    const removals = await applyKernel(this.dp, changes.removals, changes.observed);
    const report: ApplyReport = {
      writes: additions.writes + removals.writes,
      ops: [...additions.ops, ...removals.ops],
      errors: [...additions.errors, ...removals.errors],
    };
    this.recordKernel(report, log);
    if (report.errors.length > 0) {
      this.status.state = 'degraded';
      this.status.message = `${report.errors.length} kernel change(s) failed`;
      this.scheduleRetry('kernel errors');
    } else {
      this.status.state = desired.failed.length > 0 ? 'degraded' : 'ready';
      this.status.message = desired.failed.length > 0 ? SOME_FAILED : 'all configuration applied';
      this.retryDelayMs = 1000;
    }
    this.status.applied = {
      l3vnis: desired.plan.l3vnis.map((v) => v.vni),
      l2vnis: desired.plan.l2vnis.map((v) => v.vni),
      passthrough: desired.plan.passthrough !== undefined,
    };
    await this.writeStatus();
  }

  private recordKernel(report: ApplyReport, log: Logger): void {
    this.status.kernel.writesLast = report.writes;
    this.status.kernel.writesTotal += report.writes;
    this.status.kernel.lastErrors = report.errors.map((e) => `${describeOp(e.op)}: ${e.error}`);
    if (report.ops.length > 0) log.info({ ops: report.ops.map(describeOp), writes: report.writes }, 'kernel changes applied');
    else log.debug('kernel already as desired: no netlink write');
    for (const e of this.status.kernel.lastErrors) log.error(e);
  }

  /** FRR must be up and accept the configuration before anything is changed. */
  private async checkFrr(desired: DesiredState, log: Logger): Promise<boolean> {
    if (!(await this.frr.isRunning())) {
      this.status.state = 'waiting-for-frr';
      this.status.message = 'FRR is not running in the router namespace yet';
      log.warn(this.status.message);
      await this.writeStatus();
      this.scheduleRetry('frr not running');
      return false;
    }
    const err = await this.frr.check(desired.frrConfig);
    if (err === undefined) return true;
    this.status.frr.lastError = err;
    this.status.state = 'degraded';
    this.status.message = `FRR rejects the configuration; nothing changed: ${err}`;
    log.error(this.status.message);
    await this.writeStatus();
    this.scheduleRetry('frr rejects configuration');
    return false;
  }

  private async applyFrr(desired: DesiredState, log: Logger): Promise<boolean> {
    const why: FrrChangeReason = this.forceFrr ? 'frr-restart' : this.lastAppliedFrr === undefined ? 'start' : 'config-change';
    this.forceFrr = false;
    const r = await this.frr.apply(desired.frrConfig);
    this.status.frr.lastOutcome = r.outcome;
    if (r.outcome === 'failed') {
      this.status.frr.lastError = r.error;
      this.status.state = 'degraded';
      this.status.message = `FRR reload failed; stale kernel objects kept: ${r.error}`;
      log.error(this.status.message);
      await this.writeStatus();
      this.scheduleRetry('frr reload failed');
      return false;
    }
    if (r.outcome === 'applied') {
      this.status.frr.reloads++;
      // Every FRR change is explained: why, and which lines (debug: all of them; info: counts per block).
      log.info({ why, blocks: countsPerBlock(r.diff), attempts: r.attempts }, `FRR configuration reloaded (${why}): ${summarize(r.diff)}`);
      log.debug({ why, added: r.diff.toAdd, removed: r.diff.toDelete }, 'FRR reload lines');
    } else log.info({ why }, 'FRR already runs this configuration: no reload');
    delete this.status.frr.lastError;
    this.lastAppliedFrr = desired.frrConfig;
    return true;
  }

  private async writeStatus(): Promise<void> {
    if (this.api) {
      const ok = this.status.state === 'ready' || (this.status.state === 'degraded' && this.status.message === SOME_FAILED);
      void this.api.reportStatus({ ok, message: this.status.message, failed: this.status.failedResources });
      this.status.k8s = this.api.state();
    }
    try {
      await fs.mkdir(this.opts.stateDir, { recursive: true });
      const file = path.join(this.opts.stateDir, 'status.json');
      await fs.writeFile(`${file}.tmp`, JSON.stringify(this.status, null, 2));
      await fs.rename(`${file}.tmp`, file);
    } catch (e) {
      this.log.warn({ err: (e as Error).message }, 'cannot write status file');
    }
    for (const l of this.statusListeners) l();
  }

  /** Stops triggers and waits for a running reconcile; leaves the dataplane in place. */
  async stop(): Promise<void> {
    this.stopped = true;
    for (const t of this.timers) clearInterval(t);
    clearTimeout(this.retryTimer);
    clearTimeout(this.debounceTimer);
    for (const w of this.watchers) w.close();
    await this.idle;
    this.dp.close();
  }
}
