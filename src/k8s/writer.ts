// The writer: one write at a time, only when something differs, retried with the one backoff
// policy. What it brings the API to: the mirrors of the static objects and the node-index
// annotation (mirror-writes.ts), and this node's status (status-write.ts). Changes by others to
// mirrors or status are put back (the informers mark them dirty).

import type { Logger } from 'pino';
import type { FailedResource, RouterConfig } from '../config/model.js';
import { Backoff, type BackoffPolicy } from '../util/backoff.js';
import { stableStringify } from '../util/json.js';
import { describeError } from './api-errors.js';
import { type Clients, listed } from './clients.js';
import { API_KINDS } from './kinds.js';
import { desiredMirrors } from './mirror.js';
import { type MirrorWant, MirrorWrites } from './mirror-writes.js';
import type { StatusReport } from './status.js';
import { StatusWrite } from './status-write.js';
import type { Timers } from './timers.js';
import type { WriteContext } from './write-context.js';

export interface WriterOptions {
  namespace: string;
  nodeName: string;
  log: Logger;
  timers: Timers;
  backoff: BackoffPolicy;
  timeoutMs: number;
  /** The clients to write with, when connected. */
  clients(): Clients | undefined;
  connected(): boolean;
  suspect(err: string): void;
  /** API objects rejected by the API source, added to the status. */
  rejected(): readonly FailedResource[];
}

export class Writer {
  private mirrorWant: MirrorWant | undefined;
  private mirrorKey: string | undefined;
  private mirrorDirty = false;
  private statusWant: StatusReport | undefined;
  private statusDirty = false;
  private running = false;
  private idle: Promise<void> = Promise.resolve();
  private retryTimer: NodeJS.Timeout | undefined;
  private soonTimer: NodeJS.Timeout | undefined;
  private readonly backoff: Backoff;
  private readonly mirrors = new MirrorWrites();
  private readonly status = new StatusWrite();

  constructor(private readonly o: WriterOptions) {
    this.backoff = new Backoff(o.backoff);
  }

  /** See ApiSource.mirrorStatic. */
  mirrorStatic(staticCfg: RouterConfig | undefined, nodeIndex: number): Promise<void> {
    let objects = this.mirrorWant?.objects;
    if (staticCfg !== undefined) {
      const d = desiredMirrors(staticCfg, this.o.nodeName, this.o.namespace);
      const key = stableStringify(d.objects);
      if (key !== this.mirrorKey) {
        this.mirrorKey = key;
        for (const s of d.skipped) this.o.log.warn(s);
      }
      objects = d.objects;
    }
    this.mirrorWant = objects === undefined ? { nodeIndex } : { objects, nodeIndex };
    this.mirrorDirty = true;
    return this.kick();
  }

  /** See ApiSource.reportStatus; `generation` is the snapshot generation to report when `s` has none. */
  reportStatus(s: StatusReport, generation: number): Promise<void> {
    this.statusWant = { ...s, failed: [...s.failed] };
    if (this.statusWant.observedGeneration === undefined && generation > 0) this.statusWant.observedGeneration = generation;
    this.statusDirty = true;
    return this.kick();
  }

  /** New clients: forget what the old ones wrote. */
  forget(): void {
    this.mirrors.forget();
    this.status.forget();
  }

  statusDeleted(): void {
    this.status.forget();
  }

  /** Everything is compared with the API again (reconnection, resync). */
  markAllDirty(): void {
    this.mirrorDirty = this.mirrorWant !== undefined;
    this.statusDirty = this.statusWant !== undefined;
  }

  /** The informer of the mirrors (or the Node) changed. */
  mirrorsChanged(): void {
    this.mirrorDirty = this.mirrorWant !== undefined;
    this.soon();
  }

  /** The informer of the status (or the Node) changed. */
  statusChanged(): void {
    this.statusDirty = this.statusWant !== undefined;
    this.soon();
  }

  /** Runs the writes now (unless running); resolves when the writer is idle. */
  kick(): Promise<void> {
    if (this.o.timers.stopped) return Promise.resolve();
    if (!this.running) {
      this.running = true;
      this.idle = this.loop()
        .catch((e: unknown) => this.o.log.error({ err: describeError(e) }, 'Kubernetes writer failed'))
        .finally(() => {
          this.running = false;
        });
    }
    return this.idle;
  }

  async stopped(): Promise<void> {
    await this.idle.catch(() => undefined);
  }

  private soon(): void {
    if (this.soonTimer || this.o.timers.stopped) return;
    this.soonTimer = this.o.timers.later(20, () => {
      this.soonTimer = undefined;
      void this.kick();
    });
  }

  private context(c: Clients): WriteContext {
    const { namespace, nodeName, log, timeoutMs } = this.o;
    return { c, namespace, nodeName, log, timeoutMs, suspect: (err) => this.o.suspect(err) };
  }

  private async loop(): Promise<void> {
    let failed = false;
    for (;;) {
      const c = this.o.clients();
      if (this.o.timers.stopped || !c || c.dead || !this.o.connected()) return;
      if (this.mirrorDirty && this.mirrorWant && listed(c, 'node', ...API_KINDS.map((k) => `mirror/${k.plural}`))) {
        this.mirrorDirty = false;
        if (!(await this.mirrors.sync(this.context(c), this.mirrorWant))) {
          failed = true;
          this.retry('mirror');
        }
        continue;
      }
      if (this.statusDirty && this.statusWant && listed(c, 'node', 'status')) {
        this.statusDirty = false;
        if (!(await this.status.sync(this.context(c), this.statusWant, this.o.rejected()))) {
          failed = true;
          this.retry('status');
        }
        continue;
      }
      if (!failed) this.backoff.reset();
      return;
    }
  }

  private retry(what: 'mirror' | 'status'): void {
    this.o.timers.clear(this.retryTimer);
    this.retryTimer = this.o.timers.later(this.backoff.next(), () => {
      this.retryTimer = undefined;
      if (what === 'mirror') this.mirrorDirty = this.mirrorWant !== undefined;
      else this.statusDirty = this.statusWant !== undefined;
      void this.kick();
    });
  }
}
