// ApiSource: the Kubernetes side of perouterd, as one object the daemon drives. A facade over
// five parts, each in its own file:
//
//   kubeconfig-watch.ts  the kubeconfig file, watched + polled; a new content once two reads agree
//   connection.ts        the clients made from it; probe (GET this Node) with the one backoff
//   informers.ts         ListWatch informers: API kinds, this node's mirrors, this Node, its status
//   snapshot.ts          converted, node-filtered RouterConfig; persisted to <stateDir>/api-snapshot.json
//   writer.ts            one write at a time: mirrors, node-index annotation, status
//
// API loss: informers that stop on a connection error are restarted once a probe succeeds again
// (other errors: per-informer backoff); the last snapshot keeps being served meanwhile. A
// credential change (new kubeconfig or token content) replaces every client and informer; the
// previous snapshot is served until the new informers have listed.

import type { Logger } from 'pino';
import type { FailedResource, RouterConfig } from '../config/model.js';
import { DEFAULT_BACKOFF, type BackoffPolicy } from '../util/backoff.js';
import { describeError } from './api-errors.js';
import type { Clients, Slot } from './clients.js';
import { Connection } from './connection.js';
import { Informers } from './informers.js';
import { resolveKubeconfigPath } from './kubeconfig.js';
import { type KubeconfigState, KubeconfigWatch } from './kubeconfig-watch.js';
import { Snapshot } from './snapshot.js';
import type { StatusReport } from './status.js';
import { Timers } from './timers.js';
import { Writer } from './writer.js';

export type { StatusReport } from './status.js';
export { describeError, httpStatus } from './api-errors.js';

export interface ApiSourceOptions {
  /** Default: resolveKubeconfigPath() — $KUBECONFIG, else /var/lib/hostbridge/kubeconfig. */
  kubeconfigPath?: string;
  /** The daemon's namespace (mirrors, status, RawFRRConfigs), e.g. openperouter-system. */
  namespace: string;
  nodeName: string;
  stateDir: string;
  log: Logger;
  /** Probe backoff while the API is unreachable (default 1 s doubling to 30 s). Also used for informer restarts and write retries. */
  probeBackoff?: BackoffPolicy;
  /** How often the kubeconfig (and the files it names) is re-read, besides file events (default 1000 ms). */
  kubeconfigPollMs?: number;
  /** onChange coalescing window (default 200 ms). */
  debounceMs?: number;
  /** Periodic re-evaluation of the snapshot, mirrors and status from the caches (default 5 min; 0 disables). */
  resyncMs?: number;
  /** While connected, how often the API is checked (catches silent partitions; default 15 s; 0 disables). */
  healthCheckMs?: number;
  /** Timeout of probes, lists and writes (default 10 s). */
  requestTimeoutMs?: number;
  /** Cap of the objects of one kind that select this node (default 2048); above it the kind keeps what it had and the status says so. */
  maxObjectsPerKind?: number;
}

export interface ApiSourceState {
  kubeconfig: string;
  kubeconfigState: KubeconfigState;
  server?: string;
  connected: boolean;
  synced: boolean;
  /** Snapshot generation: +1 each time the snapshot changes. */
  generation: number;
  /** Informers (watches) stopped by an error and restarted since start. */
  watchRestarts: number;
  lastError?: string;
}

export class ApiSource {
  private readonly kubeconfigPath: string;
  private readonly log: Logger;
  private readonly debounceMs: number;
  private readonly resyncMs: number;
  private readonly timers = new Timers();
  private readonly kubeconfig: KubeconfigWatch;
  private readonly conn: Connection;
  private readonly informers: Informers;
  private readonly snap: Snapshot;
  private readonly writer: Writer;
  private started = false;
  private listeners: Array<() => void> = [];
  private changeTimer: NodeJS.Timeout | undefined;

  constructor(opts: ApiSourceOptions) {
    this.kubeconfigPath = opts.kubeconfigPath ?? resolveKubeconfigPath();
    this.log = opts.log.child({ component: 'k8s' });
    this.debounceMs = opts.debounceMs ?? 200;
    this.resyncMs = opts.resyncMs ?? 300_000;
    const { namespace, nodeName, stateDir } = opts;
    const backoff = opts.probeBackoff ?? DEFAULT_BACKOFF;
    const timeoutMs = opts.requestTimeoutMs ?? 10_000;
    const { log, timers } = this;
    const clients = (): Clients | undefined => this.conn.clients;
    this.snap = new Snapshot({
      ...{ namespace, nodeName, stateDir, log },
      ...(opts.maxObjectsPerKind !== undefined ? { maxPerKind: opts.maxObjectsPerKind } : {}),
      stopped: () => timers.stopped,
      changed: () => this.emitChange(),
    });
    this.writer = new Writer({
      ...{ namespace, nodeName, log, timers, backoff, timeoutMs, clients },
      connected: () => this.conn.connected,
      suspect: (err) => this.conn.suspect(err),
      rejected: () => this.snap.rejected,
    });
    this.informers = new Informers({
      ...{ namespace, nodeName, log, timers, backoff, timeoutMs },
      hooks: { changed: (s) => this.dispatch(s), statusDeleted: () => this.writer.statusDeleted(), lost: (err) => this.conn.lost(err) },
    });
    this.conn = new Connection({
      ...{ nodeName, kubeconfigPath: this.kubeconfigPath, log, timers, backoff, timeoutMs },
      healthCheckMs: opts.healthCheckMs ?? 15_000,
      hooks: {
        switched: (_c, old) => {
          if (old) this.informers.retire(old);
          this.writer.forget();
        },
        reached: (c) => this.reached(c),
        changed: () => this.emitChange(),
      },
    });
    this.kubeconfig = new KubeconfigWatch({
      ...{ path: this.kubeconfigPath, log, timers },
      pollMs: opts.kubeconfigPollMs ?? 1000,
      inUse: () => this.conn.clients?.fingerprint,
      use: (r) => this.conn.use(r),
    });
  }

