// ApiSource: the Kubernetes side of perouterd, as one object the daemon drives.
//
//   kubeconfig file ──(watched + polled; re-read when its content or a file it names changes)──┐
//   probe (GET this Node) with backoff 1 s → 30 s ◄────────────────────────────────────────────┘
//     └─► informers (client-node ListWatch: list, then watch with bookmarks; 410 → relist)
//           api/<kind>     cluster-wide (RawFRRConfig: own namespace), without the mirror label
//           mirror/<kind>  own namespace, this node's mirrored static objects
//           node           this Node (metadata.name), for nodeSelector labels and the annotation
//           status         this node's RouterNodeConfigurationStatus
//         └─► snapshot(): converted, node-filtered RouterConfig; persisted to <stateDir>/api-snapshot.json
//   writer (one at a time): mirrors of the static objects, node-index annotation, status
//
// API loss: informers that stop on a connection error are restarted once a probe succeeds again
// (other errors: per-informer backoff); the last snapshot keeps being served meanwhile. A
// credential change (new kubeconfig or token content) replaces every client and informer; the
// previous snapshot is served until the new informers have listed.

import { type FSWatcher, watch as fsWatch } from 'node:fs';
import path from 'node:path';
import * as k8s from '@kubernetes/client-node';
import type { Logger } from 'pino';
import type { FailedResource, RouterConfig } from '../config/model.js';
import {
  API_KINDS,
  API_VERSION,
  type ApiKind,
  convertApiObjects,
  GROUP,
  type KubeObject,
  NODE_INDEX_ANNOTATION,
  SOURCE_LABEL,
  stableStringify,
  STATUS_KIND,
  STATUS_PLURAL,
  VERSION,
} from './convert.js';
import { loadKubeconfig, resolveKubeconfigPath, type KubeconfigLoad } from './kubeconfig.js';
import { desiredMirrors, type MirrorObject, mirrorMatches, mirrorSelector, planMirror, updatedMirror } from './mirror.js';
import { readSnapshot, writeSnapshot } from './snapshot-store.js';
import { buildStatus, type StatusReport, statusEqual } from './status.js';

export type { StatusReport } from './status.js';

export interface ApiSourceOptions {
  /** Default: resolveKubeconfigPath() — $KUBECONFIG, else /var/lib/hostbridge/kubeconfig. */
  kubeconfigPath?: string;
  /** The daemon's namespace (mirrors, status, RawFRRConfigs), e.g. openperouter-system. */
  namespace: string;
  nodeName: string;
  stateDir: string;
  log: Logger;
  /** Probe backoff while the API is unreachable (default 1 s doubling to 30 s). Also used for informer restarts and write retries. */
  probeBackoff?: { initialMs: number; maxMs: number };
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
}

export interface ApiSourceState {
  kubeconfig: string;
  kubeconfigState: 'unknown' | 'missing' | 'invalid' | 'ok';
  server?: string;
  connected: boolean;
  synced: boolean;
  /** Snapshot generation: +1 each time the snapshot changes. */
  generation: number;
  lastError?: string;
}

type Role = 'api' | 'mirror' | 'node' | 'status';
type Obj = KubeObject & k8s.KubernetesObject;

interface Clients {
  id: number;
  kc: k8s.KubeConfig;
  core: k8s.CoreV1Api;
  co: k8s.CustomObjectsApi;
  fingerprint: string;
  server: string;
  slots: Slot[];
  dead: boolean;
  /** A probe of these clients is in flight. */
  probing: boolean;
}

interface Slot {
  name: string;
  role: Role;
  kind?: ApiKind;
  clients: Clients;
  informer: k8s.ListWatch<Obj>;
  watch: GuardedWatch;
  listed: boolean;
  running: boolean;
  backoffMs: number;
  retryTimer?: NodeJS.Timeout;
}

/**
 * client-node's Watch, plus: watch bookmarks (fewer 410s), an activity hook, and a kill switch,
 * because ListWatch.stop() cannot abort a watch whose request is still being set up.
 */
class GuardedWatch extends k8s.Watch {
  closed = false;
  constructor(
    kc: k8s.KubeConfig,
    private readonly onActivity: () => void,
  ) {
    super(kc);
  }

  override async watch(
    p: string,
    q: Record<string, string | number | boolean | undefined>,
    cb: (phase: string, apiObj: unknown, watchObj?: unknown) => void,
    done: (err: unknown) => void,
  ): Promise<AbortController> {
    if (this.closed) {
      const c = new AbortController();
      c.abort();
      return c;
    }
    const c = await super.watch(
      p,
      { ...q, allowWatchBookmarks: true },
      (phase, obj, raw) => {
        if (this.closed) return;
        this.onActivity();
        cb(phase, obj, raw);
      },
      done,
    );
    if (this.closed) c.abort();
    return c;
  }
}

const MERGE_PATCH = k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch);
const STRATEGIC_PATCH = k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.StrategicMergePatch);

/** HTTP status of a client-node failure, undefined for transport errors. */
export function httpStatus(e: unknown): number | undefined {
  if (e instanceof k8s.ApiException) return e.code;
  const x = e as { statusCode?: unknown; code?: unknown } | undefined;
  if (typeof x?.statusCode === 'number') return x.statusCode;
  if (typeof x?.code === 'number') return x.code;
  return undefined;
}

