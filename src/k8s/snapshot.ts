// The API configuration for this node: recomputed from the informer caches once every API and
// Node informer has listed; kept (and served) across API loss and credential changes until the
// new informers have listed. `generation` grows by one per change and continues across restarts.
// Persisted on every change (snapshot-store.ts).

import type { Logger } from 'pino';
import type { FailedResource, RouterConfig } from '../config/model.js';
import { stableStringify } from '../util/json.js';
import { describeError } from './api-errors.js';
import { type Clients, type Obj, ownNode } from './clients.js';
import { byKindThenMessage, convertApiObjects, DEFAULT_MAX_PER_KIND, reportUnsupported } from './convert.js';
import { kindInfo, type ApiKind } from './kinds.js';
import type { KubeObject } from './kube-object.js';
import { type PersistedSnapshot, readSnapshot, writeSnapshot } from './snapshot-store.js';

export interface SnapshotOptions {
  namespace: string;
  nodeName: string;
  stateDir: string;
  log: Logger;
  /** Cap of the objects of one kind selecting this node (default DEFAULT_MAX_PER_KIND). */
  maxPerKind?: number;
  stopped(): boolean;
  /** The snapshot, the labels or the rejected objects changed (or the first sync completed). */
  changed(): void;
}

export class Snapshot {
  config: RouterConfig | undefined;
  labels: Record<string, string> = {};
  rejected: FailedResource[] = [];
  generation = 0;
  synced = false;
  private key: string | undefined;
  private queued = false;
  private persistData: Omit<PersistedSnapshot, 'version'> | undefined;
  private persisting: Promise<void> | undefined;

  constructor(private readonly o: SnapshotOptions) {
    // Continue the generation count of the persisted snapshot, so observedGeneration keeps growing.
    const prev = readSnapshot(o.stateDir);
    if ('snapshot' in prev && prev.snapshot.nodeName === o.nodeName) this.generation = prev.snapshot.generation;
  }

  /** Recompute from the caches of `clients()` soon (once per event-loop turn). */
  schedule(clients: () => Clients | undefined): void {
    if (this.queued) return;
    this.queued = true;
    setImmediate(() => {
      this.queued = false;
      const c = clients();
      if (c) this.recompute(c);
    });
  }

  /** The snapshot a previous run persisted for this node, if any. */
  loadPersisted(): RouterConfig | undefined {
    const r = readSnapshot(this.o.stateDir);
    if ('error' in r) {
      if (r.missing) this.o.log.info('no persisted API snapshot');
      else this.o.log.warn({ err: r.error }, 'persisted API snapshot unusable');
      return undefined;
    }
    if (r.snapshot.nodeName !== this.o.nodeName) {
      this.o.log.warn({ savedFor: r.snapshot.nodeName }, 'persisted API snapshot belongs to another node: ignored');
      return undefined;
    }
    this.o.log.info({ savedAt: r.snapshot.savedAt, generation: r.snapshot.generation }, 'loaded the persisted API snapshot');
    return r.snapshot.config;
  }

  /** Resolves once the last change is on disk. */
  async flushed(): Promise<void> {
    await this.persisting?.catch(() => undefined);
  }

  private recompute(c: Clients): void {
    if (this.o.stopped() || c.dead) return;
    const sources = c.slots.filter((s) => s.role === 'api' || s.role === 'unsupported' || s.role === 'node');
    if (sources.length === 0 || sources.some((s) => !s.listed)) return; // keep serving the last snapshot
    const node = ownNode(c, this.o.nodeName);
    const labels: Record<string, string> = { ...(node?.metadata?.labels ?? {}) };
    const objects: Partial<Record<ApiKind, Obj[]>> = {};
    const unsupported: Record<string, KubeObject[]> = {};
    for (const s of sources) {
      if (s.role === 'api' && s.kind) objects[s.kind] = [...s.informer.list()];
      if (s.role === 'unsupported' && s.reportedKind) unsupported[s.reportedKind] = [...s.informer.list()];
    }
    const { config, rejected } = this.convert(objects, unsupported, labels);
    const key = stableStringify({ config, labels, rejected });
    const first = !this.synced;
    this.synced = true;
    if (key === this.key) {
      if (first) this.o.changed();
      return;
    }
    this.key = key;
    this.config = config;
    this.labels = labels;
    this.rejected = rejected;
    this.generation++;
    if (!node) this.o.log.warn({ node: this.o.nodeName }, 'no Node object for this node: only API objects without nodeSelector apply');
    this.logChange(config, rejected);
    const resourceVersions: Record<string, string> = {};
    for (const s of c.slots) resourceVersions[s.name] = s.informer.latestResourceVersion();
    this.persist({
      nodeName: this.o.nodeName,
      namespace: this.o.namespace,
      savedAt: new Date().toISOString(),
      generation: this.generation,
      nodeLabels: labels,
      resourceVersions,
      config,
    });
    this.o.changed();
  }

  /**
   * Conversion, plus the two things that are not a single object's fault: a kind over the cap
   * keeps the list it had (a flood of objects never takes down what runs; nothing of it applies
   * on a first sync) and is reported once; objects of unsupported kinds are reported.
   */
  private convert(
    objects: Partial<Record<ApiKind, Obj[]>>,
    unsupported: Record<string, KubeObject[]>,
    labels: Record<string, string>,
  ): {
    config: RouterConfig;
    rejected: FailedResource[];
  } {
    const max = this.o.maxPerKind ?? DEFAULT_MAX_PER_KIND;
    const { config, rejected, overLimit } = convertApiObjects(objects, labels, { namespace: this.o.namespace, maxPerKind: max });
    for (const [kind, count] of Object.entries(overLimit) as Array<[ApiKind, number]>) {
      const key = kindInfo(kind).configKey;
      const kept = this.config?.[key] ?? [];
      (config[key] as unknown[]) = structuredClone(kept) as unknown[];
      rejected.push({
        kind,
        name: `${kindInfo(kind).plural}-over-limit`,
        reason: 'ValidationFailed',
        message: `${count} ${kind} objects select this node, more than ${max}: none of them is applied; the ${kept.length} applied before are kept`,
      });
    }
    rejected.push(...reportUnsupported(unsupported, labels));
    rejected.sort(byKindThenMessage);
    return { config, rejected };
  }

  private logChange(config: RouterConfig, rejected: FailedResource[]): void {
    this.o.log.info(
      {
        generation: this.generation,
        underlays: config.underlays.length,
        l3vnis: config.l3vnis.length,
        l2vnis: config.l2vnis.length,
        l3passthroughs: config.l3passthroughs.length,
        rawFrrConfigs: config.rawFrrConfigs.length,
        rejected: rejected.length,
      },
      'API configuration for this node changed',
    );
    for (const r of rejected) this.o.log.warn({ kind: r.kind, name: r.name }, `API object rejected: ${r.message}`);
  }

  private persist(d: Omit<PersistedSnapshot, 'version'>): void {
    this.persistData = d;
    if (this.persisting) return;
    this.persisting = (async () => {
      while (this.persistData) {
        const next = this.persistData;
        this.persistData = undefined;
        try {
          await writeSnapshot(this.o.stateDir, next);
        } catch (e) {
          this.o.log.warn({ err: describeError(e), stateDir: this.o.stateDir }, 'cannot persist the API snapshot');
        }
      }
    })().finally(() => {
      this.persisting = undefined;
    });
  }
}
