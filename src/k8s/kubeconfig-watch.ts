// The kubeconfig, watched (directory events) and polled: a new content (a rotated token
// included) is handed over once two reads a moment apart agree, so a file caught half written
// is never used. A file that becomes missing or unusable keeps the current clients.

import { type FSWatcher, watch as fsWatch } from 'node:fs';
import path from 'node:path';
import type { Logger } from 'pino';
import { type KubeconfigLoad, loadKubeconfig } from './kubeconfig.js';
import type { Timers } from './timers.js';

export type KubeconfigState = 'unknown' | 'missing' | 'invalid' | 'ok';

export interface KubeconfigWatchOptions {
  path: string;
  pollMs: number;
  log: Logger;
  timers: Timers;
  /** Fingerprint of the content in use (undefined: none yet). */
  inUse(): string | undefined;
  /** A new, stable content. */
  use(r: Extract<KubeconfigLoad, { state: 'ok' }>): void;
}

export class KubeconfigWatch {
  state: KubeconfigState = 'unknown';
  error: string | undefined;
  private watcher: FSWatcher | undefined;
  private checkTimer: NodeJS.Timeout | undefined;
  private pendingFingerprint: string | undefined;
  private checking = false;
  private recheck = false;

  constructor(private readonly o: KubeconfigWatchOptions) {}

  start(): void {
    const dir = path.dirname(path.resolve(this.o.path));
    const base = path.basename(this.o.path);
    try {
      this.watcher = fsWatch(dir, (_ev, file) => {
        if (file === null || String(file) === base || this.state === 'ok') this.schedule(50);
      });
      this.watcher.on('error', () => {
        this.watcher?.close();
        this.watcher = undefined;
      });
    } catch {
      // The directory does not exist (yet): polling finds the file when it appears.
    }
    this.o.timers.every(this.o.pollMs, () => void this.check());
    void this.check();
  }

  stop(): void {
    this.watcher?.close();
    this.o.timers.clear(this.checkTimer);
  }

  private schedule(ms: number): void {
    if (this.checkTimer || this.o.timers.stopped) return;
    this.checkTimer = this.o.timers.later(ms, () => {
      this.checkTimer = undefined;
      void this.check();
    });
  }

  /** One read at a time (reads are asynchronous); a check asked for meanwhile runs right after. */
  private async check(): Promise<void> {
    if (this.o.timers.stopped) return;
    if (this.checking) {
      this.recheck = true;
      return;
    }
    this.checking = true;
    try {
      do {
        this.recheck = false;
        const r = await loadKubeconfig(this.o.path);
        if (this.o.timers.stopped) return;
        this.take(r);
      } while (this.recheck);
    } finally {
      this.checking = false;
    }
  }

  private take(r: KubeconfigLoad): void {
    if (r.state !== 'ok') {
      this.pendingFingerprint = undefined;
      const err = r.state === 'invalid' ? r.error : undefined;
      if (r.state !== this.state || err !== this.error) {
        const keeping = this.o.inUse() !== undefined ? '; keeping the current credentials' : '';
        if (r.state === 'missing') this.o.log.info({ kubeconfig: this.o.path }, `no kubeconfig yet: waiting for it${keeping}`);
        else this.o.log.warn({ kubeconfig: this.o.path, err }, `kubeconfig unusable${keeping}`);
      }
      this.state = r.state;
      this.error = err;
      return;
    }
    this.state = 'ok';
    this.error = undefined;
    if (this.o.inUse() === r.fingerprint) {
      this.pendingFingerprint = undefined;
      return;
    }
    if (this.pendingFingerprint !== r.fingerprint) {
      this.pendingFingerprint = r.fingerprint;
      this.schedule(Math.min(200, this.o.pollMs));
      return;
    }
    this.pendingFingerprint = undefined;
    this.o.use(r);
  }
}