/** A short description of a client-node failure (never the request headers). */
export function describeError(e: unknown): string {
  if (e instanceof k8s.ApiException) {
    let msg: string;
    try {
      const body = typeof e.body === 'string' ? (JSON.parse(e.body) as { message?: string }) : (e.body as { message?: string } | undefined);
      msg = body?.message ?? '';
    } catch {
      msg = String(e.body).slice(0, 200);
    }
    return `HTTP ${e.code}${msg ? `: ${msg}` : ''}`;
  }
  if (e instanceof Error) {
    const cause = (e as Error & { cause?: { code?: string; message?: string } }).cause;
    const status = httpStatus(e);
    return `${status !== undefined ? `HTTP ${status}: ` : ''}${e.message}${cause?.code ? ` (${cause.code})` : cause?.message ? ` (${cause.message})` : ''}`;
  }
  return String(e);
}

/** Errors after which the API counts as unreachable (probe, then restart): transport, 401, 429, 5xx. */
function isConnectionError(status: number | undefined): boolean {
  return status === undefined || status === 401 || status === 429 || status >= 500;
}

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const t = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: timed out after ${ms} ms`)), ms);
  });
  return Promise.race([p, t]).finally(() => clearTimeout(timer));
}

const CO = { group: GROUP, version: VERSION };

export class ApiSource {
  private readonly kubeconfigPath: string;
  private readonly ns: string;
  private readonly nodeName: string;
  private readonly log: Logger;
  private readonly backoff: { initialMs: number; maxMs: number };
  private readonly pollMs: number;
  private readonly debounceMs: number;
  private readonly resyncMs: number;
  private readonly healthMs: number;
  private readonly timeoutMs: number;
  private readonly stateDir: string;

  private started = false;
  private stopped = false;
  private timers = new Set<NodeJS.Timeout>();
  private kcWatcher: FSWatcher | undefined;
  private kcCheckTimer: NodeJS.Timeout | undefined;
  private kcState: ApiSourceState['kubeconfigState'] = 'unknown';
  private kcError: string | undefined;
  private pendingFingerprint: string | undefined;

  private clients: Clients | undefined;
  private clientSeq = 0;
  private isConnected = false;
  private probeTimer: NodeJS.Timeout | undefined;
  private probeDelayMs: number;
  private probeFailures = 0;
  private healthTimer: NodeJS.Timeout | undefined;
  private lastError: string | undefined;

  private listeners: Array<() => void> = [];
  private changeTimer: NodeJS.Timeout | undefined;
  private recomputeQueued = false;
  private everSynced = false;
  private snap: RouterConfig | undefined;
  private snapLabels: Record<string, string> = {};
  private snapKey: string | undefined;
  private snapRejected: FailedResource[] = [];
  private gen = 0;

  private persistData: Parameters<typeof writeSnapshot>[1] | undefined;
  private persisting: Promise<void> | undefined;

  /** objects undefined: the mirrors are not managed (no successful static read yet). */
  private mirrorWant: { objects?: MirrorObject[]; nodeIndex: number } | undefined;
  private mirrorKey: string | undefined;
  private mirrorDirty = false;
  private statusWant: StatusReport | undefined;
  private statusDirty = false;
  private writerRunning = false;
  private writerIdle: Promise<void> = Promise.resolve();
  private writerRetryTimer: NodeJS.Timeout | undefined;
  private writerBackoffMs: number;
  /** Mirrors the server refused (400/422), by kind/name → spec: not retried until the spec changes. */
  private refusedMirrors = new Map<string, string>();
  private lastStatus: { rvBefore?: string; obj: Obj } | undefined;
  private lastAnnotation: { value: string; rvBefore?: string } | undefined;

  constructor(opts: ApiSourceOptions) {
    this.kubeconfigPath = opts.kubeconfigPath ?? resolveKubeconfigPath();
    this.ns = opts.namespace;
    this.nodeName = opts.nodeName;
    this.log = opts.log.child({ component: 'k8s' });
    this.backoff = opts.probeBackoff ?? { initialMs: 1000, maxMs: 30_000 };
    this.pollMs = opts.kubeconfigPollMs ?? 1000;
    this.debounceMs = opts.debounceMs ?? 200;
    this.resyncMs = opts.resyncMs ?? 300_000;
    this.healthMs = opts.healthCheckMs ?? 15_000;
    this.timeoutMs = opts.requestTimeoutMs ?? 10_000;
    this.probeDelayMs = this.backoff.initialMs;
    this.writerBackoffMs = this.backoff.initialMs;
    this.stateDir = opts.stateDir;
    // Continue the generation count of the persisted snapshot, so observedGeneration keeps growing.
    const prev = readSnapshot(this.stateDir);
    if ('snapshot' in prev && prev.snapshot.nodeName === this.nodeName) this.gen = prev.snapshot.generation;
  }

  // ------------------------------------------------------------------ public surface

  /** Watches the kubeconfig, probes the API, then runs the informers. Never throws. */
  start(): void {
    if (this.started || this.stopped) return;
    this.started = true;
    try {
      const dir = path.dirname(path.resolve(this.kubeconfigPath));
      try {
        this.kcWatcher = fsWatch(dir, (_ev, file) => {
          if (file === null || String(file) === path.basename(this.kubeconfigPath) || this.kcState === 'ok')
            this.scheduleKubeconfigCheck(50);
        });
        this.kcWatcher.on('error', () => {
          this.kcWatcher?.close();
          this.kcWatcher = undefined;
        });
      } catch {
        // The directory does not exist (yet): polling finds the file when it appears.
      }
      this.every(this.pollMs, () => this.checkKubeconfig());
      if (this.resyncMs > 0) this.every(this.resyncMs, () => this.resync());
      this.checkKubeconfig();
    } catch (e) {
      this.log.error({ err: describeError(e) }, 'cannot start the Kubernetes API source');
    }
  }

  /** Stops everything (no further callbacks, writes or files). */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    for (const t of this.timers) {
      clearTimeout(t);
      clearInterval(t);
    }
    this.timers.clear();
    for (const t of [this.kcCheckTimer, this.probeTimer, this.healthTimer, this.changeTimer, this.writerRetryTimer]) {
      clearTimeout(t);
      clearInterval(t);
    }
    this.kcWatcher?.close();
    if (this.clients) this.retire(this.clients);
    this.isConnected = false;
    await this.writerIdle.catch(() => undefined);
    await this.persisting?.catch(() => undefined);
  }

  /** `cb` runs (coalesced over ~debounceMs) when the snapshot, the node's labels, the rejected objects or the connectivity change. */
  onChange(cb: () => void): void {
    this.listeners.push(cb);
  }

  /** The API answers to this module's credentials (last probe or health check succeeded, no informer lost it since). */
  get connected(): boolean {
    return this.isConnected;
  }

  /** Every API and Node informer has listed at least once since start(). */
  get synced(): boolean {
    return this.everSynced;
  }

  /** Snapshot generation: increases by one each time snapshot() changes (continues the persisted count). */
  get generation(): number {
    return this.gen;
  }

  /** The API configuration that applies to this node (undefined before the first sync). A copy. */
  snapshot(): RouterConfig | undefined {
    return this.snap === undefined ? undefined : structuredClone(this.snap);
  }

  /** This Node's labels as last seen (those the snapshot was filtered with). */
  nodeLabels(): Record<string, string> {
    return { ...this.snapLabels };
  }

  /**
   * API objects that select this node but cannot be used (schema or value errors, malformed
   * nodeSelector): ValidationFailed entries, added to the status by reportStatus().
   */
  rejected(): FailedResource[] {
    return this.snapRejected.map((f) => ({ ...f }));
  }

  /** Connection details for the daemon's status file and logs. */
  state(): ApiSourceState {
    const s: ApiSourceState = {
      kubeconfig: this.kubeconfigPath,
      kubeconfigState: this.kcState,
      connected: this.isConnected,
      synced: this.everSynced,
      generation: this.gen,
    };
    if (this.clients) s.server = this.clients.server;
    const err = this.lastError ?? this.kcError;
    if (err !== undefined) s.lastError = err;
    return s;
  }

  /**
   * The snapshot persisted by a previous run (<stateDir>/api-snapshot.json), or undefined when
   * there is none (or it belongs to another node). Loading it is the daemon's decision: use it
   * only when the router already existed (a restart), never on a fresh boot.
   */
  loadPersistedSnapshot(): RouterConfig | undefined {
    const r = readSnapshot(this.stateDir);
    if ('error' in r) {
      if (r.missing) this.log.info('no persisted API snapshot');
      else this.log.warn({ err: r.error }, 'persisted API snapshot unusable');
      return undefined;
    }
    if (r.snapshot.nodeName !== this.nodeName) {
      this.log.warn({ savedFor: r.snapshot.nodeName }, 'persisted API snapshot belongs to another node: ignored');
      return undefined;
    }
    this.log.info({ savedAt: r.snapshot.savedAt, generation: r.snapshot.generation }, 'loaded the persisted API snapshot');
    return r.snapshot.config;
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
    let objects = this.mirrorWant?.objects;
    if (staticCfg !== undefined) {
      const d = desiredMirrors(staticCfg, this.nodeName, this.ns);
      const key = stableStringify(d.objects);
      if (key !== this.mirrorKey) {
        this.mirrorKey = key;
        for (const s of d.skipped) this.log.warn(s);
      }
      objects = d.objects;
    }
    this.mirrorWant = objects === undefined ? { nodeIndex } : { objects, nodeIndex };
    this.mirrorDirty = true;
    return this.kickWriter();
  }

  /**
   * Records the outcome of a reconcile in this node's RouterNodeConfigurationStatus; writes only
   * when the stored status differs (and again after reconnection, or when someone else changed
   * it). The API objects this module rejected (see rejected()) are added to `failed`: the daemon
   * need not pass them. Never rejects.
   */
  reportStatus(s: StatusReport): Promise<void> {
    // observedGeneration: the snapshot generation the daemon has just reconciled (unless given).
    this.statusWant = { ...s, failed: [...s.failed] };
    if (this.statusWant.observedGeneration === undefined && this.gen > 0) this.statusWant.observedGeneration = this.gen;
    this.statusDirty = true;
    return this.kickWriter();
  }

  // ------------------------------------------------------------------ timers

  private every(ms: number, fn: () => void): void {
    const t = setInterval(() => {
      if (!this.stopped) fn();
    }, ms);
    t.unref();
    this.timers.add(t);
  }

  private later(ms: number, fn: () => void): NodeJS.Timeout {
    const t = setTimeout(() => {
      this.timers.delete(t);
      if (!this.stopped) fn();
    }, ms);
    this.timers.add(t);
    return t;
  }

  // ------------------------------------------------------------------ kubeconfig

  private scheduleKubeconfigCheck(ms: number): void {
    if (this.kcCheckTimer || this.stopped) return;
    this.kcCheckTimer = this.later(ms, () => {
      this.kcCheckTimer = undefined;
      this.checkKubeconfig();
    });
  }

  private checkKubeconfig(): void {
    if (this.stopped) return;
    const r: KubeconfigLoad = loadKubeconfig(this.kubeconfigPath);
    if (r.state !== 'ok') {
      this.pendingFingerprint = undefined;
      const err = r.state === 'invalid' ? r.error : undefined;
      if (r.state !== this.kcState || err !== this.kcError) {
        const keeping = this.clients ? '; keeping the current credentials' : '';
        if (r.state === 'missing') this.log.info({ kubeconfig: this.kubeconfigPath }, `no kubeconfig yet: waiting for it${keeping}`);
        else this.log.warn({ kubeconfig: this.kubeconfigPath, err }, `kubeconfig unusable${keeping}`);
      }
      this.kcState = r.state;
      this.kcError = err;
      return;
    }
    this.kcState = 'ok';
    this.kcError = undefined;
    if (this.clients && this.clients.fingerprint === r.fingerprint) {
      this.pendingFingerprint = undefined;
      return;
    }
    // A changed file is used once two reads agree, so a file caught half written is never used.
    if (this.pendingFingerprint !== r.fingerprint) {
      this.pendingFingerprint = r.fingerprint;
      this.scheduleKubeconfigCheck(Math.min(200, this.pollMs));
      return;
    }
    this.pendingFingerprint = undefined;
    this.switchClients(r);
  }

  private switchClients(r: Extract<KubeconfigLoad, { state: 'ok' }>): void {
    const old = this.clients;
    if (old) this.retire(old);
    const c: Clients = {
      id: ++this.clientSeq,
      kc: r.kc,
      core: r.kc.makeApiClient(k8s.CoreV1Api),
      co: r.kc.makeApiClient(k8s.CustomObjectsApi),
      fingerprint: r.fingerprint,
      server: r.server,
      slots: [],
      dead: false,
      probing: false,
    };
    this.clients = c;
    this.log.info(
      { server: r.server, user: r.user, kubeconfig: this.kubeconfigPath },
      old ? 'credentials changed: reconnecting with the new ones' : 'kubeconfig found: connecting',
    );
    this.lastStatus = undefined;
    this.lastAnnotation = undefined;
    this.setConnected(false);
    clearTimeout(this.probeTimer);
    this.probeTimer = undefined;
    this.probeDelayMs = this.backoff.initialMs;
    this.probeFailures = 0;
    void this.probe(c);
  }

  private retire(c: Clients): void {
    c.dead = true;
    for (const s of c.slots) {
      s.running = false;
      clearTimeout(s.retryTimer);
      s.watch.closed = true;
      void s.informer.stop().catch(() => undefined);
    }
  }

  // ------------------------------------------------------------------ connectivity

  private setConnected(v: boolean): void {
    if (this.isConnected === v) return;
    this.isConnected = v;
    clearInterval(this.healthTimer);
    this.healthTimer = undefined;
    if (v) {
      this.lastError = undefined;
      this.log.info({ server: this.clients?.server }, 'Kubernetes API connected');
      if (this.healthMs > 0) {
        this.healthTimer = setInterval(() => void this.healthCheck(), this.healthMs);
        this.healthTimer.unref();
      }
    } else if (!this.stopped) {
      this.log.warn({ err: this.lastError }, 'Kubernetes API unreachable: serving the last API snapshot');
    }
    this.emitChange();
  }

  private scheduleProbe(): void {
    if (this.probeTimer || this.clients?.probing || this.stopped) return;
    const delay = this.probeDelayMs;
    this.probeDelayMs = Math.min(this.probeDelayMs * 2, this.backoff.maxMs);
    this.probeTimer = this.later(delay, () => {
      this.probeTimer = undefined;
      const c = this.clients;
      if (c) void this.probe(c);
    });
  }

  private async readOwnNode(c: Clients): Promise<void> {
    try {
      await withTimeout(c.core.readNode({ name: this.nodeName }), this.timeoutMs, 'probe');
    } catch (e) {
      if (httpStatus(e) !== 404) throw e; // a missing Node still proves the API answers
    }
  }

  private async probe(c: Clients): Promise<void> {
    if (this.stopped || c.dead || c.probing) return;
    c.probing = true;
    let err: unknown;
    try {
      await this.readOwnNode(c);
    } catch (e) {
      err = e ?? new Error('probe failed');
    } finally {
      c.probing = false;
    }
    if (this.stopped || c.dead) return;
    if (err === undefined) {
      this.probeFailures = 0;
      this.probeDelayMs = this.backoff.initialMs;
      if (c.slots.length === 0) this.createSlots(c);
      else for (const s of c.slots) if (!s.running) this.restartSlot(s);
      this.setConnected(true);
      this.markAllDirty();
      void this.kickWriter();
      return;
    }
    this.lastError = describeError(err);
    this.probeFailures++;
    const fields = { server: c.server, err: this.lastError, retryInMs: this.probeDelayMs };
    if (this.probeFailures === 1 || this.probeFailures % 10 === 0) this.log.warn(fields, 'Kubernetes API probe failed');
    else this.log.debug(fields, 'Kubernetes API probe failed');
    this.setConnected(false);
    this.scheduleProbe();
  }

  private async healthCheck(): Promise<void> {
    const c = this.clients;
    if (!c || c.dead || this.stopped || !this.isConnected || c.probing) return;
    try {
      await this.readOwnNode(c);
    } catch (e) {
      if (c.dead || this.stopped) return;
      this.lastError = describeError(e);
      this.setConnected(false);
      this.scheduleProbe();
    }
  }

  // ------------------------------------------------------------------ informers

  private createSlots(c: Clients): void {
    const co = c.co;
    const apiSel = `!${SOURCE_LABEL}`;
    const mirrorSel = mirrorSelector(this.nodeName);
    const nodeField = `metadata.name=${this.nodeName}`;
    for (const k of API_KINDS) {
      const p = k.clusterWide ? `/apis/${GROUP}/${VERSION}/${k.plural}` : `/apis/${GROUP}/${VERSION}/namespaces/${this.ns}/${k.plural}`;
      this.addSlot(c, `api/${k.plural}`, 'api', k.kind, p, apiSel, undefined, () =>
        k.clusterWide
          ? co.listClusterCustomObject({ ...CO, plural: k.plural, labelSelector: apiSel })
          : co.listNamespacedCustomObject({ ...CO, namespace: this.ns, plural: k.plural, labelSelector: apiSel }),
      );
    }
    for (const k of API_KINDS) {
      const p = `/apis/${GROUP}/${VERSION}/namespaces/${this.ns}/${k.plural}`;
      this.addSlot(c, `mirror/${k.plural}`, 'mirror', k.kind, p, mirrorSel, undefined, () =>
        co.listNamespacedCustomObject({ ...CO, namespace: this.ns, plural: k.plural, labelSelector: mirrorSel }),
      );
    }
    this.addSlot(c, 'node', 'node', undefined, '/api/v1/nodes', undefined, nodeField, () => c.core.listNode({ fieldSelector: nodeField }));
    this.addSlot(
      c,
      'status',
      'status',
      undefined,
      `/apis/${GROUP}/${VERSION}/namespaces/${this.ns}/${STATUS_PLURAL}`,
      undefined,
      nodeField,
      () => co.listNamespacedCustomObject({ ...CO, namespace: this.ns, plural: STATUS_PLURAL, fieldSelector: nodeField }),
    );
    for (const s of c.slots) this.restartSlot(s);
  }

  private addSlot(
    c: Clients,
    name: string,
    role: Role,
    kind: ApiKind | undefined,
    p: string,
    labelSelector: string | undefined,
    fieldSelector: string | undefined,
    list: () => Promise<unknown>,
  ): void {
    const slot = { name, role, clients: c, listed: false, running: false, backoffMs: this.backoff.initialMs } as Slot;
    if (kind !== undefined) slot.kind = kind;
    slot.watch = new GuardedWatch(c.kc, () => {
      slot.backoffMs = this.backoff.initialMs;
    });
    const listFn = async (): Promise<k8s.KubernetesListObject<Obj>> => {
      const l = (await withTimeout(list(), this.timeoutMs * 3, `list ${name}`)) as k8s.KubernetesListObject<Obj>;
      slot.backoffMs = this.backoff.initialMs;
      // ListWatch fills its cache right after this promise settles (same microtask run).
      setImmediate(() => this.onListed(slot));
      return l;
    };
    slot.informer = new k8s.ListWatch<Obj>(p, slot.watch, listFn, false, labelSelector, fieldSelector);
    slot.informer.on('add', (o) => this.onEvent(slot, 'add', o));
    slot.informer.on('update', (o) => this.onEvent(slot, 'update', o));
    slot.informer.on('delete', (o) => this.onEvent(slot, 'delete', o));
    slot.informer.on('error', (e) => this.onSlotError(slot, e));
    c.slots.push(slot);
  }

  private restartSlot(s: Slot): void {
    if (this.stopped || s.clients.dead || s.running) return;
    clearTimeout(s.retryTimer);
    s.retryTimer = undefined;
    s.running = true;
    s.informer.start().catch((e: unknown) => this.onSlotError(s, e));
  }

  private onSlotError(s: Slot, e: unknown): void {
    if (this.stopped || s.clients.dead || !s.running) return; // stopped on purpose
    s.running = false;
    const status = httpStatus(e);
    const err = describeError(e);
    if (isConnectionError(status)) {
      this.log.debug({ informer: s.name, err }, 'informer lost the API');
      this.lastError = err;
      this.setConnected(false);
      this.scheduleProbe(); // a successful probe restarts every stopped informer
      return;
    }
    const delay = s.backoffMs;
    s.backoffMs = Math.min(s.backoffMs * 2, this.backoff.maxMs);
    this.log.warn({ informer: s.name, err, retryInMs: delay }, 'informer failed: restarting it');
    s.retryTimer = this.later(delay, () => this.restartSlot(s));
  }

  private onListed(s: Slot): void {
    if (this.stopped || s.clients.dead) return;
    s.listed = true;
    this.dispatch(s);
  }

  private onEvent(s: Slot, verb: 'add' | 'update' | 'delete', o: Obj): void {
    if (this.stopped || s.clients.dead) return;
    if (s.role === 'status' && verb === 'delete' && o.metadata?.name === this.nodeName) this.lastStatus = undefined;
    if (!s.listed) return; // the initial list is dispatched once, when complete
    this.dispatch(s);
  }

  private dispatch(s: Slot): void {
    switch (s.role) {
      case 'api':
        this.scheduleRecompute();
        break;
      case 'node':
        this.scheduleRecompute();
        this.mirrorDirty = this.mirrorWant !== undefined;
        this.statusDirty = this.statusWant !== undefined;
        this.scheduleWriter();
        break;
      case 'mirror':
        this.mirrorDirty = this.mirrorWant !== undefined;
        this.scheduleWriter();
        break;
      case 'status':
        this.statusDirty = this.statusWant !== undefined;
        this.scheduleWriter();
        break;
    }
  }

  private slot(c: Clients, name: string): Slot | undefined {
    return c.slots.find((s) => s.name === name);
  }

  private ownNode(c: Clients): Obj | undefined {
    return this.slot(c, 'node')?.informer.get(this.nodeName);
  }

  // ------------------------------------------------------------------ snapshot

  private scheduleRecompute(): void {
    if (this.recomputeQueued) return;
    this.recomputeQueued = true;
    setImmediate(() => {
      this.recomputeQueued = false;
      this.recompute();
    });
  }

  private recompute(): void {
    const c = this.clients;
    if (this.stopped || !c || c.dead) return;
    const sources = c.slots.filter((s) => s.role === 'api' || s.role === 'node');
    if (sources.length === 0 || sources.some((s) => !s.listed)) return; // keep serving the last snapshot
    const node = this.ownNode(c);
    const labels: Record<string, string> = { ...(node?.metadata?.labels ?? {}) };
    const objects: Partial<Record<ApiKind, Obj[]>> = {};
    for (const s of sources) if (s.role === 'api' && s.kind) objects[s.kind] = [...s.informer.list()];
    const { config, rejected } = convertApiObjects(objects, labels, { namespace: this.ns });
    const key = stableStringify({ config, labels, rejected });
    const first = !this.everSynced;
    this.everSynced = true;
    if (key === this.snapKey) {
      if (first) this.emitChange();
      return;
    }
    this.snapKey = key;
    this.snap = config;
    this.snapLabels = labels;
    this.snapRejected = rejected;
    this.gen++;
    if (!node) this.log.warn({ node: this.nodeName }, 'no Node object for this node: only API objects without nodeSelector apply');
    this.log.info(
      {
        generation: this.gen,
        underlays: config.underlays.length,
        l3vnis: config.l3vnis.length,
        l2vnis: config.l2vnis.length,
        l3passthroughs: config.l3passthroughs.length,
        rawFrrConfigs: config.rawFrrConfigs.length,
        rejected: rejected.length,
      },
      'API configuration for this node changed',
    );
    for (const r of rejected) this.log.warn({ kind: r.kind, name: r.name }, `API object rejected: ${r.message}`);
    const resourceVersions: Record<string, string> = {};
    for (const s of c.slots) resourceVersions[s.name] = s.informer.latestResourceVersion();
    this.persist({
      nodeName: this.nodeName,
      namespace: this.ns,
      savedAt: new Date().toISOString(),
      generation: this.gen,
      nodeLabels: labels,
      resourceVersions,
      config,
    });
    this.emitChange();
  }

  private persist(d: Parameters<typeof writeSnapshot>[1]): void {
    this.persistData = d;
    if (this.persisting) return;
    this.persisting = (async () => {
      while (this.persistData) {
        const next = this.persistData;
        this.persistData = undefined;
        try {
          await writeSnapshot(this.stateDir, next);
        } catch (e) {
          this.log.warn({ err: describeError(e), stateDir: this.stateDir }, 'cannot persist the API snapshot');
        }
      }
    })().finally(() => {
      this.persisting = undefined;
    });
  }

  private emitChange(): void {
    if (this.stopped || this.changeTimer) return;
    this.changeTimer = setTimeout(() => {
      this.changeTimer = undefined;
      if (this.stopped) return;
      for (const cb of this.listeners) {
        try {
          cb();
        } catch (e) {
          this.log.error({ err: describeError(e) }, 'onChange callback failed');
        }
      }
    }, this.debounceMs);
  }

  private resync(): void {
    this.scheduleRecompute();
    this.markAllDirty();
    void this.kickWriter();
  }

  // ------------------------------------------------------------------ writer (mirrors, annotation, status)

  private markAllDirty(): void {
    this.mirrorDirty = this.mirrorWant !== undefined;
    this.statusDirty = this.statusWant !== undefined;
  }

  private writerTimer: NodeJS.Timeout | undefined;

  private scheduleWriter(): void {
    if (this.writerTimer || this.stopped) return;
    this.writerTimer = this.later(20, () => {
      this.writerTimer = undefined;
      void this.kickWriter();
    });
  }

  private kickWriter(): Promise<void> {
    if (this.stopped) return Promise.resolve();
    if (!this.writerRunning) {
      this.writerRunning = true;
      this.writerIdle = this.writerLoop()
        .catch((e: unknown) => this.log.error({ err: describeError(e) }, 'Kubernetes writer failed'))
        .finally(() => {
          this.writerRunning = false;
        });
    }
    return this.writerIdle;
  }

  private ready(c: Clients, ...names: string[]): boolean {
    return names.every((n) => this.slot(c, n)?.listed === true);
  }

  private async writerLoop(): Promise<void> {
    let failed = false;
    for (;;) {
      const c = this.clients;
      if (this.stopped || !c || c.dead || !this.isConnected) return;
      if (this.mirrorDirty && this.mirrorWant && this.ready(c, 'node', ...API_KINDS.map((k) => `mirror/${k.plural}`))) {
        this.mirrorDirty = false;
        if (!(await this.syncMirrors(c, this.mirrorWant))) {
          failed = true;
          this.retryWriter('mirror');
        }
        continue;
      }
      if (this.statusDirty && this.statusWant && this.ready(c, 'node', 'status')) {
        this.statusDirty = false;
        if (!(await this.syncStatus(c, this.statusWant))) {
          failed = true;
          this.retryWriter('status');
        }
        continue;
      }
      if (!failed) this.writerBackoffMs = this.backoff.initialMs;
      return;
    }
  }

  private retryWriter(what: 'mirror' | 'status'): void {
    const delay = this.writerBackoffMs;
    this.writerBackoffMs = Math.min(this.writerBackoffMs * 2, this.backoff.maxMs);
    clearTimeout(this.writerRetryTimer);
    this.writerRetryTimer = this.later(delay, () => {
      this.writerRetryTimer = undefined;
      if (what === 'mirror') this.mirrorDirty = this.mirrorWant !== undefined;
      else this.statusDirty = this.statusWant !== undefined;
      void this.kickWriter();
    });
  }

  /** A write failed: false when it is worth retrying. */
  private writeFailed(e: unknown, what: string, refusedKey?: string, spec?: string): boolean {
    const status = httpStatus(e);
    const err = describeError(e);
    if ((status === 400 || status === 422) && refusedKey !== undefined && spec !== undefined) {
      this.refusedMirrors.set(refusedKey, spec);
      this.log.error({ err }, `${what}: refused by the API server (not retried until it changes)`);
      return true;
    }
    this.log.warn({ err }, `${what} failed`);
    if (isConnectionError(status) && this.isConnected) {
      this.lastError = err;
      void this.healthCheck();
    }
    return false;
  }

  private async syncMirrors(c: Clients, want: { objects?: MirrorObject[]; nodeIndex: number }): Promise<boolean> {
    if (want.objects === undefined) return this.syncAnnotation(c, want.nodeIndex);
    const existing: Array<{ kind: ApiKind; obj: KubeObject }> = [];
    for (const k of API_KINDS) {
      for (const obj of this.slot(c, `mirror/${k.plural}`)?.informer.list(this.ns) ?? []) existing.push({ kind: k.kind, obj });
    }
    const plan = planMirror(want.objects, existing);
    let ok = true;
    for (const d of plan.create) ok = (await this.createMirror(c, d)) && ok;
    for (const u of plan.update) ok = (await this.updateMirror(c, u.existing, u.want, true)) && ok;
    for (const d of plan.delete) ok = (await this.deleteMirror(c, d.kind, d.obj)) && ok;
    ok = (await this.syncAnnotation(c, want.nodeIndex)) && ok;
    return ok;
  }

  private plural(kind: ApiKind): string {
    return API_KINDS.find((k) => k.kind === kind)?.plural ?? '';
  }

  private isRefused(d: MirrorObject): { key: string; spec: string; refused: boolean } {
    const key = `${d.kind}/${d.metadata.name}`;
    const spec = stableStringify(d);
    return { key, spec, refused: this.refusedMirrors.get(key) === spec };
  }

  private async createMirror(c: Clients, d: MirrorObject): Promise<boolean> {
    const r = this.isRefused(d);
    if (r.refused) return true;
    const where = { ...CO, namespace: this.ns, plural: this.plural(d.kind) };
    try {
      await withTimeout(c.co.createNamespacedCustomObject({ ...where, body: d }), this.timeoutMs, 'create');
      this.log.info({ kind: d.kind, name: d.metadata.name }, 'static object mirrored (created)');
      return true;
    } catch (e) {
      if (httpStatus(e) === 409) {
        // Exists without our labels (or the cache lags): make it ours.
        try {
          const cur = (await withTimeout(
            c.co.getNamespacedCustomObject({ ...where, name: d.metadata.name }),
            this.timeoutMs,
            'get',
          )) as KubeObject;
          return mirrorMatches(cur, d) ? true : await this.updateMirror(c, cur, d, false);
        } catch (e2) {
          return this.writeFailed(e2, `mirror ${d.kind} ${d.metadata.name}`);
        }
      }
      return this.writeFailed(e, `mirror ${d.kind} ${d.metadata.name}`, r.key, r.spec);
    }
  }

  private async updateMirror(c: Clients, existing: KubeObject, d: MirrorObject, retry: boolean): Promise<boolean> {
    const r = this.isRefused(d);
    if (r.refused) return true;
    const where = { ...CO, namespace: this.ns, plural: this.plural(d.kind), name: d.metadata.name };
    try {
      await withTimeout(c.co.replaceNamespacedCustomObject({ ...where, body: updatedMirror(existing, d) }), this.timeoutMs, 'update');
      this.log.info({ kind: d.kind, name: d.metadata.name }, 'static object mirrored (updated: edits reverted)');
      return true;
    } catch (e) {
      const status = httpStatus(e);
      if (retry && status === 409) {
        try {
          const cur = (await withTimeout(c.co.getNamespacedCustomObject(where), this.timeoutMs, 'get')) as KubeObject;
          return mirrorMatches(cur, d) ? true : await this.updateMirror(c, cur, d, false);
        } catch (e2) {
          return this.writeFailed(e2, `mirror ${d.kind} ${d.metadata.name}`);
        }
      }
      if (retry && status === 404) return this.createMirror(c, d);
      return this.writeFailed(e, `mirror ${d.kind} ${d.metadata.name}`, r.key, r.spec);
    }
  }

  private async deleteMirror(c: Clients, kind: ApiKind, obj: KubeObject): Promise<boolean> {
    const name = obj.metadata?.name ?? '';
    try {
      await withTimeout(
        c.co.deleteNamespacedCustomObject({ ...CO, namespace: this.ns, plural: this.plural(kind), name }),
        this.timeoutMs,
        'delete',
      );
      this.log.info({ kind, name }, 'stale static mirror deleted');
      return true;
    } catch (e) {
      if (httpStatus(e) === 404) return true;
      return this.writeFailed(e, `delete stale mirror ${kind} ${name}`);
    }
  }

  private async syncAnnotation(c: Clients, index: number): Promise<boolean> {
    const node = this.ownNode(c);
    if (!node) return true; // no Node object: nothing to annotate
    const value = String(index);
    const rv = node.metadata?.resourceVersion;
    if (node.metadata?.annotations?.[NODE_INDEX_ANNOTATION] === value) return true;
    if (this.lastAnnotation?.value === value && this.lastAnnotation.rvBefore === rv) return true; // cache not caught up yet
    try {
      await withTimeout(
        c.core.patchNode({ name: this.nodeName, body: { metadata: { annotations: { [NODE_INDEX_ANNOTATION]: value } } } }, STRATEGIC_PATCH),
        this.timeoutMs,
        'patch node',
      );
      this.lastAnnotation = rv === undefined ? { value } : { value, rvBefore: rv };
      this.log.info({ node: this.nodeName, index }, `node annotated ${NODE_INDEX_ANNOTATION}=${value}`);
      return true;
    } catch (e) {
      if (httpStatus(e) === 404) return true;
      return this.writeFailed(e, 'node-index annotation');
    }
  }

  private async syncStatus(c: Clients, want: StatusReport): Promise<boolean> {
    const where = { ...CO, namespace: this.ns, plural: STATUS_PLURAL };
    const cached = this.slot(c, 'status')?.informer.get(this.nodeName, this.ns);
    let current: KubeObject | undefined = cached;
    const last = this.lastStatus;
    if (last && (!cached || cached.metadata?.resourceVersion === last.rvBefore)) current = last.obj; // cache lags our write
    try {
      if (!current) {
        const uid = this.ownNode(c)?.metadata?.uid;
        const body = {
          apiVersion: API_VERSION,
          kind: STATUS_KIND,
          metadata: {
            name: this.nodeName,
            namespace: this.ns,
            ...(uid ? { ownerReferences: [{ apiVersion: 'v1', kind: 'Node', name: this.nodeName, uid }] } : {}),
          },
        };
        try {
          current = (await withTimeout(c.co.createNamespacedCustomObject({ ...where, body }), this.timeoutMs, 'create status')) as Obj;
          this.lastStatus = { obj: current as Obj };
        } catch (e) {
          if (httpStatus(e) !== 409) throw e;
          current = (await withTimeout(
            c.co.getNamespacedCustomObject({ ...where, name: this.nodeName }),
            this.timeoutMs,
            'get status',
          )) as Obj;
        }
      }
      // API objects this module rejected never reach the pipeline: they are reported here.
      const seen = new Set(want.failed.map((f) => `${f.kind}|${f.name}|${f.message}`));
      const failed = [...want.failed, ...this.snapRejected.filter((f) => !seen.has(`${f.kind}|${f.name}|${f.message}`))];
      const desired = buildStatus({ ...want, failed }, current.status, new Date());
      if (statusEqual(current.status, desired)) return true;
      // Merge patch: lists are replaced whole; stray top-level fields are cleared.
      const patch: Record<string, unknown> = { ...desired };
      for (const k of Object.keys((current.status ?? {}) as object)) if (!(k in patch)) patch[k] = null;
      if (desired.observedGeneration === undefined) patch.observedGeneration = null;
      const res = (await withTimeout(
        c.co.patchNamespacedCustomObjectStatus({ ...where, name: this.nodeName, body: { status: patch } }, MERGE_PATCH),
        this.timeoutMs,
        'patch status',
      )) as Obj;
      const rvBefore = current.metadata?.resourceVersion;
      this.lastStatus = rvBefore === undefined ? { obj: res } : { rvBefore, obj: res };
      const ready = desired.conditions.find((x) => x.type === 'Ready');
      this.log.info({ ready: ready?.status, reason: ready?.reason, failed: desired.failedResources.length }, 'node status updated');
      return true;
    } catch (e) {
      if (httpStatus(e) === 422 || httpStatus(e) === 400) {
        this.log.error({ err: describeError(e) }, 'node status refused by the API server');
        return true;
      }
      return this.writeFailed(e, 'node status');
    }
  }
}
