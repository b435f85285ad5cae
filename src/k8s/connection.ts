// Whether the API answers: the current set of clients, probed (GET this Node: 200 or 404 = the
// API answers) with the one backoff policy while unreachable, and checked every healthCheckMs
// while connected to catch silent partitions.

import type { Logger } from 'pino';
import { Backoff, type BackoffPolicy } from '../util/backoff.js';
import { describeError, httpStatus, withTimeout } from './api-errors.js';
import { type Clients, makeClients } from './clients.js';
import type { KubeconfigLoad } from './kubeconfig.js';
import type { Timers } from './timers.js';

export interface ConnectionHooks {
  /** New clients replace the old ones (credentials changed), before their first probe. */
  switched(c: Clients, old: Clients | undefined): void;
  /** A probe of `c` succeeded. */
  reached(c: Clients): void;
  /** Connectivity flipped. */
  changed(): void;
}

export interface ConnectionOptions {
  nodeName: string;
  kubeconfigPath: string;
  log: Logger;
  timers: Timers;
  backoff: BackoffPolicy;
  healthCheckMs: number;
  timeoutMs: number;
  hooks: ConnectionHooks;
}

export class Connection {
  clients: Clients | undefined;
  lastError: string | undefined;
  private isConnected = false;
  private seq = 0;
  private readonly probeBackoff: Backoff;
  private probeTimer: NodeJS.Timeout | undefined;
  private healthTimer: NodeJS.Timeout | undefined;

  constructor(private readonly o: ConnectionOptions) {
    this.probeBackoff = new Backoff(o.backoff);
  }

  get connected(): boolean {
    return this.isConnected;
  }

  /** Replaces the clients with ones made from `r` and probes them. */
  use(r: Extract<KubeconfigLoad, { state: 'ok' }>): void {
    const old = this.clients;
    const c = makeClients(++this.seq, r);
    this.clients = c;
    this.o.log.info(
      { server: r.server, user: r.user, kubeconfig: this.o.kubeconfigPath },
      old ? 'credentials changed: reconnecting with the new ones' : 'kubeconfig found: connecting',
    );
    this.o.hooks.switched(c, old);
    this.setConnected(false);
    this.o.timers.clear(this.probeTimer);
    this.probeTimer = undefined;
    this.probeBackoff.reset();
    void this.probe(c);
  }

  /** Something saw the API go away: disconnected until a probe succeeds. */
  lost(err: string): void {
    this.lastError = err;
    this.setConnected(false);
    this.scheduleProbe();
  }

  /** A request failed in a way that may mean the API is gone: check now. */
  suspect(err: string): void {
    if (!this.isConnected) return;
    this.lastError = err;
    void this.healthCheck();
  }

  stop(): void {
    this.o.timers.clear(this.probeTimer);
    this.o.timers.clear(this.healthTimer);
    this.isConnected = false;
  }

  private setConnected(v: boolean): void {
    if (this.isConnected === v) return;
    this.isConnected = v;
    this.o.timers.clear(this.healthTimer);
    this.healthTimer = undefined;
    if (v) {
      this.lastError = undefined;
      this.o.log.info({ server: this.clients?.server }, 'Kubernetes API connected');
      if (this.o.healthCheckMs > 0) this.healthTimer = this.o.timers.every(this.o.healthCheckMs, () => void this.healthCheck());
    } else if (!this.o.timers.stopped) {
      this.o.log.warn({ err: this.lastError }, 'Kubernetes API unreachable: serving the last API snapshot');
    }
    this.o.hooks.changed();
  }

  private scheduleProbe(): void {
    if (this.probeTimer || this.clients?.probing || this.o.timers.stopped) return;
    this.probeTimer = this.o.timers.later(this.probeBackoff.next(), () => {
      this.probeTimer = undefined;
      const c = this.clients;
      if (c) void this.probe(c);
    });
  }

  private async readOwnNode(c: Clients): Promise<void> {
    try {
      await withTimeout(c.core.readNode({ name: this.o.nodeName }), this.o.timeoutMs, 'probe');
    } catch (e) {
      if (httpStatus(e) !== 404) throw e; // a missing Node still proves the API answers
    }
  }

  private async probe(c: Clients): Promise<void> {
    if (this.o.timers.stopped || c.dead || c.probing) return;
    c.probing = true;
    let err: unknown;
    try {
      await this.readOwnNode(c);
    } catch (e) {
      err = e ?? new Error('probe failed');
    } finally {
      c.probing = false;
    }
    if (this.o.timers.stopped || c.dead) return;
    if (err === undefined) {
      this.probeBackoff.reset();
      this.setConnected(true);
      this.o.hooks.reached(c);
      return;
    }
    this.lastError = describeError(err);
    const failures = this.probeBackoff.attempts + 1;
    const fields = { server: c.server, err: this.lastError, retryInMs: this.probeBackoff.peek() };
    if (failures === 1 || failures % 10 === 0) this.o.log.warn(fields, 'Kubernetes API probe failed');
    else this.o.log.debug(fields, 'Kubernetes API probe failed');
    this.setConnected(false);
    this.scheduleProbe();
  }

  private async healthCheck(): Promise<void> {
    const c = this.clients;
    if (!c || c.dead || this.o.timers.stopped || !this.isConnected || c.probing) return;
    try {
      await this.readOwnNode(c);
    } catch (e) {
      if (c.dead || this.o.timers.stopped) return;
      this.lost(describeError(e));
    }
  }
}