  /** Watches the kubeconfig, probes the API, then runs the informers. Never throws. */
  start(): void {
    if (this.started || this.timers.stopped) return;
    this.started = true;
    try {
      if (this.resyncMs > 0) this.timers.every(this.resyncMs, () => this.resync());
      this.kubeconfig.start();
    } catch (e) {
      this.log.error({ err: describeError(e) }, 'cannot start the Kubernetes API source');
    }
  }

  /** Stops everything (no further callbacks, writes or files). */
  async stop(): Promise<void> {
    if (this.timers.stopped) return;
    this.timers.stop();
    this.kubeconfig.stop();
    this.conn.stop();
    if (this.conn.clients) this.informers.retire(this.conn.clients);
    await this.writer.stopped();
    await this.snap.flushed();
  }

  /** `cb` runs (coalesced over ~debounceMs) when the snapshot, the node's labels, the rejected objects or the connectivity change. */
  onChange(cb: () => void): void {
    this.listeners.push(cb);
  }

  /** The API answers to this module's credentials (last probe or health check succeeded, no informer lost it since). */
  get connected(): boolean {
    return this.conn.connected;
  }

  /** Every API and Node informer has listed at least once since start(). */
  get synced(): boolean {
    return this.snap.synced;
  }

  /** Snapshot generation: increases by one each time snapshot() changes (continues the persisted count). */
  get generation(): number {
    return this.snap.generation;
  }

  /** The API configuration that applies to this node (undefined before the first sync). A copy. */
  snapshot(): RouterConfig | undefined {
    return this.snap.config === undefined ? undefined : structuredClone(this.snap.config);
  }

  /** This Node's labels as last seen (those the snapshot was filtered with). */
  nodeLabels(): Record<string, string> {
    return { ...this.snap.labels };
  }

  /**
   * API objects that select this node but cannot be used (schema or value errors, malformed
   * nodeSelector): ValidationFailed entries, added to the status by reportStatus().
   */
  rejected(): FailedResource[] {
    return this.snap.rejected.map((f) => ({ ...f }));
  }

  /** Connection details for the daemon's status file and logs. */
  state(): ApiSourceState {
    const s: ApiSourceState = {
      kubeconfig: this.kubeconfigPath,
      kubeconfigState: this.kubeconfig.state,
      connected: this.conn.connected,
      synced: this.snap.synced,
      generation: this.snap.generation,
      watchRestarts: this.informers.watchRestarts,
    };
    if (this.conn.clients) s.server = this.conn.clients.server;
    const err = this.conn.lastError ?? this.kubeconfig.error;
    if (err !== undefined) s.lastError = err;
    return s;
  }

  /**
   * The snapshot persisted by a previous run (<stateDir>/api-snapshot.json), or undefined when
   * there is none (or it belongs to another node). Loading it is the daemon's decision: use it
   * only when the router already existed (a restart), never on a fresh boot.
   */
  loadPersistedSnapshot(): RouterConfig | undefined {
    return this.snap.loadPersisted();
  }

  /**
   * Mirrors the static resources of `staticCfg` to CRs and writes `openpe.io/nodeindex` on this
   * Node; from then on keeps them so (manual edits reverted, deletions recreated, stale ones
   * deleted) until the next call. An empty configuration (no static files) deletes every mirror.
   * Pass `undefined` when the static files could not be read without errors: the mirrors are then
   * left as the last successful call made them (upstream leaves them untouched), and only the
   * annotation follows `nodeIndex`. Best effort: resolves when the attempt is over (at once while
   * disconnected: it runs on reconnection); never rejects.
   */
  mirrorStatic(staticCfg: RouterConfig | undefined, nodeIndex: number): Promise<void> {
    return this.writer.mirrorStatic(staticCfg, nodeIndex);
  }

  /**
   * Records the outcome of a reconcile in this node's RouterNodeConfigurationStatus; writes only
   * when the stored status differs (and again after reconnection, or when someone else changed
   * it). The API objects this module rejected (see rejected()) are added to `failed`: the daemon
   * need not pass them. observedGeneration: the snapshot generation (unless given). Never rejects.
   */
  reportStatus(s: StatusReport): Promise<void> {
    return this.writer.reportStatus(s, this.snap.generation);
  }

  private reached(c: Clients): void {
    if (c.slots.length === 0) this.informers.create(c);
    else this.informers.restartStopped(c);
    this.writer.markAllDirty();
    void this.writer.kick();
  }

  private dispatch(s: Slot): void {
    const clients = (): Clients | undefined => this.conn.clients;
    switch (s.role) {
      case 'api':
      case 'unsupported':
        this.snap.schedule(clients);
        break;
      case 'node':
        this.snap.schedule(clients);
        this.writer.mirrorsChanged();
        this.writer.statusChanged();
        break;
      case 'mirror':
        this.writer.mirrorsChanged();
        break;
      case 'status':
        this.writer.statusChanged();
        break;
    }
  }

  private emitChange(): void {
    if (this.timers.stopped || this.changeTimer) return;
    this.changeTimer = this.timers.later(this.debounceMs, () => {
      this.changeTimer = undefined;
      for (const cb of this.listeners) {
        try {
          cb();
        } catch (e) {
          this.log.error({ err: describeError(e) }, 'onChange callback failed');
        }
      }
    });
  }

  private resync(): void {
    this.snap.schedule(() => this.conn.clients);
    this.writer.markAllDirty();
    void this.writer.kick();
  }
}
